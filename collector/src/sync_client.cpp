// The collector's sync session: connect, upgrade, handshake and pushes, the
// order of run(), and the public entry points (run_sync, parse_ws_url). The
// fetches are in sync_fetch.cpp and the files in sync_files.cpp; Session is
// declared in sync_session.hpp.
#include "sync_client.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstring>

#include "sync_session.hpp"

namespace equitas::collector::sync_detail {

using tcp = net::ip::tcp;
using net::use_awaitable;

// A forms update carries one definition of up to 4 MiB (subprotocol v3).
constexpr std::size_t kClientReadMessageMax = kMaxFormDefinitionBytes + 256 * 1024;

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

}  // namespace equitas::collector::sync_detail

namespace equitas::collector {
namespace {

namespace net = sync_detail::net;
namespace websocket = sync_detail::websocket;
using sync_detail::Session;

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
