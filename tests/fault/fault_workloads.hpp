// The workloads and checks of the SQLite fault tests (sqlite_fault_test.cpp,
// sqlite_oom_test.cpp): the collector storing sealed submissions, the server
// ingesting batches, each from a template data folder copied per case.
#pragma once

#include <filesystem>
#include <utility>
#include <vector>

#include "collector_app.hpp"
#include "equitas/wire/ids.hpp"
#include "temp_dir.hpp"

namespace equitas::test {

void copy_dir(const std::filesystem::path& from, const std::filesystem::path& to);

// What a workload reports: the ids whose commit succeeded, the ids known to
// have failed, and how many commits it tried.
struct Outcome {
  std::vector<SubmissionId> acked;
  std::vector<SubmissionId> failed;
  int attempts = 0;
};

// The collector: open, then submit kSubmissions responses (one transaction each).
inline constexpr int kSubmissions = 3;
struct CollectorTemplate {
  TempDir tmp;
  std::filesystem::path dir;  // an enrolled collector
  CollectorTemplate();
};
// `stop_at_first_error`: give up after the first failed submit (power loss).
Outcome collector_workload(const std::filesystem::path& dir, bool stop_at_first_error);
// Reopens with the default VFS: integrity, every acknowledged submission
// there, and (unless `failures_may_persist`) nothing else.
void check_collector(const std::filesystem::path& dir, const Outcome& o, bool failures_may_persist);

// The server: open the store, ingest two batches of three envelopes (one
// transaction each, as the Ingestor commits them).
struct ServerTemplate {
  TempDir tmp;
  std::filesystem::path dir;  // a server with one registered device
  DeviceId device;
  std::vector<std::vector<std::pair<SubmissionId, Bytes>>> batches;
  ServerTemplate();
};
Outcome server_workload(const ServerTemplate& t, const std::filesystem::path& dir,
                        bool stop_at_first_error);
void check_server(const std::filesystem::path& dir, const Outcome& o, bool failures_may_persist);

}  // namespace equitas::test
