#include "equitas/util/clock.hpp"

#include <chrono>

namespace equitas {

std::int64_t SystemClock::now() const {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const SystemClock& SystemClock::instance() {
  static const SystemClock clock;
  return clock;
}

std::int64_t unix_now() { return SystemClock::instance().now(); }

}  // namespace equitas
