#include "http_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/beast/websocket.hpp>
#include <iostream>

#include "limits.hpp"
#include "websocket_session.hpp"

namespace equitas::server {

HttpSession::HttpSession(boost::asio::ip::tcp::socket&& socket, ConnectionSlot slot)
    : stream_(std::move(socket)), slot_(std::move(slot)) {}

void HttpSession::run() {
  boost::asio::dispatch(stream_.get_executor(),
                        beast::bind_front_handler(&HttpSession::do_read, shared_from_this()));
}

void HttpSession::do_read() {
  parser_.emplace();
  parser_->header_limit(kHttpHeaderLimit);
  parser_->body_limit(kHttpBodyLimit);
  // Absolute, for the whole request: a client dripping its headers one
  // byte at a time is cut off like a silent one.
  stream_.expires_after(slot_.state().limits.http_request_timeout);
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
}

void HttpSession::on_read(beast::error_code ec, std::size_t) {
  if (ec == http::error::end_of_stream || ec == beast::error::timeout) {
    beast::error_code ignored;
    stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
    return;
  }
  if (ec) {
    if (ec == http::error::header_limit || ec == http::error::body_limit) {
      return respond(http::status::payload_too_large, "request too large\n", false);
    }
    return;  // malformed or cut requests: nothing useful to say, just drop
  }
  auto& req = parser_->get();
  if (beast::websocket::is_upgrade(req)) {
    if (req.target() != "/sync") return respond(http::status::not_found, "no such endpoint\n", false);
    // Collectors never send Origin; browsers always do. A page in some
    // browser has no business opening a sync session.
    if (req.find(http::field::origin) != req.end()) {
      return respond(http::status::forbidden, "cross-origin WebSocket refused\n", false);
    }
    std::make_shared<WebSocketSession>(std::move(stream_), std::move(slot_))->run(parser_->release());
    return;
  }
  if (req.method() == http::verb::get && req.target() == "/healthz") {
    return respond(http::status::ok, "ok\n", req.keep_alive());
  }
  respond(http::status::not_found, "no such endpoint\n", req.keep_alive());
}

void HttpSession::respond(http::status status, std::string body, bool keep_alive) {
  response_ = std::make_shared<http::response<http::string_body>>(status, 11);
  response_->set(http::field::server, "equitas-sync-server");
  response_->set(http::field::content_type, "text/plain; charset=utf-8");
  response_->set(http::field::cache_control, "no-store");
  response_->keep_alive(keep_alive);
  response_->body() = std::move(body);
  response_->prepare_payload();
  http::async_write(stream_, *response_,
                    beast::bind_front_handler(&HttpSession::on_write, shared_from_this(), keep_alive));
}

void HttpSession::on_write(bool keep_alive, beast::error_code ec, std::size_t) {
  if (ec) return;
  if (!keep_alive) {
    beast::error_code ignored;
    stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
    return;
  }
  do_read();
}

}  // namespace equitas::server
