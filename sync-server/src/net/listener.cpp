#include "listener.hpp"

#include <boost/asio/strand.hpp>
#include <iostream>

#include "http_session.hpp"
#include "limits.hpp"

namespace equitas::server {

Listener::Listener(net::io_context& ioc, std::shared_ptr<ServerState> state)
    : ioc_(ioc), acceptor_(net::make_strand(ioc)), backoff_(acceptor_.get_executor()), state_(std::move(state)) {}

Result<std::shared_ptr<Listener>> Listener::create(net::io_context& ioc, tcp::endpoint endpoint,
                                                   std::shared_ptr<ServerState> state) {
  std::shared_ptr<Listener> l(new Listener(ioc, std::move(state)));
  boost::beast::error_code ec;
  l->acceptor_.open(endpoint.protocol(), ec);
  if (!ec) l->acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) l->acceptor_.bind(endpoint, ec);
  if (!ec) l->acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::unavailable("cannot listen on " + endpoint.address().to_string() + ":" +
                               std::to_string(endpoint.port()) + ": " + ec.message());
  }
  return l;
}

void Listener::run() {
  net::dispatch(acceptor_.get_executor(), boost::beast::bind_front_handler(&Listener::do_accept, shared_from_this()));
}

void Listener::stop() {
  net::post(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::beast::error_code ignored;
    self->acceptor_.close(ignored);
    self->backoff_.cancel();
  });
}

void Listener::do_accept() {
  acceptor_.async_accept(net::make_strand(ioc_),
                         boost::beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
}

void Listener::on_accept(boost::beast::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
  if (ec == net::error::no_descriptors || ec == net::error::no_buffer_space ||
      ec == boost::system::errc::too_many_files_open_in_system) {
    // Out of descriptors: pending connections wait in the kernel's backlog.
    backoff_.expires_after(kAcceptBackoff);
    backoff_.async_wait([self = shared_from_this()](boost::beast::error_code wait_ec) {
      if (!wait_ec) self->do_accept();
    });
    return;
  }
  if (!ec) {
    boost::beast::error_code peer_ec;
    const auto peer = socket.remote_endpoint(peer_ec);
    // A peer already gone has no address and nothing to serve.
    auto slot = peer_ec ? std::nullopt : ConnectionSlot::open(state_, peer.address());
    if (slot) {
      // Every message is a whole request or reply that the peer is waiting
      // for: send it now rather than let Nagle hold its tail for an ACK.
      boost::beast::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      std::make_shared<HttpSession>(std::move(socket), std::move(*slot))->run();
    } else {
      // Over a cap (limits.hpp): closed at once, before any byte is read.
      if (!peer_ec) state_->metrics->refused(SessionRefusal::kCapacity);
      boost::beast::error_code ignored;
      socket.close(ignored);
    }
  }
  do_accept();
}

}  // namespace equitas::server
