// Who is connected: every open connection, from accept to the end of its
// session. It knows the unauthenticated connections of each address budget
// (for the caps that cannot be plain counters), the one live session of each
// device (limits.hpp says why it is one, and why the newer session wins),
// and how to close each connection, so that Server::stop can close them all
// and wait for them to end. Any thread may call; every member is guarded by
// one mutex, held only for a map operation and never while an evictor runs.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "equitas/util/thread_annotations.hpp"
#include "equitas/wire/ids.hpp"

namespace equitas::server {

class WebSocketSession;

class ConnectionRegistry {
 public:
  ConnectionRegistry() = default;
  ConnectionRegistry(const ConnectionRegistry&) = delete;
  ConnectionRegistry& operator=(const ConnectionRegistry&) = delete;

  // The address whose budget a peer spends: an IPv4 address is its own; an
  // IPv4-mapped IPv6 address (::ffff:a.b.c.d, from a dual-stack listener) is
  // that IPv4 address; any other IPv6 address is its /64 prefix, because one
  // host is routinely given a whole /64 and can pick any address in it.
  static boost::asio::ip::address budget_key(const boost::asio::ip::address& peer);

  // Registers a new connection from `peer`, unauthenticated, unless its
  // budget already has `cap` unauthenticated connections or the registry is
  // closing (close_all()): then nullopt, and nothing is counted. The ticket
  // identifies this connection until it is removed.
  std::optional<std::uint64_t> try_add_unauthenticated(const boost::asio::ip::address& peer,
                                                       std::size_t cap);
  // The connection proved its device's key: it leaves its address budget and
  // is never evicted. It stays registered until it is removed.
  void mark_authenticated(std::uint64_t ticket);
  // The connection's session has ended (unknown tickets are ignored).
  void remove(std::uint64_t ticket);
  std::size_t unauthenticated_from(const boost::asio::ip::address& peer) const;
  // Connections registered now, authenticated or not.
  std::size_t size() const;
  // How the connection with `ticket` is closed from another thread (it
  // posts to the connection's strand); empty until its session has started,
  // and replaced when another session takes the connection over. Once
  // close_all() has run, `evict` runs at once instead of being kept.
  void set_evictor(std::uint64_t ticket, std::function<void()> evict);
  // When the unauthenticated pool is full: closes the oldest unauthenticated
  // connection of the budget holding the most of them, so that a newcomer
  // (a collector about to authenticate, a health check) gets a place and the
  // flood pays for it. The connection stays counted until its session ends.
  // False when no connection could be evicted.
  bool evict_one();

  // For Server::stop: from now on no connection is let in, and the evictor
  // of every registered connection runs (one set later runs as it is set).
  // Each session decides how it ends: websocket_session.hpp says how.
  void close_all();
  bool closing() const;
  // Blocks until every registered connection is removed (true), or until
  // `deadline` (false, when some are left).
  bool wait_until_empty(std::chrono::steady_clock::time_point deadline);

  // Makes `session` (identified by `token`, unique per session) the live
  // session of `device`. Returns the session it displaces, when that one is
  // still alive: the caller must end it.
  std::shared_ptr<WebSocketSession> admit(const DeviceId& device, std::uint64_t token,
                                          std::weak_ptr<WebSocketSession> session);
  // Forgets `device`'s live session if it is still the one with `token` (a
  // displaced session must not erase its successor).
  void release(const DeviceId& device, std::uint64_t token);
  std::size_t live_devices() const;

 private:
  struct Live {
    std::uint64_t token = 0;
    std::weak_ptr<WebSocketSession> session;
  };
  struct Connection {
    boost::asio::ip::address key;  // its budget
    std::function<void()> evict;
    bool authenticated = false;
    bool evicted = false;  // its evictor has run
  };
  // Takes `ticket` out of its budget's unauthenticated connections.
  void leave_budget(std::uint64_t ticket, const Connection& c) EQ_REQUIRES(mu_);

  mutable Mutex mu_;
  CondVar emptied_;  // the last connection was removed
  std::uint64_t next_ticket_ EQ_GUARDED_BY(mu_) = 1;
  bool closing_ EQ_GUARDED_BY(mu_) = false;
  // Every connection, oldest first.
  std::map<std::uint64_t, Connection> connections_ EQ_GUARDED_BY(mu_);
  std::map<boost::asio::ip::address, std::set<std::uint64_t>> unauthenticated_ EQ_GUARDED_BY(mu_);
  std::map<DeviceId, Live> live_ EQ_GUARDED_BY(mu_);
};

}  // namespace equitas::server
