// A token bucket per client address, for the draft writes anyone holding
// the post token can make. Time comes in as an argument (the WebApi's clock
// seam), so tests never sleep. Used on the server's one I/O thread only.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

namespace equitas::collector {

class RateLimiter {
 public:
  // `burst` tokens at most, refilled at `per_second`; at most `max_clients`
  // addresses remembered.
  RateLimiter(double burst, double per_second, std::size_t max_clients)
      : burst_(burst), per_second_(per_second), max_clients_(max_clients) {}

  // Takes one token for `client` at `now` (seconds). False: none left, and
  // `retry_after` says in how many seconds one will be.
  bool allow(const std::string& client, std::int64_t now, std::int64_t& retry_after);
  // Forgets clients whose bucket has refilled: they are back to the start.
  void prune(std::int64_t now);
  std::size_t tracked() const { return buckets_.size(); }

 private:
  struct Bucket {
    double tokens;
    std::int64_t at;
  };
  double level(const Bucket& b, std::int64_t now) const;
  double burst_;
  double per_second_;
  std::size_t max_clients_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace equitas::collector
