#include "web/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace equitas::collector {

double RateLimiter::level(const Bucket& b, std::int64_t now) const {
  // A clock that steps back refills nothing.
  const auto elapsed = static_cast<double>(std::max<std::int64_t>(0, now - b.at));
  return std::min(burst_, b.tokens + elapsed * per_second_);
}

bool RateLimiter::allow(const std::string& client, std::int64_t now, std::int64_t& retry_after) {
  auto it = buckets_.find(client);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_clients_) prune(now);
    // Still full of clients that are all busy: a flood of addresses. The
    // newcomer waits rather than an active respondent being forgotten.
    if (buckets_.size() >= max_clients_) {
      retry_after = 1;
      return false;
    }
    it = buckets_.emplace(client, Bucket{burst_, now}).first;
  }
  Bucket& b = it->second;
  b.tokens = level(b, now);
  b.at = std::max(b.at, now);
  if (b.tokens < 1) {
    retry_after = std::max<std::int64_t>(
        1, static_cast<std::int64_t>(std::ceil((1 - b.tokens) / per_second_)));
    return false;
  }
  b.tokens -= 1;
  return true;
}

void RateLimiter::prune(std::int64_t now) {
  std::erase_if(buckets_, [&](const auto& kv) { return level(kv.second, now) >= burst_; });
}

}  // namespace equitas::collector
