// One TCP connection before it becomes a WebSocket (a web::HttpSession,
// equitas/web/http_session.hpp, with the limits of limits.hpp): hands an
// upgrade on /sync to WebSocketSession, passes the dashboard and admin API
// to AdminApi on its own thread, and answers /healthz itself.
#pragma once

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <memory>

#include "equitas/web/http_session.hpp"
#include "equitas/web/listener.hpp"
#include "server_state.hpp"

namespace equitas::server {

namespace beast = boost::beast;
namespace http = beast::http;

class HttpSession : public web::HttpSession {
 public:
  // A connection the listener let in: served, unless its address has no
  // unauthenticated budget left (then closed at once). On the listener's strand.
  static void serve(const std::shared_ptr<ServerState>& state, boost::asio::ip::tcp::socket socket,
                    web::ConnectionLease lease);

  HttpSession(boost::asio::ip::tcp::socket&& socket, ConnectionSlot slot);

 private:
  // Registers the evictor, then reads the first request.
  void start();
  void on_request(Request req) override;
  http::response<http::string_body> too_large(unsigned version) const override;
  void on_failure(beast::error_code ec, std::string_view where) override;
  void respond(http::status status, std::string body, bool keep_alive,
               std::string_view type = "text/plain; charset=utf-8");
  // A request from a loopback address that no proxy forwarded: GET /metrics
  // answers it without a token.
  bool from_this_host(const Request& req) const;
  // The peer's address, or the client's behind a trusted proxy (ServeOptions).
  std::string client_address(const Request& req,
                             const std::vector<boost::asio::ip::address>& trusted) const;
  void to_admin(Request req);

  ConnectionSlot slot_;  // moves to the WebSocketSession with the stream
};

}  // namespace equitas::server
