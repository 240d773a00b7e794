// One collector's WebSocket connection. It reads a message, hands it to the
// SyncProtocol, and either writes the reply or waits for the Ingestor and
// then writes the reply: reads and writes never overlap, so a collector that
// pipelines batches is held back by TCP until its previous ack is out.
//
// Its handlers all run on the session's strand. One read is pending at a
// time (`reading_`), and one write is in flight (`writing_`): send() queues
// a reply's messages in `outbox_` behind it, and on_write() takes the next.
// The next read starts once the outbox is empty. A session whose outbox
// would pass kMaxOutboxMessages is dropped rather than left to grow
// (limits.hpp says why only a bug could queue that much).
//
// How it ends, when the registry closes it (ConnectionRegistry::set_evictor):
// before it authenticates it is dropped, without a close frame (evicted, or
// the server is stopping); once authenticated, only when the server stops,
// and then it writes what it has queued (an ack whose batch committed), then
// what a request would be told now (SyncProtocol::on_stopping: Error 7,
// close 1013), and closes.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>
#include <memory>

#include "server_state.hpp"
#include "sync_protocol.hpp"

namespace equitas::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;

class WebSocketSession : public std::enable_shared_from_this<WebSocketSession> {
 public:
  WebSocketSession(beast::tcp_stream&& stream, ConnectionSlot slot);
  ~WebSocketSession();
  // Completes the upgrade for an already-read request.
  void run(http::request<http::string_body> req);
  // A newer session of the same device was admitted: this one ends now,
  // without a close frame (it is most likely a dead, half-open connection).
  // Any thread may call.
  void displace();

 private:
  void on_accept(beast::error_code ec);
  void on_auth_deadline(beast::error_code ec);
  void do_read();
  void on_message_deadline(std::uint64_t read_number, beast::error_code ec);
  void on_read(beast::error_code ec, std::size_t bytes);
  void on_admitted();
  void drop_connection();
  void handle(SyncProtocol::Step step);
  void start_auth(ClientAuth auth);
  struct IngestBatch;
  void start_ingest(SyncProtocol::NeedIngest need);
  // Runs on any I/O thread: the envelopes of one chunk of `batch`; the last
  // chunk to finish hands the batch to the Ingestor.
  void prepare_chunk(const std::shared_ptr<IngestBatch>& batch, std::size_t chunk);
  void submit_batch(const std::shared_ptr<IngestBatch>& batch);
  // Runs `read` on the Ingestor's writer; then, on this session's executor,
  // logs `event` ("<what> not read: ...") when it failed and sends what
  // `answer(protocol_, done)` replies.
  template <typename Read, typename Answer>
  void read_then_answer(const char* event, const char* what, Read read, Answer answer);
  void start_forms(std::vector<FormRef> known);
  void start_devices(std::optional<std::array<std::uint8_t, 32>> known);
  void start_assessments(std::vector<AssessmentRef> known);
  void start_files(FilesOffer offer);
  void start_chunk(FileChunk chunk);
  void start_codes(std::vector<std::array<std::uint8_t, 16>> known);
  void send(SyncProtocol::Reply reply);
  // The registry closes this connection (evicted, or the server stops).
  void on_registry_close();
  // The server is stopping: finish the reply in flight, then say so and close.
  void shut_down();
  void do_write();
  void do_close();
  void on_write(beast::error_code ec, std::size_t bytes);
  void on_close(beast::error_code ec);
  void fail(beast::error_code ec, const char* what);

  websocket::stream<beast::tcp_stream> ws_;
  ConnectionSlot slot_;
  beast::flat_buffer buffer_;
  net::steady_timer auth_timer_;
  // Runs while a read is pending: the whole message must arrive before it
  // fires (limits.hpp, kMessageDeadline). `reads_` numbers the reads, so a
  // deadline that fires just as its read completes is ignored.
  net::steady_timer message_timer_;
  std::uint64_t reads_ = 0;
  const std::uint64_t token_;  // this session in the ConnectionRegistry
  bool registered_ = false;    // as its device's live session
  bool dropped_ = false;       // displaced or out of time: errors are expected
  SyncProtocol protocol_;
  bool reading_ = false;      // an async_read is pending
  bool writing_ = false;      // an async_write is in flight: outbox_.front()
  std::deque<Bytes> outbox_;  // at most kMaxOutboxMessages
  bool close_after_write_ = false;
  bool stopping_ = false;  // the server is stopping: no more reads
  bool closing_ = false;   // async_close has started: nothing more is written
  websocket::close_reason close_reason_;
};

}  // namespace equitas::server
