#include "connection_registry.hpp"

#include <vector>

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
  if (closing_) return std::nullopt;
  auto& tickets = unauthenticated_[key];
  if (tickets.size() >= cap) {
    if (tickets.empty()) unauthenticated_.erase(key);
    return std::nullopt;
  }
  const std::uint64_t ticket = next_ticket_++;
  tickets.insert(ticket);
  connections_.emplace(ticket, Connection{key, {}, false, false});
  return ticket;
}

void ConnectionRegistry::leave_budget(std::uint64_t ticket, const Connection& c) {
  const auto it = unauthenticated_.find(c.key);
  if (it == unauthenticated_.end()) return;
  it->second.erase(ticket);
  // Erase at zero so that a scan from many addresses leaves no residue.
  if (it->second.empty()) unauthenticated_.erase(it);
}

void ConnectionRegistry::mark_authenticated(std::uint64_t ticket) {
  MutexLock lock(&mu_);
  const auto c = connections_.find(ticket);
  if (c == connections_.end() || c->second.authenticated) return;
  leave_budget(ticket, c->second);
  c->second.authenticated = true;
}

void ConnectionRegistry::remove(std::uint64_t ticket) {
  MutexLock lock(&mu_);
  const auto c = connections_.find(ticket);
  if (c == connections_.end()) return;
  if (!c->second.authenticated) leave_budget(ticket, c->second);
  connections_.erase(c);
  if (connections_.empty()) emptied_.notify_all();
}

std::size_t ConnectionRegistry::unauthenticated_from(const ip::address& peer) const {
  MutexLock lock(&mu_);
  const auto it = unauthenticated_.find(budget_key(peer));
  return it == unauthenticated_.end() ? 0 : it->second.size();
}

std::size_t ConnectionRegistry::size() const {
  MutexLock lock(&mu_);
  return connections_.size();
}

void ConnectionRegistry::set_evictor(std::uint64_t ticket, std::function<void()> evict) {
  {
    MutexLock lock(&mu_);
    const auto c = connections_.find(ticket);
    if (c == connections_.end()) return;
    if (!closing_) {
      // A session taking the connection over: an eviction that reached its
      // predecessor too late (after the hand-over) did not end it.
      c->second.evict = std::move(evict);
      c->second.evicted = false;
      return;
    }
    c->second.evicted = true;
  }
  evict();  // outside the lock: it posts to the session's strand
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
    const auto take = [&](Connection& c) EQ_REQUIRES(mu_) {
      // Authenticated connections are never evicted.
      if (c.authenticated || c.evicted || !c.evict) return false;
      c.evicted = true;
      evict = c.evict;
      return true;
    };
    bool taken = false;
    for (const std::uint64_t ticket : *heaviest) {  // oldest first
      if ((taken = take(connections_.at(ticket)))) break;
    }
    // All of that budget is on its way out already: the oldest of any.
    for (auto it = connections_.begin(); !taken && it != connections_.end(); ++it)
      taken = take(it->second);
  }
  if (!evict) return false;
  evict();  // outside the lock: it posts to the session's strand
  return true;
}

void ConnectionRegistry::close_all() {
  std::vector<std::function<void()>> evictors;
  {
    MutexLock lock(&mu_);
    closing_ = true;
    for (auto& [ticket, c] : connections_) {
      if (!c.evict) continue;  // its session has not started: set_evictor runs it
      c.evicted = true;
      evictors.push_back(c.evict);
    }
  }
  for (const auto& evict : evictors) evict();  // outside the lock: each posts to its strand
}

bool ConnectionRegistry::closing() const {
  MutexLock lock(&mu_);
  return closing_;
}

bool ConnectionRegistry::wait_until_empty(std::chrono::steady_clock::time_point deadline) {
  MutexLock lock(&mu_);
  return emptied_.wait_until(mu_, deadline,
                             [this]() EQ_REQUIRES(mu_) { return connections_.empty(); });
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
