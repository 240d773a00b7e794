#include "connection_registry.hpp"

namespace equitas::server {

bool ConnectionRegistry::try_add_unauthenticated(const boost::asio::ip::address& peer, std::size_t cap) {
  std::lock_guard lock(mu_);
  std::size_t& n = unauthenticated_[peer];
  if (n >= cap) {
    if (n == 0) unauthenticated_.erase(peer);
    return false;
  }
  ++n;
  return true;
}

void ConnectionRegistry::remove_unauthenticated(const boost::asio::ip::address& peer) {
  std::lock_guard lock(mu_);
  const auto it = unauthenticated_.find(peer);
  if (it == unauthenticated_.end()) return;
  // Erase at zero so that a scan from many addresses leaves no residue.
  if (--it->second == 0) unauthenticated_.erase(it);
}

std::size_t ConnectionRegistry::unauthenticated_from(const boost::asio::ip::address& peer) const {
  std::lock_guard lock(mu_);
  const auto it = unauthenticated_.find(peer);
  return it == unauthenticated_.end() ? 0 : it->second;
}

std::shared_ptr<WebSocketSession> ConnectionRegistry::admit(const DeviceId& device, std::uint64_t token,
                                                            std::weak_ptr<WebSocketSession> session) {
  std::shared_ptr<WebSocketSession> displaced;
  std::lock_guard lock(mu_);
  Live& live = live_[device];
  if (live.token != 0 && live.token != token) displaced = live.session.lock();
  live.token = token;
  live.session = std::move(session);
  return displaced;
}

void ConnectionRegistry::release(const DeviceId& device, std::uint64_t token) {
  std::lock_guard lock(mu_);
  const auto it = live_.find(device);
  if (it != live_.end() && it->second.token == token) live_.erase(it);
}

std::size_t ConnectionRegistry::live_devices() const {
  std::lock_guard lock(mu_);
  return live_.size();
}

}  // namespace equitas::server
