#include "sync_client.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/parse.hpp>
#include <cstring>
#include <deque>
#include <map>
#include <optional>

#include "equitas/forms/form_json.hpp"
#include "equitas/util/thread_annotations.hpp"
#include "equitas/wire/device_list.hpp"
#include "equitas/wire/payload.hpp"
#include "equitas/wire/secure_channel.hpp"
#include "equitas/wire/sync_messages.hpp"
#include "sync_client_protocol.hpp"

namespace equitas::collector {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using net::use_awaitable;

// A forms update carries one definition of up to 4 MiB (subprotocol v3).
constexpr std::size_t kClientReadMessageMax = kMaxFormDefinitionBytes + 256 * 1024;

// A fetch that servers older than this collector do not offer.
struct LaterFetch {
  std::string SyncReport::*note;  // says when the server does not offer it
  const char* older;              // what it says then
  const char* unanswered;         // the failure when the answer is something else
};
constexpr LaterFetch kAssessmentsFetch{
    &SyncReport::assessments_note,
    "the server does not offer team assessments (it is older than this collector)",
    "the server did not answer the assessments request"};
constexpr LaterFetch kCodesFetch{
    &SyncReport::codes_note,
    "the server does not offer response codes (it is older than this collector)",
    "the server did not answer the codes request"};

// Where the server was last seen holding each file this process sends (an
// acknowledged piece, or its answer to an offer), so that a session cut
// every half minute can put file bytes behind its offer instead of a round
// trip later. A hint, kept in memory only: the server answers a piece that
// does not start where it holds the file with where it does.
struct FilePosition {
  std::uint32_t chunk = 0;
  std::uint32_t offset = 0;
  bool operator==(const FilePosition&) const = default;
};
Mutex positions_mutex;
std::map<FileId, FilePosition> positions EQ_GUARDED_BY(positions_mutex);

void note_position(const FileId& id, std::optional<FilePosition> at) {
  MutexLock lock(&positions_mutex);
  if (!at) {
    positions.erase(id);
    return;
  }
  if (positions.size() >= 4096 && positions.count(id) == 0) positions.clear();
  positions[id] = *at;
}

std::optional<FilePosition> last_position(const FileId& id) {
  MutexLock lock(&positions_mutex);
  const auto it = positions.find(id);
  if (it == positions.end()) return std::nullopt;
  return it->second;
}

// One session, driven by a coroutine on a private io_context: it moves
// bytes over the WebSocket and applies what `protocol_` decides for the
// handshake and the pushes (sync_client_protocol.hpp), and still runs the
// session's other exchanges itself. Errors of the link come out as
// exceptions, which run_sync turns into a Status.
class Session {
 public:
  Session(CollectorStore& store, const SigningKey& key, const Enrollment& enrollment,
          const SyncOptions& options, const Clock& clock, ParsedUrl url)
      : store_(store),
        enrollment_(enrollment),
        options_(options),
        clock_(clock),
        url_(std::move(url)),
        protocol_(enrollment, key, options.max_batch_items) {}

  net::awaitable<Status> run();
  SyncReport& report() { return report_; }
  // True when a read was cut off because the server's reply did not come
  // within options.reply_timeout.
  bool reply_overdue() const { return reply_overdue_; }

 private:
  using Ws = websocket::stream<beast::tcp_stream>;
  struct EarlyOffer;
  // The steps of run(), in order.
  net::awaitable<void> connect(Ws& ws);
  net::awaitable<void> upgrade(Ws& ws);
  net::awaitable<Status> handshake(Ws& ws, EarlyOffer& early);
  net::awaitable<Status> fetch_first(Ws& ws, EarlyOffer& early);
  net::awaitable<Status> push(Ws& ws, EarlyOffer& early);
  net::awaitable<Status> fetch_last(Ws& ws);

  net::awaitable<Bytes> read(Ws& ws);
  net::awaitable<void> write(Ws& ws, const Bytes& msg);
  // Writes what `step` says to send; its Status when it failed.
  net::awaitable<Status> send(Ws& ws, SyncClientProtocol::Step step);
  // The reply to a request sealed with protocol_.seal().
  net::awaitable<Result<SyncMessage>> read_sealed(Ws& ws);
  // That reply when it is an Answer; the server's refusal when it refused,
  // `unanswered` when it is anything else.
  template <typename Answer>
  net::awaitable<Result<Answer>> read_answer(Ws& ws, const char* unanswered);
  // The enrollment secret the ClientAuth carries until the server has
  // registered this device (none when it is not in the store).
  Result<std::optional<SecretBytes<kEnrollSecretBytes>>> enrollment_secret();
  Status record_registration(const SyncClientProtocol::Welcomed& welcomed);
  // Requests sent behind the ClientAuth, without waiting for the Welcome.
  net::awaitable<Status> send_early_requests(Ws& ws, EarlyOffer& early);
  Status apply_ack(const std::vector<OutboxItem>& items, const SyncClientProtocol::Acked& ack);
  // `asked`: the first request went out already (pipelined after the
  // handshake); only its reply is to be read.
  net::awaitable<Status> fetch_forms(Ws& ws, bool asked = false);
  net::awaitable<Status> fetch_devices(Ws& ws, bool asked = false);
  FormsRequest forms_request(const std::vector<FormRef>& turned_down, Status& status);
  DevicesRequest devices_request(Status& status);
  net::awaitable<Status> fetch_assessments(Ws& ws);
  net::awaitable<Status> fetch_codes(Ws& ws);
  // One round trip of a fetch that a server older than this collector may
  // not offer: sends `request` (sealed), reads its answer, an Update, and
  // hands that to `keep` within one transaction. None when the server
  // answers with a protocol error: the report's `fetch.note` says so.
  template <typename Update, typename Keep>
  net::awaitable<Result<std::optional<Update>>> fetch_round(Ws& ws, const Bytes& request,
                                                            const LaterFetch& fetch, Keep keep);
  Status keep_assessment(const std::string& view);
  // Pushes every pending envelope in batches, numbered across the session
  // by protocol_.
  net::awaitable<Status> push_pending(Ws& ws);
  struct PieceSent {
    std::size_t job = 0;
    std::uint32_t chunk = 0;
    std::uint32_t offset = 0;
    std::uint32_t length = 0;
    bool ends_chunk = false;
    std::uint64_t number = 0;
    bool dud = false;  // known not to start where the server is: its ack says nothing
  };
  // A FilesOffer sent before the Welcome, and the server's answer to it.
  struct EarlyOffer {
    std::vector<CollectorStore::FileToSend> files;
    std::optional<SyncMessage> reply;
    // Pieces of files[0] sent behind the offer, from where the server was
    // last seen holding it (`from`), before its answer: the session's first
    // round trip then carries file bytes. The server checks where each
    // piece starts; `after` is where the next one would start.
    std::vector<PieceSent> pieces;
    FilePosition from;
    FilePosition after;
  };
  // Sends the files of acknowledged responses, chunk by chunk (or piece by
  // piece), pushing any envelope captured meanwhile before the next file.
  net::awaitable<Status> send_files(Ws& ws, EarlyOffer* early);
  struct PieceJob {
    CollectorStore::FileToSend file;
    std::uint32_t chunk = 0;  // where the next piece starts
    std::uint32_t offset = 0;
    bool over = false;               // stored, refused or stopped: no more pieces, acks ignored
    std::uint64_t resync_after = 0;  // acks of pieces sent up to here predate a resync
    std::uint64_t sends = 0;
  };
  // Moves `chunk` and `offset` past a piece of `length` bytes just sent;
  // one that ends its chunk counts in the report.
  void step_past(bool ends_chunk, std::uint32_t length, std::uint32_t& chunk,
                 std::uint32_t& offset);
  // Pieces of `jobs`, a few in flight across files (file_transfer.hpp).
  // False: stop sending files this session.
  // `early`: pieces already sent, whose acks come first.
  net::awaitable<Result<bool>> send_pieces(Ws& ws, std::vector<PieceJob>& jobs,
                                           std::vector<FileHash>& held_now,
                                           std::vector<PieceSent> early);
  // Sends pieces of early.files[0] behind the offer (see EarlyOffer).
  net::awaitable<Status> send_early_pieces(Ws& ws, EarlyOffer& early, FilePosition from);
  // One file from chunk `from`: true to go on with the next file, false to
  // stop sending files this session (the server cannot store them now).
  net::awaitable<Result<bool>> send_file(Ws& ws, const CollectorStore::FileToSend& f,
                                         std::uint32_t from);
  bool closed_by_server_ = false;  // it answered a newer request with a protocol error
  bool pieces_ = false;            // the server answered the upgrade with kSyncSubprotocolPieces
  bool forms_more_ = false;        // a pipelined forms request was answered `more`
  std::vector<FormRef>
      forms_turned_down_;  // not stored, but not to be asked for again this session
  std::vector<CollectorStore::RelayedRegistration> registrations_;

