// What a running server counts for Prometheus: GET /metrics answers in the
// text exposition format (version 0.0.4), to loopback without a token and
// to anyone else with an admin token (docs/operations.md).
//
// Counters and histograms are relaxed atomics: any thread adds to them
// without a lock, and a scrape reads each one once. A scrape is therefore
// not one instant across all series, which Prometheus does not expect
// either. What the registry holds is fixed at compile time (no label comes
// from a peer), so a flood cannot grow it.
//
// Nothing here names a device, a site, a form or an answer: the counts are
// of the server's work, not of who answered.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "equitas/wire/sync_messages.hpp"

namespace equitas::server {

// The text exposition format's media type.
inline constexpr const char* kMetricsType = "text/plain; version=0.0.4; charset=utf-8";

// A histogram with fixed upper bounds in seconds (Prometheus `le`).
class Histogram {
 public:
  static constexpr std::size_t kBuckets = 14;
  // 1 ms to 2 min: an ingest commit takes milliseconds; a report over a
  // million responses about half a second; an export of 100,000 a few
  // seconds, and a big anonymous one longer.
  static constexpr std::array<double, kBuckets> kBounds = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 30, 120};

  void observe(double seconds);
  // Appends this histogram's _bucket, _sum and _count lines for `name`,
  // with `labels` ("" or `kind="report"`) in each.
  void render(std::string& out, std::string_view name, std::string_view labels) const;

 private:
  std::array<std::atomic<std::uint64_t>, kBuckets + 1> counts_{};  // the last is +Inf
  std::atomic<std::uint64_t> sum_micros_{0};
};

// Why a connection or a sync session was refused or cut before it could
// do its work. Stable label values.
enum class SessionRefusal : std::uint8_t {
  kCapacity,        // over a connection cap: closed at accept (limits.hpp)
  kEvicted,         // unauthenticated, evicted to make room for a newer one
  kCrossOrigin,     // a browser page tried to open /sync
  kAuthTimeout,     // no verified ClientAuth within kAuthDeadline
  kMessageTimeout,  // one message took longer than its deadline to arrive
  kRevoked,         // the rest mirror SessionError
  kUnknownDevice,
  kEnrollmentExpired,
  kEnrollmentUsed,
  kAuthenticationFailed,
  kProtocol,
  kUnavailable,
  kInternal,
  kCount_,
};
std::string_view session_refusal_name(SessionRefusal r);
SessionRefusal refusal_for(SessionError e);

// The admin API's slow calls, timed end to end on the admin thread.
enum class AdminWork : std::uint8_t { kReport, kExport, kCount_ };

// Levels read at scrape time from the server's own state.
struct MetricGauges {
  std::uint64_t connections = 0;      // every open TCP connection
  std::uint64_t unauthenticated = 0;  // of those, not yet past ClientAuth
  std::uint64_t sync_sessions = 0;    // authenticated sync sessions
  std::uint64_t writer_queue = 0;     // jobs waiting for the single writer
  // Files held in full and their bytes (plaintext sizes; FileStore::totals),
  // read from the database at scrape time; unset when it could not be read,
  // and then not reported rather than reported as 0.
  std::optional<std::uint64_t> files_held, file_bytes_held;
};

class Metrics {
 public:
  // One envelope's outcome in a batch the writer committed.
  void submission(const ItemResult& r);
  // A whole batch the writer could not store (each envelope is resent).
  void batch_failed(std::size_t envelopes);
  // From a Push arriving to its acknowledgement being queued: checks, the
  // wait for the writer and the commit.
  void ingest_seconds(double s) { ingest_.observe(s); }
  void bytes_in(std::size_t n) { bytes_in_.fetch_add(n, std::memory_order_relaxed); }
  void bytes_out(std::size_t n) { bytes_out_.fetch_add(n, std::memory_order_relaxed); }
  void refused(SessionRefusal r);
  // One file chunk the writer handled, by what became of it.
  void file_chunk(std::size_t bytes, FileAckState state);
  void admin_seconds(AdminWork w, double s);

  // The whole exposition, ending with a newline.
  std::string render(const MetricGauges& g) const;

 private:
  // accepted, duplicate, conflict, then one per RejectReason (1..9),
  // then batch_failed.
  static constexpr std::size_t kOutcomes = 4 + 9 + 1;
  std::array<std::atomic<std::uint64_t>, kOutcomes> outcomes_{};
  std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(SessionRefusal::kCount_)>
      refusals_{};
  std::atomic<std::uint64_t> bytes_in_{0}, bytes_out_{0};
  // continue, complete, failed, retry later
  std::array<std::atomic<std::uint64_t>, 4> file_chunks_{};
  std::atomic<std::uint64_t> file_bytes_{0};
  Histogram ingest_;
  std::array<Histogram, static_cast<std::size_t>(AdminWork::kCount_)> admin_;
};

}  // namespace equitas::server
