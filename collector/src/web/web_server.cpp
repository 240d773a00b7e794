#include "web/web_server.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <map>
#include <mutex>
#include <optional>

namespace equitas::collector {
namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// Open connections, in total and per peer address: the caps apply at
// accept. Any thread (the server runs on one, but nothing here relies on it).
class Connections {
 public:
  // Counts a connection from `peer`, unless a cap is reached: then false.
  bool try_add(const net::ip::address& peer, const WebLimits& limits) {
    std::lock_guard lock(mu_);
    if (total_ >= limits.max_connections) return false;
    std::size_t& n = per_address_[normal(peer)];
    if (n >= limits.max_per_address) {
      if (n == 0) per_address_.erase(normal(peer));
      return false;
    }
    ++n;
    ++total_;
    return true;
  }
  void remove(const net::ip::address& peer) {
    std::lock_guard lock(mu_);
    --total_;
    const auto it = per_address_.find(normal(peer));
    if (it != per_address_.end() && --it->second == 0) per_address_.erase(it);
  }

 private:
  // Per full address, not per IPv6 /64 as on the sync server: on a post's
  // LAN every phone shares one /64. A dual-stack socket's ::ffff:a.b.c.d
  // is a.b.c.d.
  static net::ip::address normal(const net::ip::address& a) {
    if (a.is_v6() && a.to_v6().is_v4_mapped()) return net::ip::make_address_v4(net::ip::v4_mapped, a.to_v6());
    return a;
  }
  std::mutex mu_;
  std::size_t total_ = 0;                                  // guarded by mu_
  std::map<net::ip::address, std::size_t> per_address_;  // guarded by mu_
};

class WebSession : public std::enable_shared_from_this<WebSession> {
 public:
  // `socket` is already counted in `connections` for `peer`.
  WebSession(tcp::socket&& socket, const net::ip::address& peer, WebApi& api, const WebLimits& limits,
             std::shared_ptr<Connections> connections)
      : stream_(std::move(socket)),
        peer_(peer),
        api_(api),
        limits_(limits),
        connections_(std::move(connections)),
        loopback_(peer.is_loopback()),
        peer_key_(peer.to_string()) {}
  ~WebSession() { connections_->remove(peer_); }

  void run() { net::dispatch(stream_.get_executor(), beast::bind_front_handler(&WebSession::do_read, shared_from_this())); }

