// Accepts TCP connections for one program and hands each one, on a strand
// of its own, to the program's session (Beast's `listener`).
//
// - Caps (ListenerLimits): past max_connections open at once, or
//   max_per_address from one address, a new connection is closed at accept,
//   before any of its bytes is read, so that half-sent requests cannot hold
//   every slot. A ConnectionLease counts each connection let in until the
//   session that holds it is gone; then the next one gets in again.
// - Backoff: when accept fails for want of descriptors or memory (EMFILE,
//   ENFILE, ENOBUFS, ENOMEM), or for any reason that is not the peer's
//   doing, the listener waits accept_backoff before it tries again instead
//   of spinning on a whole core; waiting connections stay in the kernel's
//   backlog and are taken as soon as descriptors free up.
//
// Threads: the acceptor runs on a strand of its own; stop(),
// local_endpoint() and open_connections() may be called from any thread,
// and a lease may end on any thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>

#include "equitas/status/status.hpp"
#include "equitas/web/limits.hpp"

namespace equitas::web {

class ConnectionCounts;

// One connection counted against a listener's caps, for as long as this
// lives. Move-only; the session of the connection holds it.
class ConnectionLease {
 public:
  ConnectionLease(ConnectionLease&& other) noexcept;
  ConnectionLease& operator=(ConnectionLease&& other) noexcept;
  ConnectionLease(const ConnectionLease&) = delete;
  ConnectionLease& operator=(const ConnectionLease&) = delete;
  ~ConnectionLease();

  // The peer's address, as the caps count it (an IPv4-mapped one as IPv4).
  const boost::asio::ip::address& peer() const { return peer_; }

 private:
  friend class Listener;
  ConnectionLease(std::shared_ptr<ConnectionCounts> counts, boost::asio::ip::address peer);

  std::shared_ptr<ConnectionCounts> counts_;  // null once moved from
  boost::asio::ip::address peer_;
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  // A connection within the caps, its socket on a strand of its own. Called
  // on the listener's strand: start the session and return.
  using OnConnection =
      std::function<void(boost::asio::ip::tcp::socket socket, ConnectionLease lease)>;
  // A connection about to be closed at a cap (for a program's metrics).
  using OnRefused = std::function<void(const boost::asio::ip::address& peer)>;

  // Binds `at` (port 0 picks a free one) and listens; unavailable when the
  // address cannot be had. Accepts nothing before run().
  static Result<std::shared_ptr<Listener>> open(boost::asio::io_context& ioc,
                                                const boost::asio::ip::tcp::endpoint& at,
                                                ListenerLimits limits);
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  void run(OnConnection on_connection, OnRefused on_refused = {});
  // Stops accepting; open connections carry on.
  void stop();
  boost::asio::ip::tcp::endpoint local_endpoint() const { return local_; }
  // Connections let in and not yet closed.
  std::size_t open_connections() const;

 private:
  Listener(boost::asio::io_context& ioc, ListenerLimits limits);
  void do_accept();
  void on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);
  void admit(boost::asio::ip::tcp::socket socket);
  void back_off();

  boost::asio::io_context& ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer backoff_;
  const ListenerLimits limits_;
  const std::shared_ptr<ConnectionCounts> counts_;
  boost::asio::ip::tcp::endpoint local_;  // set by open(), then read-only
  OnConnection on_connection_;            // set by run(), then read-only
  OnRefused on_refused_;
};

}  // namespace equitas::web