  CollectorStore& store_;
  const Enrollment& enrollment_;
  const SyncOptions& options_;
  const Clock& clock_;
  ParsedUrl url_;
  SyncClientProtocol protocol_;
  SyncReport report_;
  SyncProgress progress_;
  beast::flat_buffer buffer_;
  bool reply_overdue_ = false;
};

// Every wait for the server (its hello, the Welcome, each FormsUpdate and
// Ack) has a deadline. Beast's idle timeout is not one: with keep-alive
// pings, any pong resets it, so a server or a man-in-the-middle that
// swallows a reply but answers pings would keep this collector waiting for
// ever. At the deadline the connection is closed, which ends the read.
net::awaitable<Bytes> Session::read(Ws& ws) {
  buffer_.clear();
  net::steady_timer deadline(co_await net::this_coro::executor, options_.reply_timeout);
  // Set once the read is over: a deadline already queued must not fire then.
  auto over = std::make_shared<bool>(false);
  deadline.async_wait([this, &ws, over](beast::error_code ec) {
    if (ec || *over) return;  // the reply came (or the read failed) first
    reply_overdue_ = true;
    beast::get_lowest_layer(ws).close();
  });
  struct Done {
    std::shared_ptr<bool> over;
    ~Done() { *over = true; }
  } done{over};
  co_await ws.async_read(buffer_, use_awaitable);
  deadline.cancel();
  const auto d = buffer_.cdata();
  const auto* p = static_cast<const std::uint8_t*>(d.data());
  report_.bytes_down += static_cast<std::int64_t>(d.size());
  co_return Bytes(p, p + d.size());
}

net::awaitable<void> Session::write(Ws& ws, const Bytes& msg) {
  report_.bytes_up += static_cast<std::int64_t>(msg.size());
  co_await ws.async_write(net::buffer(msg), use_awaitable);
}

net::awaitable<Status> Session::send(Ws& ws, SyncClientProtocol::Step step) {
  if (auto* failed = std::get_if<SyncClientProtocol::Failed>(&step))
    co_return std::move(failed->status);
  auto* out = std::get_if<SyncClientProtocol::Send>(&step);
  if (out == nullptr) co_return Status::internal("the sync protocol gave nothing to send");
  for (const Bytes& msg : out->messages) co_await write(ws, msg);
  co_return Status::ok();
}

net::awaitable<Result<SyncMessage>> Session::read_sealed(Ws& ws) {
  auto step = protocol_.on_message(co_await read(ws));
  if (auto* failed = std::get_if<SyncClientProtocol::Failed>(&step))
    co_return std::move(failed->status);
  auto* reply = std::get_if<SyncClientProtocol::Received>(&step);
  if (reply == nullptr) co_return Status::internal("the sync protocol took a reply for its own");
  co_return std::move(reply->message);
}

template <typename Answer>
net::awaitable<Result<Answer>> Session::read_answer(Ws& ws, const char* unanswered) {
  auto reply = co_await read_sealed(ws);
  if (!reply.is_ok()) co_return reply.status();
  if (const auto* err = std::get_if<ErrorMsg>(&*reply)) co_return refusal_status(*err);
  auto* answer = std::get_if<Answer>(&*reply);
  if (answer == nullptr) co_return Status::corruption(unanswered);
  co_return std::move(*answer);
}

Status Session::apply_ack(const std::vector<OutboxItem>& items,
                          const SyncClientProtocol::Acked& ack) {
  // The protocol checked that the Ack answers every item of the batch.
  const auto& results = ack.results;
  const std::int64_t now = clock_.now();
  Transaction tx(store_.db());
  EQ_RETURN_IF_ERROR(tx.status());
  for (std::size_t i = 0; i < items.size(); ++i) {
    EQ_RETURN_IF_ERROR(store_.record_ack(items[i].seq, results[i], now));
  }
  EQ_RETURN_IF_ERROR(tx.commit());
  for (std::size_t i = 0; i < items.size(); ++i) {
    const ItemResult& r = results[i];
    switch (r.status) {
      case ItemStatus::kAccepted:
        ++report_.accepted;
        break;
      case ItemStatus::kDuplicate:
        ++report_.duplicate;
        break;
      case ItemStatus::kConflict:
        ++report_.conflict;
        break;
      case ItemStatus::kRejected:
        ++report_.rejected;
        report_.rejections.push_back(items[i].submission_id.to_string() + ": " +
                                     std::string(reject_reason_name(r.reason)) + " (" + r.detail +
                                     ")");
        break;
    }
  }
  return Status::ok();
}

// Asks for the form publications this collector lacks and keeps those whose
// signature verifies against the pinned server key.
FormsRequest Session::forms_request(const std::vector<FormRef>& turned_down, Status& status) {
  FormsRequest req;
  auto held = store_.load_form_publications();
  if (!held.is_ok()) {
    status = held.status();
    return req;
  }
  for (const auto& p : *held) req.known.push_back({p.form_id, p.version, p.round});
  req.known.insert(req.known.end(), turned_down.begin(), turned_down.end());
  return req;
}

net::awaitable<Status> Session::fetch_forms(Ws& ws, bool asked) {
  std::vector<FormRef>& turned_down = forms_turned_down_;
  for (int round_trip = 0; round_trip < 32; ++round_trip) {
    if (round_trip > 0 || !asked) {
      Status status = Status::ok();
      FormsRequest req = forms_request(turned_down, status);
      if (!status.is_ok()) co_return status;
      co_await write(ws, protocol_.seal(req));
    }
    auto update =
        co_await read_answer<FormsUpdate>(ws, "the server did not answer the forms request");
    if (!update.is_ok()) co_return update.status();
    for (const auto& p : update->forms) {
      if (const std::string why = publication_problem(p, enrollment_.server.sign); !why.empty()) {
        report_.forms_refused.push_back(p.form_id + " " + p.version + ": " + why);
        turned_down.push_back({p.form_id, p.version, p.round});
        continue;
      }
      if (Status s = store_.save_form_publication(p, clock_.now()); !s.is_ok()) co_return s;
      report_.forms_received.push_back(p.form_id + " " + p.version +
                                       (p.round.empty() ? "" : " (" + p.round + ")"));
    }
    if (!update->more || update->forms.empty()) co_return Status::ok();
    if (asked) {
      // The replies to the requests sent with this one come first.
      forms_more_ = true;
      co_return Status::ok();
    }
  }
  co_return Status::ok();
}

// Refreshes the server's list of devices this collector may relay for, when
// the server's has changed since the copy held here.
DevicesRequest Session::devices_request(Status& status) {
  DevicesRequest req;
  auto held = store_.get_meta(meta_key::kDeviceList);
  if (!held.is_ok()) {
    status = held.status();
    return req;
  }
  if (*held) {
    auto list = decode_device_list(**held, enrollment_.server.sign);
    if (list.is_ok()) req.known = device_list_digest(*list);
  }
  return req;
}

net::awaitable<Status> Session::fetch_devices(Ws& ws, bool asked) {
  if (!asked) {
    Status status = Status::ok();
    DevicesRequest req = devices_request(status);
    if (!status.is_ok()) co_return status;
    co_await write(ws, protocol_.seal(req));
  }
  auto update =
      co_await read_answer<DevicesUpdate>(ws, "the server did not answer the devices request");
  if (!update.is_ok()) co_return update.status();
  if (update->unchanged) co_return Status::ok();
  auto list = decode_device_list(update->list, enrollment_.server.sign);
  if (!list.is_ok()) co_return list.status().with_context("the server's device list was refused");
  co_return store_.set_meta(meta_key::kDeviceList, ByteView(update->list));
}

// Stores one assessment view the server sent, and notes what concerns this
// device: its contributions that arrived too late to be merged.
Status Session::keep_assessment(const std::string& text) {
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(text, ec);
  const auto* o = ec ? nullptr : v.if_object();
  const auto* id = o ? o->if_contains("id") : nullptr;
  if (id == nullptr || !id->is_string())
    return Status::corruption("the server sent an assessment without an id");
  CollectorStore::HeldAssessment held;
  held.id = std::string(id->get_string());
  held.view = text;
  auto int_of = [&](const char* key) {
    const auto* x = o->if_contains(key);
    return x && x->is_int64() ? x->as_int64() : 0;
  };
  auto text_of = [&](const boost::json::object& from, const char* key) {
    const auto* x = from.if_contains(key);
    return x && x->is_string() ? std::string(x->get_string()) : std::string();
  };
  held.revision = int_of("revision");
  held.version = int_of("version");
  held.form_id = text_of(*o, "form_id");
  held.state = text_of(*o, "state");
  EQ_RETURN_IF_ERROR(store_.save_assessment(held, clock_.now()));
  std::string admin;
  if (const auto* a = o->if_contains("administration"); a && a->is_object())
    admin = text_of(a->get_object(), "name");
  const auto* disagreements = o->if_contains("disagreements");
  const std::size_t open =
      disagreements && disagreements->is_array() ? disagreements->get_array().size() : 0;
  report_.assessments_received.push_back(held.id + " " + admin + " (" + text_of(*o, "round") +
                                         "): " + held.state + ", " + std::to_string(open) +
                                         " disagreement(s)");
  if (const auto* flagged = o->if_contains("flagged"); flagged && flagged->is_array()) {
    for (const auto& f : flagged->get_array()) {
      if (!f.is_object() || text_of(f.get_object(), "device") != enrollment_.device_id.to_string())
        continue;
      report_.flagged_contributions.push_back(
          "your contribution " + text_of(f.get_object(), "event") + " to assessment " + held.id +
          " (" + admin + ") reached the server after the assessment was " + held.state +
          ": the server keeps it, flagged for the team, but did not merge it");
    }
  }
  return Status::ok();
}

template <typename Update, typename Keep>
net::awaitable<Result<std::optional<Update>>> Session::fetch_round(Ws& ws, const Bytes& request,
                                                                   const LaterFetch& fetch,
                                                                   Keep keep) {
  co_await write(ws, request);
  auto reply = co_await read_sealed(ws);
  if (!reply.is_ok()) co_return reply.status();
  if (const auto* err = std::get_if<ErrorMsg>(&*reply)) {
    if (err->code == SessionError::kProtocol) {
      report_.*fetch.note = fetch.older;
      co_return std::optional<Update>();
    }
    co_return refusal_status(*err);
  }
  auto* update = std::get_if<Update>(&*reply);
  if (update == nullptr) co_return Status::corruption(fetch.unanswered);
  Transaction tx(store_.db());
  if (!tx.status().is_ok()) co_return tx.status();
  if (Status s = keep(*update); !s.is_ok()) co_return s;
  if (Status s = tx.commit(); !s.is_ok()) co_return s;
  co_return std::optional<Update>(std::move(*update));
}

// Asks for the team assessments that changed since the copies held here.
// Last in the session: a server that predates assessments answers with a
// protocol error, which is noted, not a failed sync.
net::awaitable<Status> Session::fetch_assessments(Ws& ws) {
  for (int round_trip = 0; round_trip < 32; ++round_trip) {
    auto held = store_.assessments();
    if (!held.is_ok()) co_return held.status();
    AssessmentsRequest req;
    for (const auto& a : *held) req.known.push_back({a.id, static_cast<std::uint64_t>(a.revision)});
    auto update = co_await fetch_round<AssessmentsUpdate>(
        ws, protocol_.seal(req), kAssessmentsFetch, [&](const AssessmentsUpdate& u) {
          for (const auto& view : u.assessments) EQ_RETURN_IF_ERROR(keep_assessment(view));
          return Status::ok();
        });
    if (!update.is_ok()) co_return update.status();
    if (!*update || !(*update)->more || (*update)->assessments.empty()) co_return Status::ok();
  }
  co_return Status::ok();
}

// Asks for the response code batches this collector lacks and keeps those
// whose signature verifies against the pinned server key. Last in the
// session: a server that predates codes answers with a protocol error.
net::awaitable<Status> Session::fetch_codes(Ws& ws) {
  std::vector<CodeBatchId> turned_down;
  for (int round_trip = 0; round_trip < 32; ++round_trip) {
    auto held = store_.code_batch_ids();
    if (!held.is_ok()) co_return held.status();
    CodesRequest req;
    req.known = std::move(*held);
    req.known.insert(req.known.end(), turned_down.begin(), turned_down.end());
    if (req.known.size() > kMaxKnownCodeBatches)
      co_return Status::ok();  // far beyond any survey's use
    auto update = co_await fetch_round<CodesUpdate>(
        ws, protocol_.seal(req), kCodesFetch, [&](const CodesUpdate& u) {
          for (const auto& encoded : u.batches) {
            auto batch = open_code_batch(encoded, enrollment_.server.sign);
            if (!batch.is_ok()) {
              report_.codes_refused.push_back(batch.status().message());
              // Not asked for again this session (a malformed one has no id to name).
              if (auto id = decode_code_batch(encoded); id.is_ok()) turned_down.push_back(id->id);
              continue;
            }
            EQ_RETURN_IF_ERROR(store_.save_code_batch(*batch, encoded));
            report_.codes_received.push_back(
                std::to_string(batch->digests.size()) + " response codes for " + batch->form_id +
                (batch->round.empty() ? "" : " (" + batch->round + ")"));
          }
          return Status::ok();
        });
    if (!update.is_ok()) co_return update.status();
    if (!*update || !(*update)->more || (*update)->batches.empty()) co_return Status::ok();
  }
  co_return Status::ok();
}

net::awaitable<Status> Session::push_pending(Ws& ws) {
  for (;;) {
    auto items = store_.next_pending(protocol_.max_batch_items(), protocol_.max_batch_bytes());
    if (!items.is_ok()) co_return items.status();
    std::vector<Bytes> envelopes;
    for (const auto& it : *items) envelopes.push_back(it.envelope);
    std::vector<Bytes> registrations;
    for (const auto& r : registrations_) registrations.push_back(r.document);
    auto batch = protocol_.push(std::move(envelopes), std::move(registrations));
    if (std::holds_alternative<SyncClientProtocol::Done>(batch)) break;
    if (Status s = co_await send(ws, std::move(batch)); !s.is_ok()) co_return s;
    report_.sent += static_cast<std::int64_t>(items->size());
    progress_.sent = report_.sent;

    auto step = protocol_.on_message(co_await read(ws));
    if (auto* failed = std::get_if<SyncClientProtocol::Failed>(&step))
      co_return std::move(failed->status);
    const auto* ack = std::get_if<SyncClientProtocol::Acked>(&step);
    if (ack == nullptr)
      co_return Status::internal("the sync protocol did not take the reply as an ack");
    if (Status s = apply_ack(*items, *ack); !s.is_ok()) co_return s;
    if (ack->registrations_delivered) {
      // The server has decided on them (and logged any refusal).
      for (const auto& r : registrations_) {
        if (Status s = store_.drop_relayed_registration(r.device, r.document); !s.is_ok())
          co_return s;
      }
      registrations_.clear();
    }
    progress_.acknowledged += static_cast<std::int64_t>(items->size());
    progress_.bytes_up = report_.bytes_up;
    progress_.bytes_down = report_.bytes_down;
    if (options_.on_progress) options_.on_progress(progress_);
  }
  co_return Status::ok();
}

net::awaitable<Result<bool>> Session::send_file(Ws& ws, const CollectorStore::FileToSend& f,
                                                std::uint32_t from) {
  const std::string name = to_hex(ByteView(f.id));
  std::uint32_t index = from;
  // A server that keeps asking for the same chunk cannot hold the session.
  for (std::uint64_t sent = 0; index < f.chunks; ++sent) {
    if (sent > 2 * std::uint64_t{f.chunks} + 8)
      co_return Status::corruption("the server keeps asking for chunks of " + name);
    auto data = store_.file_chunk(f.id, index);
    if (!data.is_ok()) co_return data.status();
    FileChunk chunk;
    chunk.id = f.id;
    chunk.index = index;
    chunk.data = std::move(*data);
    const auto chunk_bytes = static_cast<std::int64_t>(chunk.data.size());
    co_await write(ws, protocol_.seal(chunk));
    ++report_.file_chunks_sent;
    auto reply = co_await read_sealed(ws);
    if (!reply.is_ok()) co_return reply.status();
    if (const auto* err = std::get_if<ErrorMsg>(&*reply)) co_return refusal_status(*err);
    const auto* ack = std::get_if<FileAck>(&*reply);
    if (ack == nullptr || ack->id != f.id)
      co_return Status::corruption("the server did not acknowledge file " + name);
    switch (ack->state) {
      case FileAckState::kContinue:
        // Usually the next chunk; after a resume, wherever the server is.
        if (ack->next_chunk >= f.chunks)
          co_return Status::corruption("the server asked for a chunk past the end of " + name);
        if (ack->next_chunk == index + 1) report_.file_bytes_sent += chunk_bytes;
        index = ack->next_chunk;
        break;
      case FileAckState::kComplete:
        report_.file_bytes_sent += chunk_bytes;
        if (Status s = store_.file_sent(f.id, clock_.now()); !s.is_ok()) co_return s;
        ++report_.files_sent;
        co_return true;
      case FileAckState::kFailed:
        (void)store_.file_note(f.id, ack->detail);
        report_.file_notes.push_back(
            "file " + name + " stopped at chunk " + std::to_string(index) + ": " + ack->detail +
            " (kept; the next sync resumes from chunk " + std::to_string(ack->next_chunk) + ")");
        co_return true;
      case FileAckState::kRetryLater:
        (void)store_.file_note(f.id, ack->detail);
        report_.file_notes.push_back("file " + name + ": " + ack->detail);
        co_return false;
    }
  }
  co_return true;
}

// The piece that starts at `offset` of a chunk of `size` bytes: a tail
// too short to be worth a message of its own goes with the piece before.
std::uint32_t piece_length(std::size_t size, std::uint32_t offset) {
  const std::size_t left = size - offset;
  return static_cast<std::uint32_t>(left < kFilePieceBytes + kFilePieceBytes / 8 ? left
                                                                                 : kFilePieceBytes);
}

// Pieces in flight: a cut loses what is on the link, not what waits behind
// it, so this only has to cover the round trip and the server's fdatasync
// (about 5 KB on a 64 kbit/s satellite link).
constexpr std::size_t kPiecesInFlight = 3;

void Session::step_past(bool ends_chunk, std::uint32_t length, std::uint32_t& chunk,
                        std::uint32_t& offset) {
  if (ends_chunk) {
    ++report_.file_chunks_sent;
    ++chunk;
    offset = 0;
  } else {
    offset += length;
  }
}

net::awaitable<Status> Session::send_early_pieces(Ws& ws, EarlyOffer& early, FilePosition from) {
  const CollectorStore::FileToSend& f = early.files.front();
  early.from = from;
  FilePosition at = from;
  Bytes data;
  std::uint32_t loaded = UINT32_MAX;
  while (early.pieces.size() < kPiecesInFlight && at.chunk < f.chunks) {
    if (loaded != at.chunk) {
      auto read = store_.file_chunk(f.id, at.chunk);
      if (!read.is_ok()) co_return read.status();
      data = std::move(*read);
      loaded = at.chunk;
    }
    if (at.offset >= data.size()) break;  // a stale hint: the offer's answer says where to go
    FileChunk piece;
    piece.id = f.id;
    piece.index = at.chunk;
    piece.offset = at.offset;
    const std::uint32_t length = piece_length(data.size(), at.offset);
    piece.data.assign(data.begin() + at.offset, data.begin() + at.offset + length);
    co_await write(ws, protocol_.seal(piece));
    PieceSent sent{0,
                   at.chunk,
                   at.offset,
                   length,
                   at.offset + length == data.size(),
                   early.pieces.size() + 1,
                   false};
    early.pieces.push_back(sent);
    step_past(sent.ends_chunk, length, at.chunk, at.offset);
  }
  early.after = at;
  co_return Status::ok();
}

net::awaitable<Result<bool>> Session::send_pieces(Ws& ws, std::vector<PieceJob>& jobs,
                                                  std::vector<FileHash>& held_now,
                                                  std::vector<PieceSent> early) {
  using Sent = PieceSent;
  std::deque<Sent> flight(early.begin(), early.end());
  std::uint64_t sent_count = early.size();
  std::size_t next_job = 0;
  bool stop = false;  // the server cannot store files now: drain the acks, then end
  // The chunk pieces are cut from, read once.
  std::size_t cached_job = SIZE_MAX;
  std::uint32_t cached_chunk = 0;
  Bytes cached;
  for (;;) {
    while (!stop && flight.size() < kPiecesInFlight && next_job < jobs.size()) {
      PieceJob& j = jobs[next_job];
      if (j.over || j.chunk >= j.file.chunks) {
        ++next_job;
        if (next_job >= jobs.size()) continue;
        // A response captured while a file went up goes before the next
        // file, once the acks in flight are in.
        auto pending = store_.next_pending(1, protocol_.max_batch_bytes());
        if (!pending.is_ok()) co_return pending.status();
        if (pending->empty()) continue;
        if (!flight.empty()) break;
        if (Status st = co_await push_pending(ws); !st.is_ok()) co_return st;
        continue;
      }
      const std::string name = to_hex(ByteView(j.file.id));
      if (++j.sends >
          4 * std::uint64_t{j.file.chunks} * (kFileChunkBytes / kFilePieceBytes + 1) + 16) {
        co_return Status::corruption("the server keeps asking for pieces of " + name);
      }
      if (cached_job != next_job || cached_chunk != j.chunk) {
        auto data = store_.file_chunk(j.file.id, j.chunk);
        if (!data.is_ok()) co_return data.status();
        cached = std::move(*data);
        cached_job = next_job;
        cached_chunk = j.chunk;
      }
      if (j.offset >= cached.size()) {
        co_return Status::corruption("the server asked for a piece past the end of a chunk of " +
                                     name);
      }
      FileChunk piece;
      piece.id = j.file.id;
      piece.index = j.chunk;
      piece.offset = j.offset;
      const std::uint32_t length = piece_length(cached.size(), j.offset);
      piece.data.assign(cached.begin() + j.offset, cached.begin() + j.offset + length);
      co_await write(ws, protocol_.seal(piece));
      Sent sent{next_job,     j.chunk, j.offset, length, j.offset + length == cached.size(),
                ++sent_count, false};
      flight.push_back(sent);
      step_past(sent.ends_chunk, length, j.chunk, j.offset);
    }
    if (flight.empty()) {
      if (stop) co_return false;
      if (next_job >= jobs.size()) co_return true;
      // Drained between two files: push what was captured meanwhile.
      if (Status st = co_await push_pending(ws); !st.is_ok()) co_return st;
      continue;
    }
    auto reply = co_await read_sealed(ws);
    if (!reply.is_ok()) co_return reply.status();
    if (const auto* err = std::get_if<ErrorMsg>(&*reply)) co_return refusal_status(*err);
    const Sent s = flight.front();
    flight.pop_front();
    PieceJob& j = jobs[s.job];
    const std::string name = to_hex(ByteView(j.file.id));
    const auto* ack = std::get_if<FileAck>(&*reply);
    if (ack == nullptr || ack->id != j.file.id) {
      co_return Status::corruption("the server did not acknowledge file " + name);
    }
    if (j.over || s.dud)
      continue;  // stored, refused or stopped already: the rest of its acks say so again
    switch (ack->state) {
      case FileAckState::kContinue: {
        const std::uint32_t want_chunk = s.ends_chunk ? s.chunk + 1 : s.chunk;
        const std::uint32_t want_offset = s.ends_chunk ? 0 : s.offset + s.length;
        if (ack->next_chunk == want_chunk && ack->next_offset == want_offset) {
          report_.file_bytes_sent += s.length;
          note_position(j.file.id, FilePosition{want_chunk, want_offset});
          progress_.file_bytes_stored += s.length;
          if (options_.on_progress) options_.on_progress(progress_);
          break;
        }
        // The server is elsewhere (it held more, or less, than this side
        // thought): go on from where it is, once. Acks of the pieces already
        // in flight predate this and say the same.
        if (s.number <= j.resync_after) break;
        if (ack->next_chunk >= j.file.chunks) {
          co_return Status::corruption("the server asked for a chunk past the end of " + name);
        }
        j.chunk = ack->next_chunk;
        j.offset = ack->next_offset;
        j.resync_after = sent_count;
        note_position(j.file.id, FilePosition{j.chunk, j.offset});
        next_job = std::min(next_job, s.job);
        break;
      }
      case FileAckState::kComplete:
        report_.file_bytes_sent += s.length;
        j.over = true;
        note_position(j.file.id, std::nullopt);
        if (Status st = store_.file_sent(j.file.id, clock_.now()); !st.is_ok()) co_return st;
        ++report_.files_sent;
        held_now.push_back(j.file.sha256);
        progress_.file_bytes_stored += s.length;
        ++progress_.files_stored;
        if (options_.on_progress) options_.on_progress(progress_);
        break;
      case FileAckState::kFailed:
        j.over = true;
        note_position(j.file.id, std::nullopt);
        (void)store_.file_note(j.file.id, ack->detail);
        report_.file_notes.push_back(
            "file " + name + " stopped at chunk " + std::to_string(s.chunk) + ": " + ack->detail +
            " (kept; the next sync resumes from chunk " + std::to_string(ack->next_chunk) + ")");
        break;
      case FileAckState::kRetryLater:
        (void)store_.file_note(j.file.id, ack->detail);
        report_.file_notes.push_back("file " + name + ": " + ack->detail);
        note_position(j.file.id, std::nullopt);
        for (auto& other : jobs) other.over = true;
        stop = true;
        break;
    }
  }
}

net::awaitable<Status> Session::send_files(Ws& ws, EarlyOffer* early) {
  std::vector<FileId> done_this_session;  // sent, skipped or refused: not offered again now
  std::vector<FileHash> held_now;         // bytes the server acknowledged in full this session
  for (int round_trip = 0; round_trip < 4096; ++round_trip) {
    std::vector<CollectorStore::FileToSend> files;
    std::optional<SyncMessage> reply;
    if (round_trip == 0 && early != nullptr && early->reply) {
      files = std::move(early->files);
      reply = std::move(early->reply);
    } else {
      auto found = store_.files_to_send(64, done_this_session);
      if (!found.is_ok()) co_return found.status();
      files = std::move(*found);
      if (files.empty()) co_return Status::ok();
      FilesOffer offer;
      for (const auto& f : files) offer.files.push_back({f.id, f.sha256, f.size});
      co_await write(ws, protocol_.seal(offer));
      auto read = co_await read_sealed(ws);
      if (!read.is_ok()) co_return read.status();
      reply = std::move(*read);
    }
    if (const auto* err = std::get_if<ErrorMsg>(&*reply)) {
      if (err->code == SessionError::kProtocol) {
        report_.file_notes.push_back(
            "the server does not take files (it is older than this collector); they stay here");
        closed_by_server_ = true;
        co_return Status::ok();
      }
      co_return refusal_status(*err);
    }
    const auto* wanted = std::get_if<FilesWanted>(&*reply);
    if (wanted == nullptr || wanted->files.size() != files.size()) {
      co_return Status::corruption("the server did not answer the files offer");
    }
    std::vector<PieceJob> jobs;
    // Pieces sent behind the offer (round 0 only): their acks come first.
    std::vector<PieceSent>* early_pieces =
        round_trip == 0 && early != nullptr && !early->pieces.empty() ? &early->pieces : nullptr;
    for (std::size_t i = 0; i < files.size(); ++i) {
      const auto& f = files[i];
      const FileWantItem& w = wanted->files[i];
      done_this_session.push_back(f.id);
      if (w.id != f.id)
        co_return Status::corruption("the server's answer to the files offer is out of order");
      // The same bytes as a file sent a moment ago (one PDF attached to
      // two indicators): the server has them now.
      const bool sent_already =
          std::find(held_now.begin(), held_now.end(), f.sha256) != held_now.end();
      if (w.want == FileWant::kHave || (w.want == FileWant::kSend && sent_already)) {
        if (Status s = store_.file_sent(f.id, clock_.now()); !s.is_ok()) co_return s;
        ++report_.files_already_held;
        continue;
      }
      if (w.want == FileWant::kUnknown) {
        (void)store_.file_note(f.id, w.detail);
        report_.file_notes.push_back("file " + to_hex(ByteView(f.id)) + ": " + w.detail +
                                     " (kept)");
        continue;
      }
      if (w.next_chunk > 0 || w.next_offset > 0) report_.files_resumed += 1;
      if (pieces_) {
        // A second file of the same bytes waits for the next offer, which
        // the server answers "have it" once the first is stored.
        const bool twin = std::any_of(jobs.begin(), jobs.end(),
                                      [&](const PieceJob& o) { return o.file.sha256 == f.sha256; });
        if (twin) {
          done_this_session.pop_back();
          continue;
        }
        PieceJob job;
        job.file = f;
        job.chunk = std::min(w.next_chunk, f.chunks);
        job.offset = w.next_offset;
        const FilePosition server_at{job.chunk, job.offset};
        if (early_pieces && i == 0) {
          // The pieces sent behind the offer: those from where the server
          // is on carry on from it; those before it are not taken.
          auto& sent = *early_pieces;
          const auto from = std::find_if(sent.begin(), sent.end(), [&](const PieceSent& p) {
            return FilePosition{p.chunk, p.offset} == server_at;
          });
          for (auto p = sent.begin(); p != from; ++p) p->dud = true;
          if (from != sent.end()) {
            job.chunk = early->after.chunk;
            job.offset = early->after.offset;
          }
        }
        note_position(f.id, server_at);
        jobs.push_back(std::move(job));
        continue;
      }
      const std::int64_t sent_before = report_.files_sent;
      auto go_on = co_await send_file(ws, f, std::min(w.next_chunk, f.chunks));
      if (!go_on.is_ok()) co_return go_on.status();
      if (report_.files_sent > sent_before) held_now.push_back(f.sha256);
      if (options_.on_progress) options_.on_progress(progress_);
      if (!*go_on) co_return Status::ok();
      // A response captured while the file went up goes before the next file.
      if (Status s = co_await push_pending(ws); !s.is_ok()) co_return s;
    }
    std::vector<PieceSent> in_flight;
    if (early_pieces) {
      // Their file is jobs[0] when the server wants it; otherwise a job
      // that is over, whose acks are only read.
      const bool wanted_first = !jobs.empty() && jobs.front().file.id == files.front().id;
      if (!wanted_first) {
        PieceJob over;
        over.file = files.front();
        over.over = true;
        jobs.push_back(std::move(over));
        for (auto& p : *early_pieces) p.dud = true;
      }
      for (auto& p : *early_pieces) p.job = wanted_first ? 0 : jobs.size() - 1;
      in_flight = std::move(*early_pieces);
    }
    if (pieces_ && !jobs.empty()) {
      auto go_on = co_await send_pieces(ws, jobs, held_now, std::move(in_flight));
      if (!go_on.is_ok()) co_return go_on.status();
      if (!*go_on) co_return Status::ok();
      if (Status s = co_await push_pending(ws); !s.is_ok()) co_return s;
    }
  }
  co_return Status::ok();
}

// Resolves the server's name and opens the TCP connection, each within
// the connect timeout.
net::awaitable<void> Session::connect(Ws& ws) {
  auto ex = co_await net::this_coro::executor;
  tcp::resolver resolver(ex);
  auto& tcp_layer = beast::get_lowest_layer(ws);
  tcp_layer.expires_after(options_.connect_timeout);
  // Name resolution is outside the stream's deadline: give it its own.
  net::steady_timer resolve_deadline(ex, options_.connect_timeout);
  resolve_deadline.async_wait([&resolver](beast::error_code ec) {
    if (!ec) resolver.cancel();
  });
  const auto endpoints = co_await resolver.async_resolve(url_.host, url_.port, use_awaitable);
  resolve_deadline.cancel();
  co_await tcp_layer.async_connect(endpoints, use_awaitable);
  tcp_layer.expires_never();
  // Stop-and-wait batches: Nagle plus delayed ACK would add up to 40 ms to
  // every round trip.
  tcp_layer.socket().set_option(net::ip::tcp::no_delay(true));
}

// The WebSocket upgrade, offering every subprotocol this collector speaks;
// the server's choice says whether it takes file pieces (pieces_).
net::awaitable<void> Session::upgrade(Ws& ws) {
  websocket::stream_base::timeout t{};
  t.handshake_timeout = options_.connect_timeout;
  t.idle_timeout = options_.reply_timeout;
  t.keep_alive_pings = true;
  ws.set_option(t);
  ws.read_message_max(kClientReadMessageMax);
  ws.binary(true);
  ws.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
    req.set(beast::http::field::user_agent, "equitas-collector/0.1");
    // Newest first; an older server answers with one it knows.
    req.set(beast::http::field::sec_websocket_protocol, std::string(kSyncSubprotocolLargeForms) +
                                                            ", " + kSyncSubprotocolPieces + ", " +
                                                            kSyncSubprotocolChunks);
  }));
  const bool ipv6 = url_.host.find(':') != std::string::npos;
  const std::string host_header = (ipv6 ? "[" + url_.host + "]" : url_.host) + ":" + url_.port;
  websocket::response_type response;
  co_await ws.async_handshake(response, host_header, url_.target, use_awaitable);
  const auto chosen = response[beast::http::field::sec_websocket_protocol];
  pieces_ = chosen == kSyncSubprotocolPieces || chosen == kSyncSubprotocolLargeForms;
}

