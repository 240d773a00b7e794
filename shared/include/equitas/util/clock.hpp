// Wall-clock time, through a small interface (leveldb's Env), so that tests
// can move time without sleeping: code that decides something by the time
// (an expiry, a lockout, a backoff, a timestamp it stores) is given a Clock
// and asks it, and never reads the system clock itself.
//
// The programs hand the one SystemClock to their application objects
// (collector::Collector, server::ServerApp, the running server); tests hand
// a ManualClock and move it.
#pragma once

#include <atomic>
#include <cstdint>

namespace equitas {

class Clock {
 public:
  virtual ~Clock() = default;
  // Unix seconds (UTC). Any thread.
  virtual std::int64_t now() const = 0;
};

// The machine's clock. Stateless: instance() is the one every program uses.
class SystemClock final : public Clock {
 public:
  std::int64_t now() const override;
  // Lives for the whole process, so a pointer to it never dangles.
  static const SystemClock& instance();
};

// Stands at `start` and moves only when told: for tests, and for work that
// must see one instant throughout (an export's rows). Any thread may read
// it while another moves it.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t start) : now_(start) {}
  ManualClock(const ManualClock&) = delete;
  ManualClock& operator=(const ManualClock&) = delete;

  std::int64_t now() const override { return now_.load(); }
  void set(std::int64_t unix_seconds) { now_.store(unix_seconds); }
  void advance(std::int64_t seconds) { now_.fetch_add(seconds); }

 private:
  std::atomic<std::int64_t> now_;
};

// SystemClock::instance().now(). Only for what is not decided by the time
// of one application object: tests and tools that need a "now" near the
// real one. Code under collector/ and sync-server/ takes a Clock instead.
std::int64_t unix_now();

}  // namespace equitas
