// `sync-server backup` (the real binary) while two collectors push over real
// WebSocket sessions, two responses per commit so that ingest runs all
// through the backup: the restored copy holds every submission that any
// collector had seen acknowledged before the backup began, passes SQLite's
// integrity check, and serves.
#include <sodium.h>

#include <atomic>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <thread>

#include "admin_api.hpp"
#include "equitas/forms/file_answer.hpp"
#include "equitas/wire/file_transfer.hpp"
#include "fixtures.hpp"
#include "process.hpp"
#include "sample_files.hpp"
#include "server_app.hpp"

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

TEST_CASE("a backup taken during ingest restores every acknowledged submission",
          "[integration][backup]") {
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
  const auto backup = run_command({bin_path("sync-server"), "backup", "--data-dir",
                                   server.dir().root.string(), "--out", folder.string()});
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
  if (!overlapped)
    WARN("the backup did not overlap ingest this time; the copy is checked as a quiet one");
  CHECK(before.size() >= 100);

  const auto restored = tmp / "restored";
  const auto restore = run_command({bin_path("sync-server"), "restore", "--from", folder.string(),
                                    "--data-dir", restored.string()});
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
  const auto exported =
      run_command({bin_path("sync-server"), "export", "--data-dir", restored.string(), "--form",
                   "staff-climate", "--format", "jsonl"});
  INFO(exported.err);
  REQUIRE(exported.exit_code == 0);
  CHECK(static_cast<std::size_t>(std::count(exported.out.begin(), exported.out.end(), '\n')) >=
        before.size());
}

namespace {

// A non-anonymous form with a question for photos and PDFs.
constexpr const char* kPhotoOrPdfForm =
    R"({"id": "post-evidence", "version": "1", "title": {"en": "Post evidence"},
  "languages": ["en"], "items": [
    {"type": "text", "name": "room", "label": {"en": "Which room?"}},
    {"type": "file", "name": "evidence", "label": {"en": "Evidence"},
     "file": {"accept": ["image/*", "application/pdf"], "max_files": 3}}]})";

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Regular files under `root`, as paths relative to it.
std::set<std::string> files_under(const std::filesystem::path& root) {
  std::set<std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (e.is_regular_file()) out.insert(std::filesystem::relative(e.path(), root).string());
  }
  return out;
}

}  // namespace