Result<std::optional<SecretBytes<kEnrollSecretBytes>>> Session::enrollment_secret() {
  std::optional<SecretBytes<kEnrollSecretBytes>> secret;
  auto stored = store_.get_meta(meta_key::kEnrollSecretKey);
  if (!stored.is_ok()) return stored.status();
  if (*stored && (*stored)->size() == kEnrollSecretBytes) {
    secret.emplace();
    std::memcpy(secret->data(), (*stored)->data(), kEnrollSecretBytes);
    wipe(**stored);
  }
  return secret;
}

// Proves who this collector is and makes the server prove who it is; with a
// server that takes pieces, sends the first requests behind the ClientAuth;
// then reads the Welcome and records what it says.
net::awaitable<Status> Session::handshake(Ws& ws, EarlyOffer& early) {
  if (Status s = co_await send(ws, protocol_.start()); !s.is_ok()) co_return s;
  auto step = protocol_.on_message(co_await read(ws));
  if (std::holds_alternative<SyncClientProtocol::NeedSecret>(step)) {
    auto secret = enrollment_secret();
    if (!secret.is_ok()) co_return secret.status();
    step = protocol_.on_secret(*secret ? &**secret : nullptr);
  }
  if (Status s = co_await send(ws, std::move(step)); !s.is_ok()) co_return s;
  if (pieces_) {
    if (Status s = co_await send_early_requests(ws, early); !s.is_ok()) co_return s;
  }
  step = protocol_.on_message(co_await read(ws));
  if (auto* failed = std::get_if<SyncClientProtocol::Failed>(&step))
    co_return std::move(failed->status);
  const auto* welcomed = std::get_if<SyncClientProtocol::Welcomed>(&step);
  if (welcomed == nullptr)
    co_return Status::internal("the sync protocol did not take the reply as a welcome");
  co_return record_registration(*welcomed);
}

