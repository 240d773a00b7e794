// SQLite under faults, through FaultVfs: I/O errors (SQLITE_IOERR_WRITE,
// SQLITE_FULL) at every write-side operation N of a workload, once and from
// then on, and power loss at every xSync with unsynced writes lost or torn.
// The workloads are the collector storing sealed submissions and the server
// ingesting batches. After every case: no crash, no submission acknowledged
// unless its commit succeeded (every acknowledged one is there after
// reopening with the normal VFS, and none that failed, unless the failure hit
// an fsync), and PRAGMA integrity_check is ok.
//
// ctest runs every Nth case (stride 3, with the first and last always);
// EQUITAS_FAULT_EXHAUSTIVE=1 runs them all.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <set>

#include "fault_vfs.hpp"
#include "fault_workloads.hpp"

using namespace equitas;
using namespace equitas::test;

namespace {

namespace fs = std::filesystem;

std::vector<int> sweep(int total) {
  const bool all = std::getenv("EQUITAS_FAULT_EXHAUSTIVE") != nullptr;
  const int stride = all ? 1 : 3;
  std::vector<int> ns;
  for (int n = 1; n <= total; n += stride) ns.push_back(n);
  if (ns.empty() || ns.back() != total) ns.push_back(total);
  return ns;
}

struct ErrorMode {
  int code;
  bool persistent;
  const char* name;
};
const ErrorMode kErrorModes[] = {{SQLITE_IOERR_WRITE, false, "IOERR_WRITE once"},
                                 {SQLITE_IOERR_WRITE, true, "IOERR_WRITE persistent"},
                                 {SQLITE_FULL, false, "FULL once"},
                                 {SQLITE_FULL, true, "FULL persistent"}};

// Counts the write-side operations and syncs of a clean run.
template <typename Run>
std::pair<int, int> measure(Run run) {
  FaultVfs vfs;
  run();
  return {vfs.ops(), vfs.syncs()};
}

// One workload under an I/O error at every operation N (every Nth in ctest),
// in each error mode. `run(work, stop_at_first_error)` runs the workload on a
// fresh copy of `from` in `work`; `check(work, outcome, fault_hit_an_fsync)`
// asserts what must hold afterwards. `full` is how many acknowledgements a
// clean run gets.
template <typename Run, typename Check>
void io_error_sweep(const fs::path& from, const fs::path& work, std::size_t full, Run run,
                    Check check) {
  copy_dir(from, work);
  const auto [ops, syncs] = measure([&] { REQUIRE(run(work, false).acked.size() == full); });
  REQUIRE(ops > 3);
  int cases = 0, fired = 0, refused = 0;
  for (const auto& mode : kErrorModes) {
    for (int n : sweep(ops)) {
      INFO(mode.name << " at operation " << n << " of " << ops);
      copy_dir(from, work);
      Outcome o;
      bool on_sync = false;
      {
        FaultVfs vfs;
        vfs.fail_at(n, mode.code, mode.persistent);
        o = run(work, false);
        fired += vfs.fired();
        on_sync = vfs.fired_on_sync();
        // (A fault among the last operations hits the checkpoint when the
        // connection closes, after every call has returned.)
        refused += o.acked.size() < full;
      }
      check(work, o, on_sync);
      ++cases;
    }
  }
  CHECK(fired == cases);  // every case really injected its fault
  CHECK(refused > cases / 2);
}

// The same workload with power lost at every sync point, unsynced writes
// dropped and then torn. `min_syncs` is how many syncs a clean run must at
// least make; `seed` varies the torn pages between workloads.
template <typename Run, typename Check>
void power_loss_sweep(const fs::path& from, const fs::path& work, int min_syncs, std::uint32_t seed,
                      Run run, Check check) {
  copy_dir(from, work);
  const auto [ops, syncs] = measure([&] { (void)run(work, false); });
  REQUIRE(syncs >= min_syncs);
  int lost = 0;
  for (bool torn : {false, true}) {
    for (int n = 1; n <= syncs; ++n) {
      INFO((torn ? "torn" : "lost") << " writes at sync " << n << " of " << syncs);
      copy_dir(from, work);
      Outcome o;
      {
        FaultVfs vfs;
        vfs.power_loss_at(n, torn, static_cast<std::uint32_t>(n) * seed);
        o = run(work, true);
        CHECK(vfs.dead());
        lost += vfs.lost_ops();
      }
      check(work, o, true);
    }
  }
  CHECK(lost > syncs);  // the power losses really undid writes
}

}  // namespace

TEST_CASE(
    "collector under I/O errors at every operation: no false acknowledgement, database intact",
    "[fault][sqlite]") {
  CollectorTemplate t;
  io_error_sweep(t.dir, t.tmp / "work", kSubmissions, collector_workload, check_collector);
}

TEST_CASE(
    "collector under power loss at every sync, writes lost or torn: every acknowledged submission "
    "survives",
    "[fault][sqlite]") {
  CollectorTemplate t;
  power_loss_sweep(t.dir, t.tmp / "work", kSubmissions, 7919, collector_workload, check_collector);
}

TEST_CASE(
    "server ingesting batches under I/O errors at every operation: no false acknowledgement, "
    "database intact",
    "[fault][sqlite]") {
  ServerTemplate t;
  const auto run = [&](const fs::path& work, bool stop_at_first_error) {
    return server_workload(t, work, stop_at_first_error);
  };
  io_error_sweep(t.dir, t.tmp / "work", 6, run, check_server);
}

TEST_CASE(
    "server under power loss at every sync while ingesting: every acknowledged batch survives",
    "[fault][sqlite]") {
  ServerTemplate t;
  const auto run = [&](const fs::path& work, bool stop_at_first_error) {
    return server_workload(t, work, stop_at_first_error);
  };
  power_loss_sweep(t.dir, t.tmp / "work", 2, 104729, run, check_server);
}
