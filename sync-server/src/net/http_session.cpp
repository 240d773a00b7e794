#include "http_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/websocket.hpp>
#include <algorithm>

#include "admin_api.hpp"
#include "equitas/util/http_util.hpp"
#include "limits.hpp"
#include "server_log.hpp"
#include "websocket_session.hpp"

namespace equitas::server {

HttpSession::HttpSession(boost::asio::ip::tcp::socket&& socket, ConnectionSlot slot)
    : stream_(std::move(socket)), slot_(std::move(slot)) {}

void HttpSession::run() {
  // Evicted (the unauthenticated pool is full): closed on its own strand,
  // which ends the pending read. After the hand-over to a WebSocketSession
  // the stream is gone; that session registers its own evictor.
  slot_.on_evict([weak = weak_from_this(), ex = stream_.get_executor()] {
    boost::asio::post(ex, [weak] {
      if (auto self = weak.lock(); self && !self->handed_over_) self->stream_.close();
    });
  });
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
      slot_.state().metrics->refused(SessionRefusal::kCrossOrigin);
      return respond(http::status::forbidden, "cross-origin WebSocket refused\n", false);
    }
    handed_over_ = true;
    std::make_shared<WebSocketSession>(std::move(stream_), std::move(slot_))->run(parser_->release());
    return;
  }
  if (req.method() == http::verb::get && req.target() == "/healthz") {
    return respond(http::status::ok, "ok\n", req.keep_alive());
  }
  if (req.method() == http::verb::get && http_util::path_of(req.target()) == "/metrics" && from_this_host(req)) {
    auto& state = slot_.state();
    return respond(http::status::ok, state.metrics->render(state.gauges()), req.keep_alive(), kMetricsType);
  }
  if (slot_.state().admin && AdminApi::serves(req.target())) return to_admin(parser_->release());
  respond(http::status::not_found, "no such endpoint\n", req.keep_alive());
}

void HttpSession::to_admin(http::request<http::string_body> req) {
  // Off the I/O threads: a report over a million responses takes a good
  // part of a second, and sync sessions must not wait for it.
  auto& state = slot_.state();
  const std::string address = client_address(req, state.trusted_proxies);
  // No deadline while the answer is prepared; send() sets one for the write.
  stream_.expires_never();
  boost::asio::post(*state.admin_pool, [self = shared_from_this(), req = std::move(req), address]() mutable {
    // Nothing may escape onto the pool's thread: that would end the process.
    std::shared_ptr<AdminResponse> res;
    try {
      res = std::make_shared<AdminResponse>(self->slot_.state().admin->handle(req, address));
    } catch (const std::exception& e) {
      log::write(log::Level::kError, "admin.failed", std::string("an admin API call failed: ") + e.what(),
                 {{"peer", address}});
      return;  // the session goes with the lambda: the connection closes
    }
    boost::asio::post(self->stream_.get_executor(), [self, res] {
      if (res->file) {
        self->send(std::shared_ptr<http::response<http::file_body>>(res, &*res->file));
      } else {
        self->send(std::shared_ptr<http::response<http::string_body>>(res, &res->text));
      }
    });
  });
}

template <class Response>
void HttpSession::send(std::shared_ptr<Response> res) {
  response_ = res;
  const bool keep_alive = res->keep_alive();
  stream_.expires_after(slot_.state().limits.http_request_timeout);
  http::async_write(stream_, *res,
                    beast::bind_front_handler(&HttpSession::on_write, shared_from_this(), keep_alive));
}

std::string HttpSession::client_address(const http::request<http::string_body>& req,
                                        const std::vector<boost::asio::ip::address>& trusted) {
  beast::error_code ec;
  const auto peer = stream_.socket().remote_endpoint(ec);
  if (ec) return "unknown";
  const auto proxy = peer.address();
  if (std::find(trusted.begin(), trusted.end(), proxy) == trusted.end()) return proxy.to_string();
  // The last X-Forwarded-For entry is the one the trusted proxy added (the
  // address it accepted the connection from); any before it came from the
  // client and prove nothing.
  const auto field = req.find("X-Forwarded-For");
  if (field == req.end()) return proxy.to_string();
  std::string_view list = field->value();
  std::string_view last = list.substr(list.rfind(',') == std::string_view::npos ? 0 : list.rfind(',') + 1);
  while (!last.empty() && (last.front() == ' ' || last.front() == '\t')) last.remove_prefix(1);
  while (!last.empty() && (last.back() == ' ' || last.back() == '\t')) last.remove_suffix(1);
  boost::system::error_code parse_ec;
  const auto client = boost::asio::ip::make_address(std::string(last), parse_ec);
  // A proxy we trust that sends something else is misconfigured: its own
  // address, marked, so the audit log shows it.
  return parse_ec ? proxy.to_string() + " (bad X-Forwarded-For)" : client.to_string();
}

bool HttpSession::from_this_host(const http::request<http::string_body>& req) {
  beast::error_code ec;
  const auto peer = stream_.socket().remote_endpoint(ec);
  if (ec || !peer.address().is_loopback()) return false;
  // A proxy on this host (nginx in front, docs/operations.md) makes every
  // client look local; what it forwarded is not, and needs a token.
  return req.find(http::field::forwarded) == req.end() && req.find("X-Forwarded-For") == req.end() &&
         req.find("X-Real-IP") == req.end();
}

void HttpSession::respond(http::status status, std::string body, bool keep_alive, std::string_view type) {
  auto res = std::make_shared<http::response<http::string_body>>(status, 11);
  res->set(http::field::server, "equitas-sync-server");
  res->set(http::field::content_type, type);
  res->set(http::field::cache_control, "no-store");
  res->keep_alive(keep_alive);
  res->body() = std::move(body);
  res->prepare_payload();
  send(std::move(res));
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
