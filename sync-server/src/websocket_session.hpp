// One collector's WebSocket connection. It reads a message, hands it to the
// SyncProtocol, and either writes the reply or waits for the Ingestor and
// then writes the reply: reads and writes never overlap, so a collector that
// pipelines batches is held back by TCP until its previous ack is out.
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
  // Completes the upgrade for an already-read request.
  void run(http::request<http::string_body> req);

 private:
  void on_accept(beast::error_code ec);
  void on_auth_deadline(beast::error_code ec);
  void do_read();
  void on_read(beast::error_code ec, std::size_t bytes);
  void handle(SyncProtocol::Step step);
  void start_auth(ClientAuth auth);
  void start_ingest(SyncProtocol::NeedIngest need);
  void start_forms(std::vector<FormRef> known);
  void send(SyncProtocol::Reply reply);
  void do_write();
  void on_write(beast::error_code ec, std::size_t bytes);
  void on_close(beast::error_code ec);
  void fail(beast::error_code ec, const char* what);

  websocket::stream<beast::tcp_stream> ws_;
  ConnectionSlot slot_;
  beast::flat_buffer buffer_;
  net::steady_timer auth_timer_;
  SyncProtocol protocol_;
  std::deque<Bytes> outbox_;
  bool close_after_write_ = false;
  websocket::close_reason close_reason_;
};

}  // namespace equitas::server
