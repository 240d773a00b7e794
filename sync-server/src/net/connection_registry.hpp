// Who is connected, for the caps that cannot be plain counters: the
// unauthenticated connections of each address budget, and the one live
// session of each device (limits.hpp says why it is one, and why the newer
// session wins). Any thread may call; every member is guarded by one mutex,
// held only for a map operation.
#pragma once

#include <boost/asio/ip/address.hpp>
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

  // Counts one more unauthenticated connection from `peer`'s budget, unless
  // that budget already has `cap` of them: then nullopt, and nothing is
  // counted. The ticket identifies this connection until it is removed.
  std::optional<std::uint64_t> try_add_unauthenticated(const boost::asio::ip::address& peer,
                                                       std::size_t cap);
  // Forgets the connection with `ticket` (unknown tickets are ignored).
  void remove_unauthenticated(std::uint64_t ticket);
  std::size_t unauthenticated_from(const boost::asio::ip::address& peer) const;
  // How the connection with `ticket` can be closed from another thread
  // (posts to its strand); empty until its session has started.
  void set_evictor(std::uint64_t ticket, std::function<void()> evict);
  // When the unauthenticated pool is full: closes the oldest unauthenticated
  // connection of the budget holding the most of them, so that a newcomer
  // (a collector about to authenticate, a health check) gets a place and the
  // flood pays for it. The connection stays counted until its session ends.
  // False when no connection could be evicted.
  bool evict_one();

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
  struct Pending {
    boost::asio::ip::address key;
    std::function<void()> evict;
    bool evicted = false;
  };
  mutable Mutex mu_;
  std::uint64_t next_ticket_ EQ_GUARDED_BY(mu_) = 1;
  std::map<std::uint64_t, Pending> pending_ EQ_GUARDED_BY(mu_);  // oldest first
  std::map<boost::asio::ip::address, std::set<std::uint64_t>> unauthenticated_ EQ_GUARDED_BY(mu_);
  std::map<DeviceId, Live> live_ EQ_GUARDED_BY(mu_);
};

}  // namespace equitas::server
