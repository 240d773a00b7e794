#include "http_session.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/beast/websocket.hpp>

#include "admin_api.hpp"
#include "equitas/util/http_util.hpp"
#include "limits.hpp"
#include "server_log.hpp"
#include "websocket_session.hpp"

namespace equitas::server {

namespace {

web::SessionLimits session_limits(const SessionLimits& limits) {
  web::SessionLimits s;
  s.header_limit = kHttpHeaderLimit;
  s.body_limit = kHttpBodyLimit;
  // One deadline for the whole request, headers and body alike (limits.hpp).
  s.header_timeout = limits.http_request_timeout;
  s.request_timeout = limits.http_request_timeout;
  s.write_timeout = limits.http_request_timeout;
  return s;
}

}  // namespace

void HttpSession::serve(const std::shared_ptr<ServerState>& state,
                        boost::asio::ip::tcp::socket socket, web::ConnectionLease lease) {
  auto slot = ConnectionSlot::open(state, std::move(lease));
  if (!slot) {
    // Over its address's budget (limits.hpp): closed before any byte is read.
    state->metrics->refused(SessionRefusal::kCapacity);
    return;
  }
  std::make_shared<HttpSession>(std::move(socket), std::move(*slot))->start();
}

HttpSession::HttpSession(boost::asio::ip::tcp::socket&& socket, ConnectionSlot slot)
    : web::HttpSession(std::move(socket), session_limits(slot.state().limits), kResponseHeaders),
      slot_(std::move(slot)) {}

void HttpSession::start() {
  // Evicted (the unauthenticated pool is full): closed on its own strand,
  // which ends the pending read. After the hand-over to a WebSocketSession
  // this session no longer touches the stream; that session registers its
  // own evictor.
  slot_.on_evict([weak = weak_from_this(), ex = stream().get_executor()] {
    boost::asio::post(ex, [weak] {
      if (auto self = std::static_pointer_cast<HttpSession>(weak.lock())) self->drop();
    });
  });
  run();
}

void HttpSession::on_request(Request req) {
  if (beast::websocket::is_upgrade(req)) {
    if (req.target() != "/sync")
      return respond(http::status::not_found, "no such endpoint\n", false);
    // Collectors never send Origin; browsers always do. A page in some
    // browser has no business opening a sync session.
    if (req.find(http::field::origin) != req.end()) {
      slot_.state().metrics->refused(SessionRefusal::kCrossOrigin);
      return respond(http::status::forbidden, "cross-origin WebSocket refused\n", false);
    }
    std::make_shared<WebSocketSession>(take_stream(), std::move(slot_))->run(std::move(req));
    return;
  }
  if (req.method() == http::verb::get && req.target() == "/healthz") {
    return respond(http::status::ok, "ok\n", req.keep_alive());
  }
  if (req.method() == http::verb::get && http_util::path_of(req.target()) == "/metrics" &&
      from_this_host(req)) {
    auto& state = slot_.state();
    return respond(http::status::ok, state.metrics->render(state.gauges()), req.keep_alive(),
                   kMetricsType);
  }
  if (slot_.state().admin && AdminApi::serves(req.target())) return to_admin(std::move(req));
  respond(http::status::not_found, "no such endpoint\n", req.keep_alive());
}

http::response<http::string_body> HttpSession::too_large(unsigned version) const {
  return web::ResponseBuilder(headers(), http::status::payload_too_large, version, false)
      .type("text/plain; charset=utf-8")
      .text("request too large\n");
}

void HttpSession::on_failure(beast::error_code ec, std::string_view where) {
  log::write(log::Level::kWarning, "http.failed",
             "an HTTP connection failed " + std::string(where) + ": " + ec.message(),
             {{"peer", peer().to_string()}});
}

void HttpSession::to_admin(Request req) {
  // Off the I/O threads: a report over a million responses takes a good
  // part of a second, and sync sessions must not wait for it.
  auto& state = slot_.state();
  const std::string address = client_address(req, state.trusted_proxies);
  // No deadline while the answer is prepared; send() sets one for the write.
  stream().expires_never();
  boost::asio::post(*state.admin_pool, [self = shared_as<HttpSession>(), req = std::move(req),
                                        address]() mutable {
    // Nothing may escape onto the pool's thread: that would end the process.
    std::shared_ptr<AdminResponse> res;
    try {
      res = std::make_shared<AdminResponse>(self->slot_.state().admin->handle(req, address));
    } catch (const std::exception& e) {
      log::write(log::Level::kError, "admin.failed",
                 std::string("an admin API call failed: ") + e.what(), {{"peer", address}});
      return;  // the session goes with the lambda: the connection closes
    }
    boost::asio::post(self->stream().get_executor(), [self, res] {
      if (res->file) return self->send(std::move(*res->file));
      self->send(std::move(res->text));
    });
  });
}

std::string HttpSession::client_address(
    const Request& req, const std::vector<boost::asio::ip::address>& trusted) const {
  if (peer().is_unspecified()) return "unknown";
  const auto proxy = peer();
  if (std::find(trusted.begin(), trusted.end(), proxy) == trusted.end()) return proxy.to_string();
  // The last X-Forwarded-For entry is the one the trusted proxy added (the
  // address it accepted the connection from); any before it came from the
  // client and prove nothing.
  const auto field = req.find("X-Forwarded-For");
  if (field == req.end()) return proxy.to_string();
  std::string_view list = field->value();
  std::string_view last =
      list.substr(list.rfind(',') == std::string_view::npos ? 0 : list.rfind(',') + 1);
  while (!last.empty() && (last.front() == ' ' || last.front() == '\t')) last.remove_prefix(1);
  while (!last.empty() && (last.back() == ' ' || last.back() == '\t')) last.remove_suffix(1);
  boost::system::error_code parse_ec;
  const auto client = boost::asio::ip::make_address(std::string(last), parse_ec);
  // A proxy we trust that sends something else is misconfigured: its own
  // address, marked, so the audit log shows it.
  return parse_ec ? proxy.to_string() + " (bad X-Forwarded-For)" : client.to_string();
}

bool HttpSession::from_this_host(const Request& req) const {
  if (!peer().is_loopback()) return false;
  // A proxy on this host (nginx in front, docs/operations.md) makes every
  // client look local; what it forwarded is not, and needs a token.
  return req.find(http::field::forwarded) == req.end() &&
         req.find("X-Forwarded-For") == req.end() && req.find("X-Real-IP") == req.end();
}

void HttpSession::respond(http::status status, std::string body, bool keep_alive,
                          std::string_view type) {
  send(web::ResponseBuilder(headers(), status, 11, keep_alive).type(type).text(std::move(body)));
}

}  // namespace equitas::server