 private:
  void do_read() {
    parser_.emplace();
    parser_->header_limit(web_limits::kHeaderLimit);
    parser_->body_limit(web_limits::kBodyLimit);
    // The headers first, on a short deadline; then the body, on what is
    // left of the deadline for the whole request.
    request_started_ = std::chrono::steady_clock::now();
    stream_.expires_after(std::min(limits_.header_timeout, limits_.request_timeout));
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&WebSession::on_header, shared_from_this()));
  }

  void on_header(beast::error_code ec, std::size_t) {
    if (ec || parser_->is_done()) return on_read(ec, 0);
    // A file for a file question may be larger than any other request.
    const auto& req = parser_->get();
    if (req.method() == http::verb::post && web_limits::takes_file_body(req.target())) {
      parser_->body_limit(web_limits::kFileBodyLimit);
    }
    const auto spent = std::chrono::steady_clock::now() - request_started_;
    stream_.expires_after(std::chrono::duration_cast<std::chrono::milliseconds>(limits_.request_timeout - spent));
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&WebSession::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::body_limit || ec == http::error::header_limit) {
      HttpRequest dummy;
      auto res = std::make_shared<HttpResponse>(http::status::payload_too_large, 11);
      res->set(http::field::content_type, "application/json");
      res->set(http::field::cache_control, "no-store");
      res->body() = R"({"error":"request too large"})";
      res->keep_alive(false);
      res->prepare_payload();
      return write(std::move(res));
    }
    if (ec) return close();  // end of stream, timeout, malformed: nothing useful to say
    HttpRequest req = parser_->release();
    auto res = std::make_shared<HttpResponse>(api_.handle(req, loopback_, peer_key_));
    if (req.method() == http::verb::head) {
      // The headers of a GET, and no body: a body here would desync keep-alive.
      const auto n = res->body().size();
      res->body().clear();
      res->content_length(n);
    }
    // The request may hold answers: gone before the reply is written.
    if (!req.body().empty()) sodium_memzero(req.body().data(), req.body().size());
    write(std::move(res));
  }

  void write(std::shared_ptr<HttpResponse> res) {
    res_ = std::move(res);
    http::async_write(stream_, *res_, beast::bind_front_handler(&WebSession::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    const bool keep = res_ && res_->keep_alive();
    res_.reset();
    if (ec || !keep) return close();
    do_read();
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  const net::ip::address peer_;
  WebApi& api_;
  const WebLimits limits_;
  std::shared_ptr<Connections> connections_;
  const bool loopback_;
  const std::string peer_key_;  // the client's address: the key of its rate limits
  std::chrono::steady_clock::time_point request_started_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<HttpResponse> res_;
};

}  // namespace

class WebServer::Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(net::io_context& ioc, WebApi& api, const WebLimits& limits)
      : ioc_(ioc), acceptor_(ioc), api_(api), limits_(limits) {}

  Status open(const tcp::endpoint& at) {
    beast::error_code ec;
    acceptor_.open(at.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(at, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      return Status::unavailable("cannot listen on " + at.address().to_string() + ":" + std::to_string(at.port()) +
                                 ": " + ec.message());
    }
    return Status::ok();
  }
  void start() { do_accept(); }
  tcp::endpoint local() const {
    beast::error_code ec;
    return acceptor_.local_endpoint(ec);
  }
  void stop() {
    beast::error_code ec;
    acceptor_.close(ec);
  }

 private:
  void do_accept() {
    acceptor_.async_accept(net::make_strand(ioc_), beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
  }
  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted) return;
    if (ec) {
      // Out of descriptors or similar: wait a little instead of spinning.
      backoff_ = std::make_unique<net::steady_timer>(ioc_, std::chrono::milliseconds(100));
      backoff_->async_wait([self = shared_from_this()](beast::error_code e) {
        if (!e) self->do_accept();
      });
      return;
    }
    beast::error_code peer_ec;
    const auto peer = socket.remote_endpoint(peer_ec);
    // Over a cap, or already gone: closed before any byte is read, so that
    // half-sent requests from one address never reach the token check.
    if (!peer_ec && connections_->try_add(peer.address(), limits_)) {
      std::make_shared<WebSession>(std::move(socket), peer.address(), api_, limits_, connections_)->run();
    } else {
      beast::error_code ignored;
      socket.close(ignored);
    }
    do_accept();
  }

  net::io_context& ioc_;
  tcp::acceptor acceptor_;
  WebApi& api_;
  const WebLimits limits_;
  std::shared_ptr<Connections> connections_ = std::make_shared<Connections>();
  std::unique_ptr<net::steady_timer> backoff_;
};

WebServer::WebServer(net::io_context& ioc, WebApi& api, WebLimits limits)
    : ioc_(ioc), api_(api), limits_(limits), tick_(ioc) {}

WebServer::~WebServer() { stop(); }

Status WebServer::listen(const tcp::endpoint& at) {
  listener_ = std::make_shared<Listener>(ioc_, api_, limits_);
  EQ_RETURN_IF_ERROR(listener_->open(at));
  listener_->start();
  schedule_tick();
  return Status::ok();
}

tcp::endpoint WebServer::local_endpoint() const { return listener_ ? listener_->local() : tcp::endpoint(); }

void WebServer::stop() {
  if (listener_) listener_->stop();
  tick_.cancel();
}

void WebServer::schedule_tick() {
  tick_.expires_after(web_limits::kTickEvery);
  tick_.async_wait([this](beast::error_code ec) {
    if (ec) return;
    api_.tick();
    schedule_tick();
  });
}

}  // namespace equitas::collector
