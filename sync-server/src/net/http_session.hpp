// One TCP connection before it becomes a WebSocket: reads an HTTP request
// (bounded in size and time), hands an upgrade on /sync to WebSocketSession,
// passes the dashboard and admin API to AdminApi on its own thread, and
// answers /healthz itself.
#pragma once

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <optional>

#include "server_state.hpp"

namespace equitas::server {

namespace beast = boost::beast;
namespace http = beast::http;

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(boost::asio::ip::tcp::socket&& socket, ConnectionSlot slot);
  void run();

 private:
  void do_read();
  void on_read(beast::error_code ec, std::size_t bytes);
  void respond(http::status status, std::string body, bool keep_alive,
               std::string_view type = "text/plain; charset=utf-8");
  // A request from a loopback address that no proxy forwarded: GET /metrics
  // answers it without a token.
  bool from_this_host(const http::request<http::string_body>& req);
  // The peer's address, or the client's behind a trusted proxy (ServeOptions).
  std::string client_address(const http::request<http::string_body>& req,
                             const std::vector<boost::asio::ip::address>& trusted);
  void to_admin(http::request<http::string_body> req);
  // Writes `res` (kept alive until written), then reads the next request.
  template <class Response>
  void send(std::shared_ptr<Response> res);
  void on_write(bool keep_alive, beast::error_code ec, std::size_t bytes);

  beast::tcp_stream stream_;
  ConnectionSlot slot_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<void> response_;
  bool handed_over_ = false;  // stream_ and slot_ now belong to a WebSocketSession
};

}  // namespace equitas::server
