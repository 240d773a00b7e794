#include "web/web_server.hpp"

#include <sodium.h>

#include "equitas/web/http_session.hpp"
#include "web/web_api_internal.hpp"

namespace equitas::collector {
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

web::SessionLimits session_limits(const WebLimits& limits) {
  web::SessionLimits s;
  s.header_limit = web_limits::kHeaderLimit;
  s.body_limit = web_limits::kBodyLimit;
  s.header_timeout = limits.header_timeout;
  s.request_timeout = limits.request_timeout;
  s.write_timeout = web_limits::kWriteTimeout;
  return s;
}

// One connection: its requests go to WebApi, one at a time.
class WebSession : public web::HttpSession {
 public:
  WebSession(tcp::socket&& socket, web::ConnectionLease lease, WebApi& api,
             const web::SessionLimits& limits)
      : HttpSession(std::move(socket), limits, web_detail::kResponseHeaders),
        lease_(std::move(lease)),
        api_(api),
        peer_key_(peer().to_string()) {}

 private:
  // A file for a file question may be larger than any other request.
  std::size_t body_limit_for(const Request& req) const override {
    const bool file = req.method() == http::verb::post && web_limits::takes_file_body(req.target());
    return file ? web_limits::kFileBodyLimit : web_limits::kBodyLimit;
  }

  void on_request(Request req) override {
    HttpResponse res = api_.handle(req, peer().is_loopback(), peer_key_);
    if (req.method() == http::verb::head) {
      // The headers of a GET, and no body: a body here would desync keep-alive.
      const auto n = res.body().size();
      res.body().clear();
      res.content_length(n);
    }
    // The request may hold answers: gone before the reply is written.
    if (!req.body().empty()) sodium_memzero(req.body().data(), req.body().size());
    send(std::move(res));
  }

  web::ConnectionLease lease_;
  WebApi& api_;
  const std::string peer_key_;  // the client's address: the key of its rate limits
};

}  // namespace

WebServer::WebServer(net::io_context& ioc, WebApi& api, WebLimits limits)
    : ioc_(ioc), api_(api), limits_(limits), tick_(ioc) {}

WebServer::~WebServer() { stop(); }

Status WebServer::listen(const tcp::endpoint& at) {
  web::ListenerLimits caps;
  caps.max_connections = limits_.max_connections;
  caps.max_per_address = limits_.max_per_address;
  EQ_ASSIGN_OR_RETURN(listener_, web::Listener::open(ioc_, at, caps));
  listener_->run([&api = api_, limits = session_limits(limits_)](tcp::socket socket,
                                                                 web::ConnectionLease lease) {
    std::make_shared<WebSession>(std::move(socket), std::move(lease), api, limits)->run();
  });
  schedule_tick();
  return Status::ok();
}

tcp::endpoint WebServer::local_endpoint() const {
  return listener_ ? listener_->local_endpoint() : tcp::endpoint();
}

void WebServer::stop() {
  if (listener_) listener_->stop();
  tick_.cancel();
}

void WebServer::schedule_tick() {
  tick_.expires_after(web_limits::kTickEvery);
  tick_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    api_.tick();
    schedule_tick();
  });
}

}  // namespace equitas::collector
