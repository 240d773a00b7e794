#include "metrics.hpp"

#include <charconv>
#include <cmath>

namespace equitas::server {

namespace {

static_assert(kMaxRejectReason == 9, "a new RejectReason needs its metric label below");

// Label values for each outcome, in Metrics::outcomes_ order.
constexpr std::array<std::string_view, 14> kOutcomeLabels = {
    R"(outcome="accepted")",
    R"(outcome="duplicate")",
    R"(outcome="conflict")",
    R"(outcome="rejected",reason="unused")",  // kRejected is counted under its reason
    R"(outcome="rejected",reason="malformed")",
    R"(outcome="rejected",reason="bad_signature")",
    R"(outcome="rejected",reason="unknown_device")",
    R"(outcome="rejected",reason="revoked_device")",
    R"(outcome="rejected",reason="unknown_form")",
    R"(outcome="rejected",reason="invalid_answers")",
    R"(outcome="rejected",reason="undecryptable")",
    R"(outcome="rejected",reason="foreign_submission")",
    R"(outcome="rejected",reason="carrier_refused")",
    R"(outcome="not_stored")",
};

void add(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) {
  c.fetch_add(n, std::memory_order_relaxed);
}
std::uint64_t get(const std::atomic<std::uint64_t>& c) { return c.load(std::memory_order_relaxed); }

void number(std::string& out, double v) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, ec == std::errc() ? end : buf);
}

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void sample(std::string& out, std::string_view name, std::string_view labels, std::uint64_t v) {
  out.append(name);
  if (!labels.empty()) out.append("{").append(labels).append("}");
  out.append(" ").append(std::to_string(v)).append("\n");
}

}  // namespace

void Histogram::observe(double seconds) {
  if (!(seconds >= 0)) seconds = 0;  // NaN and a clock that stepped back count as 0
  std::size_t i = 0;
  while (i < kBuckets && seconds > kBounds[i]) ++i;
  add(counts_[i]);
  add(sum_micros_, static_cast<std::uint64_t>(std::llround(seconds * 1e6)));
}

void Histogram::render(std::string& out, std::string_view name, std::string_view labels) const {
  const std::string prefix = labels.empty() ? std::string() : std::string(labels) + ",";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= kBuckets; ++i) {
    cumulative += get(counts_[i]);
    out.append(name).append("_bucket{").append(prefix).append("le=\"");
    if (i < kBuckets) {
      number(out, kBounds[i]);
    } else {
      out.append("+Inf");
    }
    out.append("\"} ").append(std::to_string(cumulative)).append("\n");
  }
  out.append(name).append("_sum");
  if (!labels.empty()) out.append("{").append(labels).append("}");
  out.append(" ");
  number(out, static_cast<double>(get(sum_micros_)) / 1e6);
  out.append("\n");
  sample(out, std::string(name) + "_count", labels, cumulative);
}

std::string_view session_refusal_name(SessionRefusal r) {
  switch (r) {
    case SessionRefusal::kCapacity:
      return "capacity";
    case SessionRefusal::kEvicted:
      return "evicted";
    case SessionRefusal::kCrossOrigin:
      return "cross_origin";
    case SessionRefusal::kAuthTimeout:
      return "auth_timeout";
    case SessionRefusal::kMessageTimeout:
      return "message_timeout";
    case SessionRefusal::kRevoked:
      return "revoked";
    case SessionRefusal::kUnknownDevice:
      return "unknown_device";
    case SessionRefusal::kEnrollmentExpired:
      return "enrollment_expired";
    case SessionRefusal::kEnrollmentUsed:
      return "enrollment_used";
    case SessionRefusal::kAuthenticationFailed:
      return "authentication_failed";
    case SessionRefusal::kProtocol:
      return "protocol";
    case SessionRefusal::kUnavailable:
      return "unavailable";
    case SessionRefusal::kInternal:
      return "internal";
    case SessionRefusal::kCount_:
      break;
  }
  return "internal";
}

SessionRefusal refusal_for(SessionError e) {
  switch (e) {
    case SessionError::kRevoked:
      return SessionRefusal::kRevoked;
    case SessionError::kUnknownDevice:
      return SessionRefusal::kUnknownDevice;
    case SessionError::kEnrollmentExpired:
      return SessionRefusal::kEnrollmentExpired;
    case SessionError::kEnrollmentUsed:
      return SessionRefusal::kEnrollmentUsed;
    case SessionError::kAuthenticationFailed:
      return SessionRefusal::kAuthenticationFailed;
    case SessionError::kProtocol:
      return SessionRefusal::kProtocol;
    case SessionError::kUnavailable:
      return SessionRefusal::kUnavailable;
    case SessionError::kInternal:
      return SessionRefusal::kInternal;
  }
  return SessionRefusal::kInternal;
}

void Metrics::submission(const ItemResult& r) {
  std::size_t i = static_cast<std::size_t>(r.status);
  if (r.status == ItemStatus::kRejected) {
    const auto reason = static_cast<std::size_t>(r.reason);
    i = reason >= 1 && reason <= kMaxRejectReason ? 3 + reason
                                                  : 4;  // an unknown reason counts as malformed
  }
  if (i < kOutcomes) add(outcomes_[i]);
}

