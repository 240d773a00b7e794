// Out of memory inside SQLite: the Nth allocation fails, for every N across
// the collector's and the server's workloads (sqlite3_config
// SQLITE_CONFIG_MALLOC, which must come before sqlite3_initialize: hence this
// program's own main). Afterwards: no crash, no false acknowledgement, every
// acknowledged submission present and the database intact.
//
// ctest samples N with a stride; EQUITAS_FAULT_EXHAUSTIVE=1 tries them all.
#define CATCH_CONFIG_RUNNER
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <cstdlib>

#include "equitas/crypto/secret.hpp"
#include "fault_workloads.hpp"

using namespace equitas;
using namespace equitas::test;

namespace {

sqlite3_mem_methods g_real{};
long g_count = 0;    // allocations since arm()
long g_fail_at = 0;  // 0: never
bool g_persistent = false;
long g_failed = 0;

bool should_fail() {
  ++g_count;
  if (g_fail_at > 0 && (g_count == g_fail_at || (g_persistent && g_count > g_fail_at))) {
    ++g_failed;
    return true;
  }
  return false;
}

void* oom_malloc(int n) { return should_fail() ? nullptr : g_real.xMalloc(n); }
void* oom_realloc(void* p, int n) { return should_fail() ? nullptr : g_real.xRealloc(p, n); }

void arm(long fail_at, bool persistent) {
  g_count = 0;
  g_failed = 0;
  g_fail_at = fail_at;
  g_persistent = persistent;
}

// Cases to try among `total` allocations: about 60 per mode unless exhaustive.
std::vector<long> sweep(long total) {
  const bool all = std::getenv("EQUITAS_FAULT_EXHAUSTIVE") != nullptr;
  const long stride = all ? 1 : std::max<long>(1, total / 60);
  std::vector<long> ns;
  for (long n = 1; n <= total; n += stride) ns.push_back(n);
  if (ns.back() != total) ns.push_back(total);
  return ns;
}

template <typename Workload, typename Check>
void oom_sweep(const std::filesystem::path& tmpl, const std::filesystem::path& work,
               Workload workload, Check check) {
  copy_dir(tmpl, work);
  arm(0, false);
  (void)workload(work);
  const long total = g_count;
  REQUIRE(total > 10);
  for (bool persistent : {false, true}) {
    for (long n : sweep(total)) {
      INFO((persistent ? "every allocation from " : "allocation ")
           << n << " of " << total << " fails");
      copy_dir(tmpl, work);
      arm(n, persistent);
      const Outcome o = workload(work);
      const bool failed_any = g_failed > 0;
      arm(0, false);
      CHECK(failed_any);
      check(work, o);
    }
  }
}

}  // namespace

TEST_CASE(
    "collector with SQLite out of memory at every allocation: no false acknowledgement, database "
    "intact",
    "[fault][sqlite][oom]") {
  CollectorTemplate t;
  oom_sweep(
      t.dir, t.tmp / "work", [](const auto& dir) { return collector_workload(dir, false); },
      [](const auto& dir, const Outcome& o) { check_collector(dir, o, false); });
}

TEST_CASE(
    "server ingesting with SQLite out of memory at every allocation: no false acknowledgement, "
    "database intact",
    "[fault][sqlite][oom]") {
  ServerTemplate t;
  oom_sweep(
      t.dir, t.tmp / "work", [&t](const auto& dir) { return server_workload(t, dir, false); },
      [](const auto& dir, const Outcome& o) { check_server(dir, o, false); });
}

int main(int argc, char** argv) {
  // Before anything initialises SQLite.
  if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &g_real) != SQLITE_OK) return 1;
  sqlite3_mem_methods wrapped = g_real;
  wrapped.xMalloc = oom_malloc;
  wrapped.xRealloc = oom_realloc;
  if (sqlite3_config(SQLITE_CONFIG_MALLOC, &wrapped) != SQLITE_OK) return 1;
  if (sqlite3_initialize() != SQLITE_OK) return 1;
  if (!crypto_startup()) return 1;
  return Catch::Session().run(argc, argv);
}