// A server that takes pieces is new enough for every request: ask what does
// not depend on the Welcome now, without waiting for it, so that a session
// cut every half minute reaches file bytes one round trip after the
// handshake rather than four. The server answers in order.
net::awaitable<Status> Session::send_early_requests(Ws& ws, EarlyOffer& early) {
  Status status = Status::ok();
  const FormsRequest forms = forms_request({}, status);
  if (!status.is_ok()) co_return status;
  const DevicesRequest devices = devices_request(status);
  if (!status.is_ok()) co_return status;
  auto files = store_.files_to_send(64, {});
  if (!files.is_ok()) co_return files.status();
  early.files = std::move(*files);
  co_await write(ws, protocol_.seal(forms));
  co_await write(ws, protocol_.seal(devices));
  if (early.files.empty()) co_return Status::ok();
  FilesOffer offer;
  for (const auto& f : early.files) offer.files.push_back({f.id, f.sha256, f.size});
  co_await write(ws, protocol_.seal(offer));
  // File bytes behind the offer, when nothing is to be pushed first
  // (responses go before files) and the server was seen holding the first
  // file in an earlier session of this process.
  auto pending = store_.next_pending(1, kClientMaxBatchBytes);
  if (!pending.is_ok()) co_return pending.status();
  auto relayed = store_.relayed_registrations(1);
  if (!relayed.is_ok()) co_return relayed.status();
  const auto from = last_position(early.files.front().id);
  if (pending->empty() && relayed->empty() && from && from->chunk < early.files.front().chunks) {
    co_return co_await send_early_pieces(ws, early, *from);
  }
  co_return Status::ok();
}

