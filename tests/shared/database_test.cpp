#include "equitas/db/database.hpp"

#include <catch2/catch.hpp>

#include "equitas/db/migrations.hpp"
#include "equitas/util/embedded.hpp"
#include "temp_dir.hpp"

using namespace equitas;
using equitas::test::TempDir;

namespace {
const Migration kMigrations[] = {
    {1, "001_people.sql",
     "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL, photo BLOB);"},
    {2, "002_age.sql", "ALTER TABLE people ADD COLUMN age INTEGER;"},
};

std::int64_t scalar(Database& db, std::string_view sql) {
  auto st = db.prepare(sql);
  REQUIRE(st.is_ok());
  REQUIRE(*st->step());
  return st->column_int64(0);
}
}  // namespace

TEST_CASE("a database opens in WAL mode with full sync and applies migrations once", "[db]") {
  TempDir tmp;
  auto db = Database::open(tmp / "t.db");
  REQUIRE(db.is_ok());
  {
    auto mode = db->prepare("PRAGMA journal_mode");
    REQUIRE(*mode->step());
    CHECK(mode->column_text(0) == "wal");
  }
  CHECK(scalar(*db, "PRAGMA synchronous") == 2);  // FULL
  REQUIRE(db->migrate(kMigrations).is_ok());
  CHECK(scalar(*db, "PRAGMA user_version") == 2);
  REQUIRE(db->migrate(kMigrations).is_ok());  // idempotent
  CHECK(scalar(*db, "PRAGMA user_version") == 2);
}

TEST_CASE("a failing migration leaves the database at the previous version", "[db]") {
  TempDir tmp;
  auto db = Database::open(tmp / "t.db");
  REQUIRE(db->migrate(std::span(kMigrations, 1)).is_ok());
  const Migration broken[] = {
      kMigrations[0],
      {2, "002_broken.sql", "ALTER TABLE people ADD COLUMN x; SELECT nonsense FROM nowhere;"}};
  const Status s = db->migrate(broken);
  CHECK_FALSE(s.is_ok());
  CHECK_THAT(s.message(), Catch::Contains("002_broken.sql"));
  CHECK(scalar(*db, "PRAGMA user_version") == 1);
  // The partial ALTER was rolled back with the rest.
  CHECK_FALSE(db->prepare("SELECT x FROM people").is_ok());
}

TEST_CASE("statements bind text, integers, blobs and null", "[db]") {
  TempDir tmp;
  auto db = Database::open(tmp / "t.db");
  REQUIRE(db->migrate(kMigrations).is_ok());
  auto ins = db->prepare("INSERT INTO people (name, photo, age) VALUES (?1, ?2, ?3)");
  REQUIRE(ins.is_ok());
  const Bytes photo = {0, 1, 2, 0, 255};
  REQUIRE(ins->bind(1, "Amina ' ; DROP TABLE people; --")
              .bind(2, ByteView(photo))
              .bind(3, std::int64_t{41})
              .run()
              .is_ok());
  ins->reset();
  REQUIRE(ins->bind(1, "Empty").bind(2, ByteView()).bind_null(3).run().is_ok());
  auto sel = db->prepare("SELECT name, photo, age, typeof(photo) FROM people ORDER BY id");
  REQUIRE(*sel->step());
  CHECK(sel->column_text(0) == "Amina ' ; DROP TABLE people; --");
  CHECK(sel->column_blob(1) == photo);
  CHECK(sel->column_int64(2) == 41);
  REQUIRE(*sel->step());
  CHECK(sel->column_blob(1).empty());
  CHECK(sel->column_text(3) == "blob");  // an empty blob is not NULL
  CHECK(sel->column_is_null(2));
  CHECK_FALSE(*sel->step());
}

TEST_CASE("a transaction rolls back unless committed", "[db]") {
  TempDir tmp;
  auto db = Database::open(tmp / "t.db");
  REQUIRE(db->migrate(kMigrations).is_ok());
  {
    Transaction tx(*db);
    REQUIRE(tx.status().is_ok());
    REQUIRE(db->exec("INSERT INTO people (name) VALUES ('lost')").is_ok());
  }
  CHECK(scalar(*db, "SELECT COUNT(*) FROM people") == 0);
  {
    Transaction tx(*db);
    REQUIRE(db->exec("INSERT INTO people (name) VALUES ('kept')").is_ok());
    REQUIRE(tx.commit().is_ok());
  }
  CHECK(scalar(*db, "SELECT COUNT(*) FROM people") == 1);
  // A second connection sees the committed row: it is on disk.
  auto other = Database::open(tmp / "t.db");
  CHECK(scalar(*other, "SELECT COUNT(*) FROM people") == 1);
}

TEST_CASE("constraint violations and bad SQL are Statuses, not crashes", "[db]") {
  TempDir tmp;
  auto db = Database::open(tmp / "t.db");
  REQUIRE(db->migrate(kMigrations).is_ok());
  auto ins = db->prepare("INSERT INTO people (name) VALUES (?1)");
  const Status s = ins->bind_null(1).run();
  CHECK(s.code() == StatusCode::kAlreadyExists);  // SQLITE_CONSTRAINT (NOT NULL)
  CHECK_FALSE(db->prepare("SELEKT 1").is_ok());
  Database::Options ro;
  ro.create = false;
  CHECK_FALSE(Database::open(tmp / "missing.db", ro).is_ok());
}

TEST_CASE("the embedded schemas apply to fresh databases and pass integrity_check", "[db]") {
  TempDir tmp;
  // One database each: both sets begin with 001_initial.sql, and a shared
  // file let the server's migrations run over the collector's schema, where
  // they were skipped while the server had fewer than the collector.
  for (const auto& [files, name] : {std::pair{embedded::collector_sql(), "collector.db"},
                                    std::pair{embedded::server_sql(), "server.db"}}) {
    const auto migrations = migrations_from(files);
    REQUIRE_FALSE(migrations.empty());
    auto db = Database::open(tmp / name);
    REQUIRE(db.is_ok());
    const Status migrated = db->migrate(migrations);
    INFO(migrated.to_string());
    REQUIRE(migrated.is_ok());
    CHECK(*db->integrity_check() == "ok");
  }
}