TEST_CASE(
    "a backup holds every file its database names, not the transfers in progress, and a restore "
    "serves them",
    "[integration][backup][files]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  const std::string sdir = server.dir().root.string();
  {
    std::ofstream(tmp / "form.json") << kPhotoOrPdfForm;
    REQUIRE(
        server_cli({"forms", "publish", "--data-dir", sdir, (tmp / "form.json").string()}).code ==
        0);
  }
  auto c = make_collector(tmp / "post", server.enroll("Land post"));
  REQUIRE(c.sync({}).is_ok());
  auto lib = c.library();
  REQUIRE(lib.is_ok());
  const auto form = (*lib)->current("post-evidence");
  REQUIRE(form != nullptr);
  const auto capture = [&](const std::string& bytes, const std::string& name) {
    auto ref = c.capture_file(
        *form, "evidence",
        ByteView(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()), name);
    INFO(ref.status().to_string());
    REQUIRE(ref.is_ok());
    return *ref;
  };
  const auto submit = [&](const std::vector<forms::FileRef>& refs) {
    std::string answers = R"({"room": "lactation room", "evidence": )" +
                          boost::json::serialize(forms::file_answer_json(refs, true)) + "}";
    REQUIRE(c.submit("post-evidence", "", answers).is_ok());
  };
  const std::string photo = fake_jpeg(150 * 1024);
  const std::string pdf = "%PDF-1.7\nthe room's opening hours\n%%EOF\n";
  submit({capture(photo, "room.jpg"), capture(pdf, "hours.pdf")});
  auto sent = c.sync({});
  REQUIRE(sent.is_ok());
  REQUIRE(sent->files_sent == 2);
  // A third file stops half way: one of its chunks was altered on the post,
  // so the server holds its first chunks in files/partial/ and no more.
  const std::string big = fake_jpeg(5 * kFileChunkBytes + 100);
  submit({capture(big, "corridor.jpg")});
  {
    auto& db = c.store().db();
    auto st = db.prepare("SELECT data FROM file_chunks WHERE idx = 3");
    REQUIRE(st.is_ok());
    REQUIRE(*st->step());
    Bytes bad = st->column_blob(0);
    bad[100] ^= 0x01;
    auto up = db.prepare("UPDATE file_chunks SET data = ?1 WHERE idx = 3");
    REQUIRE(up.is_ok());
    REQUIRE(up->bind(1, ByteView(bad)).run().is_ok());
  }
  auto half = c.sync({});
  REQUIRE(half.is_ok());
  REQUIRE(half->files_sent == 0);
  REQUIRE(std::filesystem::exists(server.dir().root / "files" / "partial"));
  REQUIRE_FALSE(files_under(server.dir().root / "files" / "partial").empty());

  const auto folder = tmp / "backups" / "2026-12-03";
  const auto backup = server_cli({"backup", "--data-dir", sdir, "--out", folder.string()});
  INFO(backup.err);
  REQUIRE(backup.code == 0);
  // Exactly the two files held, under the same names, byte for byte as stored (encrypted).
  const std::set<std::string> held = {sha256_hex(photo).substr(0, 2) + "/" + sha256_hex(photo),
                                      sha256_hex(pdf).substr(0, 2) + "/" + sha256_hex(pdf)};
  CHECK(files_under(folder / "files") == held);
  for (const auto& name : held) {
    CHECK(slurp(folder / "files" / name) == slurp(server.dir().root / "files" / name));
    CHECK(slurp(folder / "files" / name).find("lactation") == std::string::npos);
  }
  CHECK_FALSE(std::filesystem::exists(folder / "files" / "partial"));
  CHECK_FALSE(std::filesystem::exists(folder / "files.partial"));
  CHECK((std::filesystem::status(folder / "files").permissions() & std::filesystem::perms::all) ==
        std::filesystem::perms::owner_all);
  {
    auto store = server.open_store();
    auto st = store.db().prepare("SELECT detail FROM audit_log WHERE action = 'backup'");
    REQUIRE(st.is_ok());
    REQUIRE(*st->step());
    CHECK_THAT(st->column_text(0), Catch::Contains("submissions=2 files=2"));
  }

  // The restore drill: `sync-server restore` copies the database, the keys
  // and the files the database names.
  const auto restored = tmp / "restored";
  const auto restore =
      server_cli({"restore", "--from", folder.string(), "--data-dir", restored.string()});
  INFO(restore.err);
  REQUIRE(restore.code == 0);
  const std::string bytes =
      std::to_string(sealed_file_size(photo.size()) + sealed_file_size(pdf.size()));
  CHECK_THAT(restore.out, Catch::Contains("Restored 2 file(s), " + bytes + " bytes."));
  std::string token;
  {
    auto store = server::ServerStore::open(server::DataDir{restored});
    REQUIRE(store.is_ok());
    auto t = store->create_admin_token("steward", server::Role::kSteward, unix_now());
    REQUIRE(t.is_ok());
    token = *t;
  }
  auto api = server::AdminApi::open(server::DataDir{restored});
  REQUIRE(api.is_ok());
  for (const auto& [bytes, name] : {std::pair{photo, "room.jpg"}, std::pair{pdf, "hours.pdf"}}) {
    INFO(name);
    server::AdminRequest req{boost::beast::http::verb::get, "/api/v1/files/" + sha256_hex(bytes),
                             11};
    req.set(boost::beast::http::field::host, "127.0.0.1:8443");
    req.set(boost::beast::http::field::authorization, "Bearer " + token);
    auto res = (*api)->handle(req, "127.0.0.1");
    REQUIRE(res.text.result() == boost::beast::http::status::ok);
    CHECK(res.text.body() == bytes);  // decrypted with the restored keys and checked
  }

  // A file the database names that is gone from the data folder: the
  // backup fails, naming it, and leaves nothing that looks complete.
  std::filesystem::remove(server.dir().root / "files" / *held.begin());
  const auto broken = tmp / "backups" / "broken";
  const auto failed = server_cli({"backup", "--data-dir", sdir, "--out", broken.string()});
  CHECK(failed.code != 0);
  CHECK_THAT(failed.err, Catch::Contains(*held.begin()) && Catch::Contains("missing") &&
                             Catch::Contains("no backup was written"));
  for (const char* left :
       {"server.db", "server.key", "files", "files.partial", "server.db.partial"}) {
    INFO(left);
    CHECK_FALSE(std::filesystem::exists(broken / left));
  }
}