Status Session::record_registration(const SyncClientProtocol::Welcomed& welcomed) {
  if (!welcomed.record_registration) return Status::ok();
  // The server holds our key now: the enrollment secret has done its job.
  Transaction tx(store_.db());
  Status s = tx.status();
  if (s.is_ok()) s = store_.set_meta(meta_key::kRegistered, "1");
  if (s.is_ok()) s = store_.delete_meta(meta_key::kEnrollSecretKey);
  if (s.is_ok()) s = tx.commit();
  if (!s.is_ok()) return s;
  report_.registered_now = welcomed.registered_now;
  return Status::ok();
}

// The forms and devices asked for before the Welcome (or now, from an older
// server), and the answer to the early files offer.
net::awaitable<Status> Session::fetch_first(Ws& ws, EarlyOffer& early) {
  if (Status s = co_await fetch_forms(ws, pieces_); !s.is_ok()) co_return s;
  if (Status s = co_await fetch_devices(ws, pieces_); !s.is_ok()) co_return s;
  if (!early.files.empty()) {
    auto reply = co_await read_sealed(ws);
    if (!reply.is_ok()) co_return reply.status();
    early.reply = std::move(*reply);
  }
  // The rest of the forms now, unless the acks of pieces come first.
  if (forms_more_ && early.pieces.empty()) {
    forms_more_ = false;
    if (Status s = co_await fetch_forms(ws); !s.is_ok()) co_return s;
  }
  co_return Status::ok();
}

