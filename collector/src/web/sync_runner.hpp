// Sync in the background of `collector serve`: on the admin's "sync now",
// and, when asked, every few minutes on its own with backoff after a failure,
// so an administrator only has to plug in the link.
//
// The runner has its own thread and its own Collector (its own SQLite
// connection); the web API's connection and this one meet only in SQLite's
// WAL. Progress and the last result are read under a mutex by the API.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "collector_app.hpp"
#include "equitas/util/thread_annotations.hpp"

namespace equitas::collector {

struct SyncSnapshot {
  bool running = false;
  SyncProgress progress;
  std::int64_t runs = 0;  // finished runs: the API reloads forms when it grows
  std::optional<std::int64_t> last_finished_at;
  bool last_ok = false;
  std::string last_message;                     // one line a person can act on
  std::optional<std::int64_t> next_attempt_at;  // background loop only
};

class SyncRunner {
 public:
  // `every` = 0: only on request. Otherwise syncs every `every`, and after a
  // failure retries sooner (30 s, doubling up to `every`), by the clock of
  // `collector`, which each sync opens its Collector with.
  SyncRunner(DataDir dir, std::chrono::seconds every, SyncOptions base_options = {},
             CollectorOptions collector = {});
  ~SyncRunner();
  SyncRunner(const SyncRunner&) = delete;
  SyncRunner& operator=(const SyncRunner&) = delete;

  // Starts a sync now. False when one is already running.
  bool request();
  // Makes the background loop look at the clock again now, not when the
  // wait it worked out from it ends: for a clock that jumps (a test's
  // ManualClock).
  void wake();
  SyncSnapshot snapshot() const;
  void stop();

 private:
  void run();
  void sync_once();

  DataDir dir_;
  std::chrono::seconds every_;
  SyncOptions base_;
  CollectorOptions collector_;
  mutable Mutex mu_;
  CondVar cv_;  // a sync requested, a wake(), or stopping
  SyncSnapshot snap_ EQ_GUARDED_BY(mu_);
  bool requested_ EQ_GUARDED_BY(mu_) = false;
  bool woken_ EQ_GUARDED_BY(mu_) = false;
  bool stopping_ EQ_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace equitas::collector
