// `sync-server backup` (the real binary) while two collectors push over real
// WebSocket sessions, two responses per commit so that ingest runs all
// through the backup: the restored copy holds every submission that any
// collector had seen acknowledged before the backup began, passes SQLite's
// integrity check, and serves.
#include <catch2/catch.hpp>

#include <atomic>
#include <set>
#include <thread>

#include "fixtures.hpp"
#include "process.hpp"

using namespace equitas;
using namespace equitas::test;

namespace {

using Ids = std::set<std::string>;

// Submission ids in a query's first column, hex.
Ids ids_in(Database& db, const std::string& sql) {
  Ids out;
  auto st = db.prepare(sql);
  REQUIRE(st.is_ok());
  for (;;) {
    auto row = st->step();
    REQUIRE(row.is_ok());
    if (!*row) break;
    out.insert(to_hex(st->column_blob(0)));
  }
  return out;
}

// What a collector has seen acknowledged, read through a connection of its
// own while the collector's sync runs on another thread.
Ids acknowledged(const std::filesystem::path& collector_root) {
  Database::Options ro;
  ro.read_only = true;
  auto db = Database::open(collector_root / "collector.db", ro);
  REQUIRE(db.is_ok());
  return ids_in(*db, "SELECT submission_id FROM outbox WHERE state = 'synced'");
}

std::int64_t stored(TestServer& server) {
  auto store = server.open_store();
  auto st = store.db().prepare("SELECT COUNT(*) FROM submissions");
  REQUIRE(st.is_ok());
  REQUIRE(*st->step());
  return st->column_int64(0);
}

}  // namespace

TEST_CASE("a backup taken during ingest restores every acknowledged submission", "[integration][backup]") {
  constexpr int kEach = 600;
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  const std::filesystem::path roots[] = {tmp / "post-a", tmp / "post-b"};
  std::vector<collector::Collector> collectors;
  collectors.push_back(make_collector(roots[0], server.enroll("Post A")));
  collectors.push_back(make_collector(roots[1], server.enroll("Post B")));
  for (auto& c : collectors) submit_many(c, kEach);

  // Two responses per batch: each commit is one fsync, so ingest lasts
  // well beyond the backup.
  std::atomic<int> running{2};
  std::vector<Result<collector::SyncReport>> reports(2, Status::internal("not run"));
  std::vector<std::thread> syncs;
  for (int i = 0; i < 2; ++i) {
    syncs.emplace_back([&, i] {
      collector::SyncOptions o;
      o.max_batch_items = 2;
      reports[i] = collectors[i].sync(o);
      --running;
    });
  }
  // Wait on what the collectors know to be acknowledged, not on what the
  // server holds: a commit lands before its acknowledgement is recorded, so
  // the server's count runs ahead (98 acknowledged of 100 stored, CI
  // 2026-12-02).
  const auto acknowledged_now = [&] {
    Ids ids;
    for (const auto& root : roots) ids.merge(acknowledged(root));
    return ids;
  };
  Ids before = acknowledged_now();
  while (before.size() < 100 && running.load() > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    before = acknowledged_now();
  }
  if (running.load() == 0) before = acknowledged_now();

  // What the collectors know to be safe on the server is `before`; now the backup.
  const auto folder = tmp / "backup";
  const auto backup = run_command({bin_path("sync-server"), "backup", "--data-dir", server.dir().root.string(),
                                   "--out", folder.string()});
  const int still_syncing = running.load();
  INFO(backup.err);
  REQUIRE(backup.exit_code == 0);
  for (auto& t : syncs) t.join();
  for (auto& r : reports) {
    INFO(r.status().to_string());
    REQUIRE(r.is_ok());
    CHECK(r->rejected == 0);
    CHECK(r->pending_after == 0);
  }
  CHECK(stored(server) == 2 * kEach);
  // Whether the backup overlapped ingest depends on the scheduler: on 2
  // loaded cores the sessions sometimes finish first (one ctest run in about
  // ten, 2026-12-02). What must hold either way is checked below; the
  // overlap itself only when it happened.
  const bool overlapped = still_syncing > 0;
  if (!overlapped) WARN("the backup did not overlap ingest this time; the copy is checked as a quiet one");
  CHECK(before.size() >= 100);

  const auto restored = tmp / "restored";
  const auto restore =
      run_command({bin_path("sync-server"), "restore", "--from", folder.string(), "--data-dir", restored.string()});
  INFO(restore.err);
  REQUIRE(restore.exit_code == 0);
  {
    auto db = Database::open(restored / "server.db");
    REQUIRE(db.is_ok());
    auto check = db->integrity_check();
    REQUIRE(check.is_ok());
    CHECK(*check == "ok");
    const Ids in_copy = ids_in(*db, "SELECT submission_id FROM submissions");
    std::size_t missing = 0;
    for (const auto& id : before) missing += in_copy.count(id) == 0 ? 1 : 0;
    CHECK(missing == 0);
    CHECK(in_copy.size() >= before.size());
    if (overlapped) CHECK(in_copy.size() < static_cast<std::size_t>(2 * kEach));
  }
  // The restored folder is a server: it starts and exports what it holds.
  const auto exported = run_command({bin_path("sync-server"), "export", "--data-dir", restored.string(), "--form",
                                     "staff-climate", "--format", "jsonl"});
  INFO(exported.err);
  REQUIRE(exported.exit_code == 0);
  CHECK(static_cast<std::size_t>(std::count(exported.out.begin(), exported.out.end(), '\n')) >= before.size());
}