// Every pending envelope, then the files: a photo never holds a response
// back.
net::awaitable<Status> Session::push(Ws& ws, EarlyOffer& early) {
  auto counts = store_.counts();
  if (!counts.is_ok()) co_return counts.status();
  progress_.total = counts->pending;

  // Registrations of devices this collector relays go with the first push,
  // so the server knows their keys before it checks their envelopes.
  auto registrations = store_.relayed_registrations(kMaxPushRegistrations);
  if (!registrations.is_ok()) co_return registrations.status();
  registrations_ = std::move(*registrations);

  // With pieces in flight, a response captured since goes between files,
  // once their acks are in.
  if (early.pieces.empty()) {
    if (Status s = co_await push_pending(ws); !s.is_ok()) co_return s;
  }
  co_return co_await send_files(ws, &early);
}

// What is asked for after the pushes, then the close.
net::awaitable<Status> Session::fetch_last(Ws& ws) {
  if (forms_more_) {
    if (Status s = co_await fetch_forms(ws); !s.is_ok()) co_return s;
  }
  // After the pushes: the merged state includes what this device just sent.
  if (Status s = co_await fetch_assessments(ws); !s.is_ok()) co_return s;
  if (!report_.assessments_note.empty()) co_return Status::ok();  // the server closed the session
  if (Status s = co_await fetch_codes(ws); !s.is_ok()) co_return s;
  if (!report_.codes_note.empty()) co_return Status::ok();  // likewise
  beast::error_code ignored;
  co_await ws.async_close(websocket::close_code::normal,
                          net::redirect_error(use_awaitable, ignored));
  co_return Status::ok();
}

