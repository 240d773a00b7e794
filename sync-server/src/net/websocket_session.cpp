#include "websocket_session.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <cassert>
#include <chrono>

#include "assessment_view.hpp"
#include "code_store.hpp"
#include "fault_injection.hpp"
#include "limits.hpp"
#include "server_log.hpp"

namespace equitas::server {

WebSocketSession::WebSocketSession(beast::tcp_stream&& stream, ConnectionSlot slot)
    : ws_(std::move(stream)),
      slot_(std::move(slot)),
      auth_timer_(ws_.get_executor()),
      message_timer_(ws_.get_executor()),
      token_(slot_.state().new_session_token()),
      protocol_(slot_.state().keys(), slot_.state().clock()) {}

WebSocketSession::~WebSocketSession() {
  if (registered_ && protocol_.device())
    slot_.state().registry().release(*protocol_.device(), token_);
  if (registered_) slot_.state().sync_session_closed();
}

void WebSocketSession::displace() {
  net::post(ws_.get_executor(), [self = shared_from_this()] {
    const std::string device =
        self->protocol_.device() ? self->protocol_.device()->to_string() : "?";
    log::write(log::Level::kInfo, "session.displaced",
               "device " + device + " opened a new session; its previous one is dropped",
               {{"device", device}});
    self->drop_connection();
  });
}

void WebSocketSession::drop_connection() {
  dropped_ = true;
  auth_timer_.cancel();
  message_timer_.cancel();
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  beast::get_lowest_layer(ws_).close();
}

void WebSocketSession::run(http::request<http::string_body> req) {
  // Closed by the registry: evicted before it authenticates (the
  // unauthenticated pool is full), or the server is stopping.
  slot_.on_evict([weak = weak_from_this(), ex = ws_.get_executor()] {
    net::post(ex, [weak] {
      if (auto self = weak.lock()) self->on_registry_close();
    });
  });
  // The websocket stream manages its own timeouts from here on.
  beast::get_lowest_layer(ws_).expires_never();
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = kWebSocketHandshakeTimeout;
  timeouts.idle_timeout = kIdleTimeout;
  timeouts.keep_alive_pings = true;
  ws_.set_option(timeouts);
  ws_.read_message_max(kPreAuthMessageMax);
  ws_.binary(true);
  // Name the subprotocol only when the client offered it (RFC 6455 4.2.2);
  // file pieces when it offered those (file_transfer.hpp).
  bool offered = false;
  bool pieces = false;
  bool large_forms = false;
  const std::string protocols(req[http::field::sec_websocket_protocol]);
  std::size_t start = 0;
  while (start <= protocols.size()) {
    std::size_t end = protocols.find(',', start);
    if (end == std::string::npos) end = protocols.size();
    std::string token = protocols.substr(start, end - start);
    token.erase(0, token.find_first_not_of(" \t"));
    token.erase(token.find_last_not_of(" \t") + 1);
    offered = offered || token == kSubprotocol;
    pieces = pieces || token == kSyncSubprotocolPieces;
    large_forms = large_forms || token == kSyncSubprotocolLargeForms;
    start = end + 1;
  }
  protocol_.set_file_pieces(pieces || large_forms);
  protocol_.set_large_forms(large_forms);
  ws_.set_option(websocket::stream_base::decorator(
      [offered, pieces, large_forms](websocket::response_type& res) {
        res.set(http::field::server, "equitas-sync-server");
        if (large_forms) {
          res.set(http::field::sec_websocket_protocol, kSyncSubprotocolLargeForms);
        } else if (pieces) {
          res.set(http::field::sec_websocket_protocol, kSyncSubprotocolPieces);
        } else if (offered) {
          res.set(http::field::sec_websocket_protocol, kSubprotocol);
        }
      }));
  auth_timer_.expires_after(kAuthDeadline);
  auth_timer_.async_wait(
      beast::bind_front_handler(&WebSocketSession::on_auth_deadline, shared_from_this()));
  ws_.async_accept(req,
                   beast::bind_front_handler(&WebSocketSession::on_accept, shared_from_this()));
}

void WebSocketSession::on_auth_deadline(beast::error_code ec) {
  if (ec || protocol_.authenticated()) return;  // cancelled: the device proved its key in time
  if (!dropped_) slot_.state().metrics->refused(SessionRefusal::kAuthTimeout);
  drop_connection();
}

void WebSocketSession::on_accept(beast::error_code ec) {
  if (ec) return fail(ec, "accept");
  do_read();
}

void WebSocketSession::do_read() {
  assert(!reading_ && "one read pending at a time");
  reading_ = true;
  buffer_.clear();
  ++reads_;
  message_timer_.expires_after(slot_.state().limits.message_deadline);
  message_timer_.async_wait(beast::bind_front_handler(&WebSocketSession::on_message_deadline,
                                                      shared_from_this(), reads_));
  ws_.async_read(buffer_,
                 beast::bind_front_handler(&WebSocketSession::on_read, shared_from_this()));
}

void WebSocketSession::on_message_deadline(std::uint64_t read_number, beast::error_code ec) {
  if (ec || read_number != reads_ || dropped_) return;  // the message arrived in time
  // Beast's idle timeout is satisfied by a byte (or a pong) now and then;
  // this is what stops a peer dripping one message forever. No close frame:
  // a peer this slow would hold the close handshake just as long.
  slot_.state().metrics->refused(SessionRefusal::kMessageTimeout);
  drop_connection();
}

void WebSocketSession::on_read(beast::error_code ec, std::size_t) {
  reading_ = false;
  ++reads_;  // whatever happened, this read's deadline no longer applies
  message_timer_.cancel();
  if (ec) return fail(ec, "read");
  // A request that crossed "try again later" on its way: it has its answer.
  if (stopping_) return;
  if (!ws_.got_binary()) {
    SyncProtocol::Reply r;
    r.close = true;
    r.close_code = kCloseProtocolError;
    r.close_reason = "binary messages only";
    return send(std::move(r));
  }
  const auto data = buffer_.cdata();
  slot_.state().metrics->bytes_in(data.size());
  handle(
      protocol_.on_message(ByteView(static_cast<const std::uint8_t*>(data.data()), data.size())));
}

void WebSocketSession::handle(SyncProtocol::Step step) {
  if (auto* reply = std::get_if<SyncProtocol::Reply>(&step)) return send(std::move(*reply));
  if (auto* auth = std::get_if<SyncProtocol::NeedAuth>(&step))
    return start_auth(std::move(auth->auth));
  if (auto* forms = std::get_if<SyncProtocol::NeedForms>(&step))
    return start_forms(std::move(forms->known));
  if (auto* devices = std::get_if<SyncProtocol::NeedDevices>(&step))
    return start_devices(devices->known);
  if (auto* assessments = std::get_if<SyncProtocol::NeedAssessments>(&step)) {
    return start_assessments(std::move(assessments->known));
  }
  if (auto* codes = std::get_if<SyncProtocol::NeedCodes>(&step))
    return start_codes(std::move(codes->known));
  if (auto* files = std::get_if<SyncProtocol::NeedFiles>(&step))
    return start_files(std::move(files->offer));
  if (auto* chunk = std::get_if<SyncProtocol::NeedChunk>(&step))
    return start_chunk(std::move(chunk->chunk));
  start_ingest(std::move(std::get<SyncProtocol::NeedIngest>(step)));
}

void WebSocketSession::start_auth(ClientAuth auth) {
  // The device's signature has verified: what remains is the server's own
  // decision, which must not be cut short by the authentication deadline.
  auth_timer_.cancel();
  auto decision = std::make_shared<Result<AuthDecision>>(Status::internal("not decided"));
  auto shared_auth = std::make_shared<ClientAuth>(std::move(auth));
  auto self = shared_from_this();
  slot_.state().ingestor().submit(
      [decision, shared_auth, clock = &slot_.state().clock()](ServerStore& store) {
        *decision = decide_auth(store, *shared_auth, clock->now());
        return decision->status();
      },
      [self, decision](const Status& committed) {
        net::post(self->ws_.get_executor(), [self, decision, committed] {
          if (!committed.is_ok()) *decision = committed;
          if (!decision->is_ok()) {
            log::write(log::Level::kError, "session.not_recorded",
                       "session not recorded: " + decision->status().to_string());
            self->slot_.state().metrics->refused(SessionRefusal::kInternal);
          } else if (!(*decision)->ok) {
            self->slot_.state().metrics->refused(refusal_for((*decision)->error));
          }
          auto reply = self->protocol_.on_auth_decided(*decision);
          if (self->protocol_.authenticated()) self->on_admitted();
          self->send(std::move(reply));
        });
      });
}

void WebSocketSession::on_admitted() {
  slot_.mark_authenticated();
  ws_.read_message_max(kReadMessageMax);
  // One live session per device (limits.hpp, kMaxSessionsPerDevice): the
  // newest wins.
  static_assert(kMaxSessionsPerDevice == 1, "the registry keeps one session per device");
  registered_ = true;
  slot_.state().sync_session_opened();
  auto displaced = slot_.state().registry().admit(*protocol_.device(), token_, weak_from_this());
  if (displaced) displaced->displace();
}

// One Push on its way to the Ingestor. Immutable after start_ingest, except
// `prepared` (each chunk writes its own entries) and `results` (the writer).
struct WebSocketSession::IngestBatch {
  std::uint64_t seq = 0;
  std::vector<Bytes> envelopes;
  std::vector<PreparedEnvelope> prepared;
  std::vector<Bytes> registrations;
  std::shared_ptr<const FormSnapshot> forms;
  DeviceId device;
  SignPublicKey device_key{};
  std::atomic<std::size_t> chunks_left{0};
  std::vector<ItemResult> results;
  std::chrono::steady_clock::time_point arrived;  // for the ingest latency metric
};

void WebSocketSession::start_ingest(SyncProtocol::NeedIngest need) {
  auto batch = std::make_shared<IngestBatch>();
  batch->seq = need.batch_seq;
  batch->envelopes = std::move(need.envelopes);
  batch->registrations = std::move(need.registrations);
  batch->prepared.resize(batch->envelopes.size());
  batch->forms = slot_.state().forms().snapshot();
  batch->device = *protocol_.device();
  batch->device_key = protocol_.device_key();
  batch->arrived = std::chrono::steady_clock::now();
  // Signatures, sealed boxes and forms are checked here, before the writer,
  // in chunks that any I/O thread may take: one collector's batch keeps
  // every core busy, and under load the cores share the work evenly. The
  // writer then only re-checks each device and runs SQL.
  const std::size_t chunks =
      std::max<std::size_t>(1, (batch->envelopes.size() + kPrepareChunk - 1) / kPrepareChunk);
  batch->chunks_left = chunks;
  // The pool behind this session's strand (the listener makes one per
  // connection): chunks posted there run on whichever thread is free.
  using Strand = net::strand<net::io_context::executor_type>;
  const auto executor = ws_.get_executor();  // target() points into it: keep it alive
  const Strand* strand = executor.target<Strand>();
  for (std::size_t c = 1; c < chunks; ++c) {
    if (strand != nullptr) {
      net::post(strand->get_inner_executor(),
                [self = shared_from_this(), batch, c] { self->prepare_chunk(batch, c); });
    } else {
      prepare_chunk(batch, c);
    }
  }
  prepare_chunk(batch, 0);
}

void WebSocketSession::prepare_chunk(const std::shared_ptr<IngestBatch>& batch, std::size_t chunk) {
  const ServerState& state = slot_.state();
  const AnswerValidator& validator = state.validator_for(*batch->forms);
  const std::size_t end = std::min(batch->envelopes.size(), (chunk + 1) * kPrepareChunk);
  for (std::size_t i = chunk * kPrepareChunk; i < end; ++i) {
    try {
      batch->prepared[i] = prepare_envelope(state.keys(), *batch->forms, validator,
                                            batch->envelopes[i], batch->device, batch->device_key);
    } catch (const std::exception&) {
      // Left unprepared: the writer checks it from scratch, and fails the
      // group cleanly if the failure repeats there.
      batch->prepared[i] = PreparedEnvelope{};
    }
  }
  if (batch->chunks_left.fetch_sub(1, std::memory_order_acq_rel) == 1) submit_batch(batch);
}

void WebSocketSession::submit_batch(const std::shared_ptr<IngestBatch>& batch) {
  auto state = slot_.shared();
  auto self = shared_from_this();
  state->ingestor().submit(
      [batch, state](ServerStore& store) -> Status {
        EQ_RETURN_IF_ERROR(state->forms().refresh(store));
        // A form published since the batch was prepared is in this newer
        // snapshot; envelopes that needed it were left for this step.
        auto forms = state->forms().snapshot();
        const std::int64_t now = state->clock().now();
        // Registrations a relay carries come first, so that the envelopes of
        // a device they register are then checked against its key. One that
        // fails leaves that device pending; its envelopes say so one by one.
        for (const auto& reg : batch->registrations) {
          OfflineRegistrationOptions options;
          options.actor = "device:" + batch->device.to_string();
          options.via = "relay";
          EQ_ASSIGN_OR_RETURN(AuthDecision decision,
                              register_offline(store, state->keys(), reg, now, options));
          if (!decision.ok) {
            log::write(log::Level::kWarning, "registration.refused",
                       "relayed registration refused: " + decision.message,
                       {{"relay", batch->device.to_string()}});
          }
        }
        EQ_ASSIGN_OR_RETURN(batch->results,
                            ingest_batch(store, state->keys(), state->validator(), batch->envelopes,
                                         batch->device, now, forms.get(), &batch->prepared));
        return Status::ok();
      },
      [self, batch](const Status& committed) {
        net::post(self->ws_.get_executor(), [self, batch, committed] {
          Metrics& metrics = *self->slot_.state().metrics;
          if (committed.is_ok()) {
            for (const ItemResult& r : batch->results) metrics.submission(r);
          } else {
            metrics.batch_failed(batch->envelopes.size());
            log::write(log::Level::kError, "batch.not_stored",
                       "batch not stored: " + committed.to_string(),
                       {{"device", batch->device.to_string()}});
          }
          metrics.ingest_seconds(
              std::chrono::duration<double>(std::chrono::steady_clock::now() - batch->arrived)
                  .count());
          self->send(self->protocol_.on_ingested(batch->seq, committed, batch->results));
        });
      },
      /*batch=*/true);
}

template <typename Read, typename Answer>
void WebSocketSession::read_then_answer(const char* event, const char* what, Read read,
                                        Answer answer) {
  auto self = shared_from_this();
  slot_.shared()->ingestor().submit(
      std::move(read), [self, event, what, answer = std::move(answer)](const Status& done) {
        net::post(self->ws_.get_executor(), [self, event, what, answer, done] {
          if (!done.is_ok()) {
            log::write(log::Level::kError, event,
                       std::string(what) + " not read: " + done.to_string());
          }
          self->send(answer(self->protocol_, done));
        });
      });
}

void WebSocketSession::start_forms(std::vector<FormRef> known) {
  auto found = std::make_shared<std::vector<FormPublication>>();
  auto state = slot_.shared();
  read_then_answer(
      "forms.not_read", "forms",
      [found, state, known = std::move(known)](ServerStore& store) -> Status {
        EQ_RETURN_IF_ERROR(state->forms().refresh(store));
        *found = state->forms().missing_for(known);
        return Status::ok();
      },
      [found](SyncProtocol& protocol, const Status& done) {
        return protocol.on_forms(done, *found);
      });
}

void WebSocketSession::start_devices(std::optional<std::array<std::uint8_t, 32>> known) {
  auto update = std::make_shared<DevicesUpdate>();
  auto state = slot_.shared();
  read_then_answer(
      "devices.not_read", "devices",
      [update, state, known](ServerStore& store) -> Status {
        EQ_ASSIGN_OR_RETURN(*update,
                            relay_device_list(store, state->keys(), known, state->clock().now()));
        return Status::ok();
      },
      [update](SyncProtocol& protocol, const Status& done) {
        return protocol.on_devices(done, std::move(*update));
      });
}

void WebSocketSession::start_assessments(std::vector<AssessmentRef> known) {
  auto changed = std::make_shared<std::vector<std::string>>();
  auto state = slot_.shared();
  read_then_answer(
      "assessments.not_read", "assessments",
      [changed, state, known = std::move(known)](ServerStore& store) -> Status {
        // On the writer, in its transaction: the views are read after every
        // contribution this session pushed was merged.
        EQ_RETURN_IF_ERROR(state->forms().refresh(store));
        EQ_ASSIGN_OR_RETURN(*changed,
                            changed_assessment_views(store.db(), state->forms().library(), known));
        return Status::ok();
      },
      [changed](SyncProtocol& protocol, const Status& done) {
        return protocol.on_assessments(done, *changed);
      });
}

void WebSocketSession::start_codes(std::vector<std::array<std::uint8_t, 16>> known) {
  struct Found {
    std::vector<Bytes> batches;
    bool more = false;
  };
  auto found = std::make_shared<Found>();
  read_then_answer(
      "codes.not_read", "codes",
      [found, known = std::move(known)](ServerStore& store) -> Status {
        EQ_ASSIGN_OR_RETURN(
            found->batches,
            CodeStore(store.db()).missing(known, kMaxFormsUpdateBytes, found->more));
        return Status::ok();
      },
      [found](SyncProtocol& protocol, const Status& done) {
        return protocol.on_codes(done, std::move(found->batches), found->more);
      });
}

void WebSocketSession::start_files(FilesOffer offer) {
  auto wanted = std::make_shared<FilesWanted>();
  auto state = slot_.shared();
  read_then_answer(
      "files.not_read", "files",
      [wanted, state, offer = std::move(offer),
       pieces = protocol_.file_pieces()](ServerStore& store) -> Status {
        EQ_ASSIGN_OR_RETURN(*wanted,
                            state->files().wanted(store.db(), offer, state->clock().now(), pieces));
        return Status::ok();
      },
      [wanted](SyncProtocol& protocol, const Status& done) {
        return protocol.on_files(done, std::move(*wanted));
      });
}

// One chunk of a file, checked and made durable on the writer (file_store.hpp).
void WebSocketSession::start_chunk(FileChunk chunk) {
  auto ack = std::make_shared<FileAck>();
  auto state = slot_.shared();
  auto self = shared_from_this();
  // Counted per chunk, whole: a piece that ends one counts its chunk's bytes.
  const std::size_t bytes = chunk.offset + chunk.data.size();
  const std::uint32_t index = chunk.index;
  state->ingestor().submit(
      [ack, state, chunk = std::move(chunk),
       pieces = protocol_.file_pieces()](ServerStore& store) -> Status {
        EQ_ASSIGN_OR_RETURN(
            *ack, state->files().receive(store.db(), chunk, state->clock().now(), pieces));
        return Status::ok();
      },
      [self, ack, bytes, index](const Status& done) {
        net::post(self->ws_.get_executor(), [self, ack, done, bytes, index] {
          if (!done.is_ok()) {
            log::write(log::Level::kError, "file.not_stored",
                       "file chunk not stored: " + done.to_string());
          } else {
            const bool chunk_done = ack->state != FileAckState::kContinue ||
                                    (ack->next_chunk == index + 1 && ack->next_offset == 0);
            if (chunk_done) self->slot_.state().metrics->file_chunk(bytes, ack->state);
            if (ack->state == FileAckState::kFailed || ack->state == FileAckState::kRetryLater) {
              log::write(log::Level::kWarning, "file.refused",
                         "file chunk not taken: " + ack->detail,
                         {{"device", self->protocol_.device()->to_string()}});
            }
          }
          maybe_crash(FaultPoint::kAfterChunk);
          self->send(self->protocol_.on_chunk(done, *ack));
        });
      });
}

void WebSocketSession::send(SyncProtocol::Reply reply) {
  // The connection is gone or closing; the collector resends what it did not see acked.
  if (dropped_ || closing_) return;
  if (outbox_.size() + reply.messages.size() > kMaxOutboxMessages) {
    log::write(log::Level::kWarning, "session.behind",
               "a sync session fell too far behind its replies; dropped",
               {{"device", protocol_.device() ? protocol_.device()->to_string() : std::string()}});
    return drop_connection();
  }
  for (Bytes& m : reply.messages) outbox_.push_back(std::move(m));
  if (reply.close) {
    close_after_write_ = true;
    close_reason_ = websocket::close_reason(static_cast<websocket::close_code>(reply.close_code),
                                            reply.close_reason);
  }
  if (!writing_) do_write();  // otherwise on_write() takes the outbox on
}

void WebSocketSession::on_registry_close() {
  if (dropped_ || closing_ || stopping_) return;
  // Dropped like a displaced session, but without a line in the log per
  // connection of a flood: nothing it sent has been acknowledged.
  if (!protocol_.authenticated()) return drop_connection();
  // Authenticated sessions are never evicted (one chosen just before it
  // authenticated is left be): this is the server stopping.
  if (slot_.state().registry().closing()) shut_down();
}

void WebSocketSession::shut_down() {
  stopping_ = true;
  if (writing_) return;  // do_write() says it once the outbox is empty
  if (reading_) return send(protocol_.on_stopping());  // between requests: say it now
  // Neither: a reply is on its way from the Ingestor (which has finished or
  // refused every job by now); do_write() says it after that reply.
}

void WebSocketSession::do_write() {
  assert(!writing_ && !closing_ && "one write in flight, and none after the close");
  if (!outbox_.empty()) {
    writing_ = true;
    slot_.state().metrics->bytes_out(outbox_.front().size());
    ws_.async_write(net::buffer(outbox_.front()),
                    beast::bind_front_handler(&WebSocketSession::on_write, shared_from_this()));
    return;
  }
  if (close_after_write_) return do_close();
  // The server is stopping: the collector hears so instead of being read
  // from again (and keeps what it has not seen acknowledged).
  if (stopping_) return send(protocol_.on_stopping());
  if (!reading_) do_read();
}

void WebSocketSession::do_close() {
  closing_ = true;
  ws_.async_close(close_reason_,
                  beast::bind_front_handler(&WebSocketSession::on_close, shared_from_this()));
}

void WebSocketSession::on_write(beast::error_code ec, std::size_t) {
  writing_ = false;
  if (ec) return fail(ec, "write");
  outbox_.pop_front();
  do_write();
}

void WebSocketSession::on_close(beast::error_code ec) {
  auth_timer_.cancel();
  message_timer_.cancel();
  if (ec) return fail(ec, "close");
}

void WebSocketSession::fail(beast::error_code ec, const char* what) {
  auth_timer_.cancel();
  message_timer_.cancel();
  // Peers that vanish, time out or close are routine on field links; so are
  // the errors of a connection this server dropped on purpose.
  if (dropped_ || ec == net::error::operation_aborted || ec == websocket::error::closed ||
      ec == net::error::eof || ec == beast::error::timeout || ec == net::error::connection_reset) {
    return;
  }
  log::write(log::Level::kWarning, "session.failed",
             std::string("sync session: ") + what + ": " + ec.message(),
             {{"device", protocol_.device() ? protocol_.device()->to_string() : std::string()}});
}

}  // namespace equitas::server
