// Who is connected, for the caps that cannot be plain counters: the
// unauthenticated connections of each IP address, and the one live session
// of each device (limits.hpp says why it is one, and why the newer session
// wins). Any thread may call; every member is guarded by one mutex, held only
// for a map operation.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

#include "equitas/wire/ids.hpp"

namespace equitas::server {

class WebSocketSession;

class ConnectionRegistry {
 public:
  ConnectionRegistry() = default;
  ConnectionRegistry(const ConnectionRegistry&) = delete;
  ConnectionRegistry& operator=(const ConnectionRegistry&) = delete;

  // Counts one more unauthenticated connection from `peer`, unless `peer`
  // already has `cap` of them: then false, and nothing is counted.
  bool try_add_unauthenticated(const boost::asio::ip::address& peer, std::size_t cap);
  void remove_unauthenticated(const boost::asio::ip::address& peer);
  std::size_t unauthenticated_from(const boost::asio::ip::address& peer) const;

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
  mutable std::mutex mu_;
  std::map<boost::asio::ip::address, std::size_t> unauthenticated_;  // guarded by mu_
  std::map<DeviceId, Live> live_;                                    // guarded by mu_
};

}  // namespace equitas::server