net::awaitable<Status> Session::run() {
  Ws ws(co_await net::this_coro::executor);
  co_await connect(ws);
  co_await upgrade(ws);
  EarlyOffer early;
  if (Status s = co_await handshake(ws, early); !s.is_ok()) co_return s;
  if (Status s = co_await fetch_first(ws, early); !s.is_ok()) co_return s;
  if (Status s = co_await push(ws, early); !s.is_ok()) co_return s;
  if (closed_by_server_) co_return Status::ok();  // it does not take files
  co_return co_await fetch_last(ws);
}

std::string kept_note(CollectorStore& store) {
  auto c = store.counts();
  if (!c.is_ok()) return "";
  return "; " + std::to_string(c->pending) + " submission" + (c->pending == 1 ? "" : "s") +
         " kept on this collector, will retry";
}

}  // namespace

Result<ParsedUrl> parse_ws_url(std::string_view url) {
  constexpr std::string_view kScheme = "ws://";
  if (url.rfind("wss://", 0) == 0) {
    return Status::invalid_argument(
        "wss:// is not supported: sessions are end-to-end encrypted and authenticated over ws://");
  }
  if (url.rfind(kScheme, 0) != 0)
    return Status::invalid_argument("server URL must start with ws://");
  std::string_view rest = url.substr(kScheme.size());
  ParsedUrl out;
  const auto slash = rest.find('/');
  out.target = slash == std::string_view::npos ? "/sync" : std::string(rest.substr(slash));
  if (out.target == "/") out.target = "/sync";
  std::string_view hostport = rest.substr(0, slash);
  std::size_t colon;
  if (!hostport.empty() && hostport.front() == '[') {
    const auto close = hostport.find(']');
    // Only the port may follow the address.
    if (close == std::string_view::npos ||
        (close + 1 < hostport.size() && hostport[close + 1] != ':')) {
      return Status::invalid_argument("bad IPv6 address in URL");
    }
    out.host = std::string(hostport.substr(1, close - 1));
    colon = hostport.find(':', close);
  } else {
    colon = hostport.rfind(':');
    out.host = std::string(hostport.substr(0, colon));
  }
  out.port = colon == std::string_view::npos ? "80" : std::string(hostport.substr(colon + 1));
  if (out.host.empty() || out.port.empty())
    return Status::invalid_argument("server URL has no host or port");
  // Checked here rather than by the resolver, whose "service not found"
  // would not say what is wrong.
  const bool digits =
      out.port.size() <= 5 &&
      std::all_of(out.port.begin(), out.port.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits || std::stoul(out.port) == 0 || std::stoul(out.port) > 65535) {
    return Status::invalid_argument("server URL has a bad port \"" + out.port +
                                    "\": it must be a number from 1 to 65535");
  }
  return out;
}

