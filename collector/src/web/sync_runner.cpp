#include "web/sync_runner.hpp"

namespace equitas::collector {
namespace {
constexpr std::chrono::seconds kFirstRetry{30};
}

SyncRunner::SyncRunner(DataDir dir, std::chrono::seconds every, SyncOptions base_options,
                       CollectorOptions collector)
    : dir_(std::move(dir)),
      every_(every),
      base_(std::move(base_options)),
      collector_(std::move(collector)) {
  if (every_.count() > 0) {
    MutexLock lock(&mu_);
    requested_ = true;  // try at once: the link may already be up
  }
  thread_ = std::thread([this] { run(); });
}

SyncRunner::~SyncRunner() { stop(); }

void SyncRunner::stop() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool SyncRunner::request() {
  {
    MutexLock lock(&mu_);
    if (snap_.running || requested_) return false;
    requested_ = true;
  }
  cv_.notify_all();
  return true;
}

void SyncRunner::wake() {
  {
    MutexLock lock(&mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

SyncSnapshot SyncRunner::snapshot() const {
  MutexLock lock(&mu_);
  return snap_;
}

void SyncRunner::run() {
  std::chrono::seconds retry = kFirstRetry;
  MutexLock lock(&mu_);
  while (!stopping_) {
    if (!requested_) {
      if (every_.count() > 0 && snap_.next_attempt_at) {
        const std::int64_t now = collector_.clock->now();
        const auto wait =
            std::chrono::seconds(std::max<std::int64_t>(0, *snap_.next_attempt_at - now));
        cv_.wait_for(mu_, wait,
                     [this]() EQ_REQUIRES(mu_) { return stopping_ || requested_ || woken_; });
        woken_ = false;
        if (stopping_) break;
        if (!requested_ && collector_.clock->now() < *snap_.next_attempt_at) continue;
      } else {
        cv_.wait(mu_, [this]() EQ_REQUIRES(mu_) { return stopping_ || requested_; });
        if (stopping_) break;
      }
    }
    requested_ = false;
    snap_.running = true;
    snap_.progress = SyncProgress{};
    lock.unlock();
    sync_once();
    lock.lock();
    snap_.running = false;
    ++snap_.runs;
    if (every_.count() > 0) {
      // After a failure try again sooner, doubling: a satellite link that
      // drops comes back at unknown times.
      const auto delay = snap_.last_ok ? every_ : std::min(retry, every_);
      retry = snap_.last_ok ? kFirstRetry : std::min(retry * 2, every_);
      snap_.next_attempt_at = collector_.clock->now() + delay.count();
    }
  }
}

void SyncRunner::sync_once() {
  std::string message;
  bool ok = false;
  auto c = Collector::open(dir_, collector_);
  if (!c.is_ok()) {
    message = c.status().message();
  } else {
    SyncOptions options = base_;
    options.on_progress = [this](const SyncProgress& p) {
      MutexLock lock(&mu_);
      snap_.progress = p;
    };
    auto report = c->sync(options);
    if (report.is_ok()) {
      ok = report->rejected == 0;
      message = std::to_string(report->accepted) + " accepted, " +
                std::to_string(report->duplicate) + " already on the server, " +
                std::to_string(report->rejected) + " rejected; " +
                std::to_string(report->pending_after) + " still waiting";
      if (!report->forms_received.empty()) {
        message +=
            "; " + std::to_string(report->forms_received.size()) + " form update(s) received";
      }
    } else {
      auto st = c->status();
      const std::int64_t kept = st.is_ok() ? st->counts.pending : 0;
      message = report.status().message() + "; " + std::to_string(kept) +
                " submission(s) kept on this collector, will retry";
    }
  }
  MutexLock lock(&mu_);
  snap_.last_ok = ok;
  snap_.last_message = message;
  snap_.last_finished_at = collector_.clock->now();
}

}  // namespace equitas::collector