void Metrics::batch_failed(std::size_t envelopes) { add(outcomes_[kOutcomes - 1], envelopes); }

void Metrics::refused(SessionRefusal r) {
  const auto i = static_cast<std::size_t>(r);
  if (i < refusals_.size()) add(refusals_[i]);
}

void Metrics::admin_seconds(AdminWork w, double s) {
  const auto i = static_cast<std::size_t>(w);
  if (i < admin_.size()) admin_[i].observe(s);
}

void Metrics::file_chunk(std::size_t bytes, FileAckState state) {
  const auto i = static_cast<std::size_t>(state);
  if (i < file_chunks_.size()) file_chunks_[i].fetch_add(1, std::memory_order_relaxed);
  if (state == FileAckState::kContinue || state == FileAckState::kComplete) {
    file_bytes_.fetch_add(bytes, std::memory_order_relaxed);
  }
}

std::string Metrics::render(const MetricGauges& g) const {
  std::string out;
  out.reserve(8192);
  header(out, "equitas_connections", "gauge",
         "Open connections, by state: sync sessions past ClientAuth; unauthenticated (HTTP "
         "requests, and sync "
         "sessions before ClientAuth); other (in between).");
  sample(out, "equitas_connections", R"(state="unauthenticated")", g.unauthenticated);
  sample(out, "equitas_connections", R"(state="sync")", g.sync_sessions);
  sample(out, "equitas_connections", R"(state="other")",
         g.connections >= g.unauthenticated + g.sync_sessions
             ? g.connections - g.unauthenticated - g.sync_sessions
             : 0);

  header(out, "equitas_submissions_total", "counter",
         "Envelopes the writer handled, by outcome (and, when rejected, by reason). not_stored: "
         "its batch's "
         "commit failed and the collector sends it again.");
  for (std::size_t i = 0; i < kOutcomes; ++i) {
    if (i == 3) continue;
    sample(out, "equitas_submissions_total", kOutcomeLabels[i], get(outcomes_[i]));
  }

  header(out, "equitas_ingest_seconds", "histogram",
         "From a batch of submissions arriving to its acknowledgement: checks, the wait for the "
         "writer, the commit.");
  ingest_.render(out, "equitas_ingest_seconds", "");

  header(out, "equitas_writer_queue_jobs", "gauge", "Jobs waiting for the single writer.");
  sample(out, "equitas_writer_queue_jobs", "", g.writer_queue);

  header(out, "equitas_sync_received_bytes_total", "counter",
         "WebSocket message bytes received on /sync.");
  sample(out, "equitas_sync_received_bytes_total", "", get(bytes_in_));
  header(out, "equitas_sync_sent_bytes_total", "counter", "WebSocket message bytes sent on /sync.");
  sample(out, "equitas_sync_sent_bytes_total", "", get(bytes_out_));

  header(out, "equitas_file_chunks_total", "counter",
         "File chunks the writer handled: stored, stored as the last of a checked file, refused (a "
         "chunk or a whole "
         "file that did not check against its signed hash), or not stored for now (disk full).");
  static constexpr const char* kChunkLabels[] = {"stored", "completed", "refused", "retry_later"};
  for (std::size_t i = 0; i < file_chunks_.size(); ++i) {
    sample(out, "equitas_file_chunks_total", std::string("result=\"") + kChunkLabels[i] + "\"",
           get(file_chunks_[i]));
  }
  header(out, "equitas_file_received_bytes_total", "counter",
         "Bytes of file chunks received and stored.");
  sample(out, "equitas_file_received_bytes_total", "", get(file_bytes_));
  if (g.files_held && g.file_bytes_held) {
    header(out, "equitas_files_held", "gauge",
           "Files that responses name, held in full and checked against their signed hash (each "
           "content once).");
    sample(out, "equitas_files_held", "", *g.files_held);
    header(out, "equitas_files_held_bytes", "gauge",
           "Bytes of the files held in full (their plaintext sizes).");
    sample(out, "equitas_files_held_bytes", "", *g.file_bytes_held);
  }

  header(out, "equitas_refused_sessions_total", "counter",
         "Connections and sync sessions refused or cut before doing their work, by reason.");
  for (std::size_t i = 0; i < refusals_.size(); ++i) {
    const std::string labels =
        "reason=\"" + std::string(session_refusal_name(static_cast<SessionRefusal>(i))) + "\"";
    sample(out, "equitas_refused_sessions_total", labels, get(refusals_[i]));
  }

  header(out, "equitas_admin_seconds", "histogram",
         "Reports and exports the admin API prepared, end to end.");
  admin_[static_cast<std::size_t>(AdminWork::kReport)].render(out, "equitas_admin_seconds",
                                                              R"(kind="report")");
  admin_[static_cast<std::size_t>(AdminWork::kExport)].render(out, "equitas_admin_seconds",
                                                              R"(kind="export")");
  return out;
}

}  // namespace equitas::server