Result<SyncReport> run_sync(CollectorStore& store, const SigningKey& key,
                            const Enrollment& enrollment, const SyncOptions& options,
                            const Clock& clock) {
  EQ_ASSIGN_OR_RETURN(ParsedUrl url, parse_ws_url(enrollment.url));
  EQ_ASSIGN_OR_RETURN(std::int64_t log_id, store.begin_sync_log(clock.now()));

  net::io_context ioc;
  Session session(store, key, enrollment, options, clock, url);
  Status result = Status::internal("sync did not run");
  net::co_spawn(ioc, session.run(), [&](std::exception_ptr ex, Status s) {
    if (!ex) {
      result = std::move(s);
      return;
    }
    try {
      std::rethrow_exception(ex);
    } catch (const boost::system::system_error& e) {
      if (session.reply_overdue()) {
        // Retryable (kDeadlineExceeded): `--watch` and the background sync
        // try again. Whatever the server may have committed is resent and
        // acknowledged as a duplicate.
        result = Status::deadline_exceeded(
            "no reply from the server at " + enrollment.url + " within " +
            std::to_string(options.reply_timeout.count()) + " s; nothing is lost");
        return;
      }
      const auto& ec = e.code();
      std::string what = ec.message();
      if (ec == websocket::error::closed) what = "the server closed the session";
      result = Status::unavailable("server unreachable at " + enrollment.url + ": " + what);
    } catch (const std::exception& e) {
      result = Status::internal(std::string("sync failed: ") + e.what());
    }
  });
  ioc.run();

  SyncReport report = session.report();
  auto counts = store.counts();
  if (counts.is_ok()) report.pending_after = counts->pending;
  const std::int64_t acked = report.accepted + report.duplicate + report.conflict + report.rejected;
  std::string outcome = result.is_ok() ? (report.rejected == 0 ? "ok" : "partial") : "failed";
  std::string detail = result.is_ok() ? std::to_string(acked) + " acknowledged" : result.message();
  (void)store.finish_sync_log(log_id, outcome, detail, report.sent, acked, clock.now());
  if (!result.is_ok()) return Status(result.code(), result.message() + kept_note(store));
  return report;
}

}  // namespace equitas::collector
