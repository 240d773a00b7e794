#include "connection_registry.hpp"

namespace equitas::server {

namespace ip = boost::asio::ip;

ip::address ConnectionRegistry::budget_key(const ip::address& peer) {
  if (peer.is_v4()) return peer;
  const ip::address_v6 v6 = peer.to_v6();
  if (v6.is_v4_mapped()) return ip::make_address_v4(ip::v4_mapped, v6);
  ip::address_v6::bytes_type bytes = v6.to_bytes();
  for (std::size_t i = 8; i < bytes.size(); ++i) bytes[i] = 0;  // the /64 prefix
  return ip::address_v6(bytes);
}

std::optional<std::uint64_t> ConnectionRegistry::try_add_unauthenticated(const ip::address& peer,
                                                                         std::size_t cap) {
  const ip::address key = budget_key(peer);
  MutexLock lock(&mu_);
  auto& tickets = unauthenticated_[key];
  if (tickets.size() >= cap) {
    if (tickets.empty()) unauthenticated_.erase(key);
    return std::nullopt;
  }
  const std::uint64_t ticket = next_ticket_++;
  tickets.insert(ticket);
  pending_.emplace(ticket, Pending{key, {}, false});
  return ticket;
}

void ConnectionRegistry::remove_unauthenticated(std::uint64_t ticket) {
  MutexLock lock(&mu_);
  const auto p = pending_.find(ticket);
  if (p == pending_.end()) return;
  const auto it = unauthenticated_.find(p->second.key);
  pending_.erase(p);
  if (it == unauthenticated_.end()) return;
  it->second.erase(ticket);
  // Erase at zero so that a scan from many addresses leaves no residue.
  if (it->second.empty()) unauthenticated_.erase(it);
}

std::size_t ConnectionRegistry::unauthenticated_from(const ip::address& peer) const {
  MutexLock lock(&mu_);
  const auto it = unauthenticated_.find(budget_key(peer));
  return it == unauthenticated_.end() ? 0 : it->second.size();
}

void ConnectionRegistry::set_evictor(std::uint64_t ticket, std::function<void()> evict) {
  MutexLock lock(&mu_);
  const auto p = pending_.find(ticket);
  if (p != pending_.end()) p->second.evict = std::move(evict);
}

bool ConnectionRegistry::evict_one() {
  std::function<void()> evict;
  {
    MutexLock lock(&mu_);
    // The heaviest budget first: under a flood that is the flood's, while a
    // collector holds one connection of its own. Linear, but only while the
    // pool is full, over at most its few thousand entries.
    const std::set<std::uint64_t>* heaviest = nullptr;
    for (const auto& [key, tickets] : unauthenticated_) {
      if (heaviest == nullptr || tickets.size() > heaviest->size()) heaviest = &tickets;
    }
    if (heaviest == nullptr) return false;
    const auto take = [&](std::uint64_t ticket) EQ_REQUIRES(mu_) {
      Pending& p = pending_.at(ticket);
      if (p.evicted || !p.evict) return false;
      p.evicted = true;
      evict = p.evict;
      return true;
    };
    bool taken = false;
    for (const std::uint64_t ticket : *heaviest) {  // oldest first
      if ((taken = take(ticket))) break;
    }
    // All of that budget is on its way out already: the oldest of any.
    for (auto it = pending_.begin(); !taken && it != pending_.end(); ++it) taken = take(it->first);
  }
  if (!evict) return false;
  evict();  // outside the lock: it posts to the session's strand
  return true;
}

std::shared_ptr<WebSocketSession> ConnectionRegistry::admit(
    const DeviceId& device, std::uint64_t token, std::weak_ptr<WebSocketSession> session) {
  std::shared_ptr<WebSocketSession> displaced;
  MutexLock lock(&mu_);
  Live& live = live_[device];
  if (live.token != 0 && live.token != token) displaced = live.session.lock();
  live.token = token;
  live.session = std::move(session);
  return displaced;
}

void ConnectionRegistry::release(const DeviceId& device, std::uint64_t token) {
  MutexLock lock(&mu_);
  const auto it = live_.find(device);
  if (it != live_.end() && it->second.token == token) live_.erase(it);
}

std::size_t ConnectionRegistry::live_devices() const {
  MutexLock lock(&mu_);
  return live_.size();
}

}  // namespace equitas::server
