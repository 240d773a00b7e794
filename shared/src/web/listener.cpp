#include "equitas/web/listener.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <map>

#include "equitas/util/thread_annotations.hpp"

namespace equitas::web {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Open connections, in all and per address. Any thread: leases end on the
// sessions' strands.
class ConnectionCounts {
 public:
  explicit ConnectionCounts(const ListenerLimits& limits) : limits_(limits) {}

  // Counts a connection from `peer`, unless a cap is reached: then false.
  bool try_add(const asio::ip::address& peer) {
    MutexLock lock(&mu_);
    if (total_ >= limits_.max_connections) return false;
    if (limits_.max_per_address > 0) {
      std::size_t& n = per_address_[peer];
      if (n >= limits_.max_per_address) return false;
      ++n;
    }
    ++total_;
    return true;
  }
  void remove(const asio::ip::address& peer) {
    MutexLock lock(&mu_);
    --total_;
    if (limits_.max_per_address == 0) return;
    const auto it = per_address_.find(peer);
    if (it != per_address_.end() && --it->second == 0) per_address_.erase(it);
  }
  std::size_t total() const {
    MutexLock lock(&mu_);
    return total_;
  }

 private:
  const ListenerLimits limits_;
  mutable Mutex mu_;
  std::size_t total_ EQ_GUARDED_BY(mu_) = 0;
  std::map<asio::ip::address, std::size_t> per_address_ EQ_GUARDED_BY(mu_);
};

namespace {

// A dual-stack socket's ::ffff:a.b.c.d is a.b.c.d.
asio::ip::address normal(const asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
  return a;
}

// Accept failures that are one peer's doing (it went away before it was
// accepted): the next connection may be fine, so accept again at once.
bool peer_failed(const boost::system::error_code& ec) {
  return ec == asio::error::connection_aborted || ec == asio::error::connection_reset ||
         ec == asio::error::interrupted || ec == asio::error::try_again ||
         ec == asio::error::would_block;
}

}  // namespace

ConnectionLease::ConnectionLease(std::shared_ptr<ConnectionCounts> counts, asio::ip::address peer)
    : counts_(std::move(counts)), peer_(peer) {}

ConnectionLease::ConnectionLease(ConnectionLease&& other) noexcept
    : counts_(std::move(other.counts_)), peer_(other.peer_) {}

ConnectionLease& ConnectionLease::operator=(ConnectionLease&& other) noexcept {
  if (this != &other) {
    if (counts_) counts_->remove(peer_);
    counts_ = std::move(other.counts_);
    peer_ = other.peer_;
  }
  return *this;
}

ConnectionLease::~ConnectionLease() {
  if (counts_) counts_->remove(peer_);
}

Listener::Listener(asio::io_context& ioc, ListenerLimits limits)
    : ioc_(ioc),
      acceptor_(asio::make_strand(ioc)),
      backoff_(acceptor_.get_executor()),
      limits_(limits),
      counts_(std::make_shared<ConnectionCounts>(limits)) {}

Result<std::shared_ptr<Listener>> Listener::open(asio::io_context& ioc, const tcp::endpoint& at,
                                                 ListenerLimits limits) {
  std::shared_ptr<Listener> l(new Listener(ioc, limits));
  boost::system::error_code ec;
  l->acceptor_.open(at.protocol(), ec);
  if (!ec) l->acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) l->acceptor_.bind(at, ec);
  if (!ec) l->acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) l->local_ = l->acceptor_.local_endpoint(ec);
  if (ec) {
    return Status::unavailable("cannot listen on " + at.address().to_string() + ":" +
                               std::to_string(at.port()) + ": " + ec.message());
  }
  return l;
}

void Listener::run(OnConnection on_connection, OnRefused on_refused) {
  on_connection_ = std::move(on_connection);
  on_refused_ = std::move(on_refused);
  asio::dispatch(acceptor_.get_executor(),
                 boost::beast::bind_front_handler(&Listener::do_accept, shared_from_this()));
}

void Listener::stop() {
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ignored;
    self->acceptor_.close(ignored);
    self->backoff_.cancel();
  });
}

std::size_t Listener::open_connections() const { return counts_->total(); }

void Listener::do_accept() {
  acceptor_.async_accept(asio::make_strand(ioc_), boost::beast::bind_front_handler(
                                                      &Listener::on_accept, shared_from_this()));
}

void Listener::on_accept(boost::system::error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
  if (ec) return peer_failed(ec) ? do_accept() : back_off();
  admit(std::move(socket));
  do_accept();
}

void Listener::admit(tcp::socket socket) {
  boost::system::error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  if (ec) return;  // already gone: nothing to serve, and no address to count
  const auto peer = normal(endpoint.address());
  if (!counts_->try_add(peer)) {
    if (on_refused_) on_refused_(peer);
    socket.close(ec);
    return;
  }
  // Every message is a whole request or answer the peer is waiting for:
  // sent now, rather than its tail held back by Nagle for an ACK.
  socket.set_option(tcp::no_delay(true), ec);
  on_connection_(std::move(socket), ConnectionLease(counts_, peer));
}

void Listener::back_off() {
  backoff_.expires_after(limits_.accept_backoff);
  backoff_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec && self->acceptor_.is_open()) self->do_accept();
  });
}

}  // namespace equitas::web
