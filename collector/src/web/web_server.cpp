#include "web/web_server.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>

namespace equitas::collector {
namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

class WebSession : public std::enable_shared_from_this<WebSession> {
 public:
  WebSession(tcp::socket&& socket, WebApi& api, std::shared_ptr<std::size_t> live)
      : stream_(std::move(socket)), api_(api), live_(std::move(live)) {
    ++*live_;
    beast::error_code ec;
    const auto peer = stream_.socket().remote_endpoint(ec);
    loopback_ = !ec && peer.address().is_loopback();
    if (!ec) peer_ = peer.address().to_string();
  }
  ~WebSession() { --*live_; }

  void run() { net::dispatch(stream_.get_executor(), beast::bind_front_handler(&WebSession::do_read, shared_from_this())); }

 private:
  void do_read() {
    parser_.emplace();
    parser_->header_limit(web_limits::kHeaderLimit);
    parser_->body_limit(web_limits::kBodyLimit);
    stream_.expires_after(web_limits::kRequestTimeout);
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
    auto res = std::make_shared<HttpResponse>(api_.handle(req, loopback_, peer_));
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
  WebApi& api_;
  std::shared_ptr<std::size_t> live_;
  bool loopback_ = false;
  std::string peer_;  // the client's address: the key of its rate limits
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<HttpResponse> res_;
};

}  // namespace

class WebServer::Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(net::io_context& ioc, WebApi& api) : ioc_(ioc), acceptor_(ioc), api_(api) {}

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
    if (*live_ >= web_limits::kMaxConnections) {
      beast::error_code ignored;
      socket.close(ignored);
    } else {
      std::make_shared<WebSession>(std::move(socket), api_, live_)->run();
    }
    do_accept();
  }

  net::io_context& ioc_;
  tcp::acceptor acceptor_;
  WebApi& api_;
  std::shared_ptr<std::size_t> live_ = std::make_shared<std::size_t>(0);
  std::unique_ptr<net::steady_timer> backoff_;
};

WebServer::WebServer(net::io_context& ioc, WebApi& api) : ioc_(ioc), api_(api), tick_(ioc) {}

WebServer::~WebServer() { stop(); }

Status WebServer::listen(const tcp::endpoint& at) {
  listener_ = std::make_shared<Listener>(ioc_, api_);
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
