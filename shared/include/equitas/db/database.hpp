// A thin RAII layer over SQLite: Database owns a sqlite3*, Statement owns a
// sqlite3_stmt*, Transaction is a scope guard.
//
// Threading: a Database is used by one thread at a time. Give each thread its
// own connection (WAL mode lets readers and the one writer proceed together).
// Every value reaches SQL through bind(); SQL text is never assembled from data.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "equitas/status/status.hpp"
#include "equitas/util/bytes.hpp"

namespace equitas {

class Database;

class Statement {
 public:
  Statement(Statement&&) noexcept = default;
  Statement& operator=(Statement&&) noexcept = default;

  // Binders are 1-based like SQLite's. The first failure is remembered and
  // reported by step()/run(), so calls can be chained.
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  Statement& bind(int index, const std::string& text) {
    return bind(index, std::string_view(text));
  }
  Statement& bind(int index, ByteView blob);
  Statement& bind_null(int index);

  // One step: true when a row is ready, false when done.
  Result<bool> step();
  // Steps to completion; for statements that return no rows.
  Status run();
  // Ready for new bindings and a fresh execution.
  void reset();

  std::int64_t column_int64(int i) const;
  std::string column_text(int i) const;
  Bytes column_blob(int i) const;
  bool column_is_null(int i) const;

 private:
  friend class Database;
  struct Finalizer {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
  };
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Status error(int rc) const;
  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
  int bind_rc_ = SQLITE_OK;
};

// A statement from a connection's cache (Database::cached). Use it like a
// Statement; when the handle goes, the statement is reset and its bindings
// cleared, so a half-read SELECT never holds a snapshot open. A handle must
// not outlive its Database.
class CachedStatement {
 public:
  CachedStatement(CachedStatement&& o) noexcept
      : borrowed_(std::exchange(o.borrowed_, nullptr)),
        in_use_(std::exchange(o.in_use_, nullptr)),
        owned_(std::move(o.owned_)) {}
  CachedStatement& operator=(CachedStatement&&) = delete;
  CachedStatement(const CachedStatement&) = delete;
  CachedStatement& operator=(const CachedStatement&) = delete;
  ~CachedStatement();

  Statement& operator*() { return borrowed_ != nullptr ? *borrowed_ : *owned_; }
  Statement* operator->() { return &**this; }

 private:
  friend class Database;
  CachedStatement(Statement* s, bool* in_use) : borrowed_(s), in_use_(in_use) {}
  explicit CachedStatement(Statement s) : owned_(std::move(s)) {}
  Statement* borrowed_ = nullptr;
  bool* in_use_ = nullptr;
  std::optional<Statement> owned_;  // when the cached one was already in use
};

// One numbered schema change. Applied in order inside a transaction; `PRAGMA
// user_version` records the highest applied.
struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

class Database {
 public:
  struct Options {
    bool read_only = false;
    bool create = true;
    // Overwrite deleted content with zeros (PRAGMA secure_delete): the
    // collector sets it so that freed pages keep no trace of what they held.
    bool secure_delete = false;
    int busy_timeout_ms = 10000;
  };

  // Opens (or creates) the file in WAL mode with synchronous=FULL and
  // foreign keys on.
  static Result<Database> open(const std::filesystem::path& path, Options options);
  static Result<Database> open(const std::filesystem::path& path) { return open(path, Options{}); }

  Database(Database&&) noexcept = default;
  Database& operator=(Database&&) noexcept = default;

  // Runs one or more statements with no parameters (schema, pragmas).
  Status exec(std::string_view sql);
  Result<Statement> prepare(std::string_view sql);
  // Like prepare(), but prepared once per connection and kept: for the
  // statements a hot path runs for every row. The SQL text is the key, so
  // it must be a constant, never built from data (it never is: values go
  // through bind()). If the cached statement is in use already, a fresh one
  // is prepared for this handle.
  Result<CachedStatement> cached(std::string_view sql);
  // Applies every migration above the current user_version.
  Status migrate(std::span<const Migration> migrations);
  // "ok", or the problems SQLite found.
  Result<std::string> integrity_check();

  std::int64_t last_insert_rowid() const;
  int changes() const;
  sqlite3* handle() const { return db_.get(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  struct Closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  struct CacheEntry {
    Statement statement;
    bool in_use = false;
  };
  using Cache = std::unordered_map<std::string, std::unique_ptr<CacheEntry>>;
  Database(std::unique_ptr<sqlite3, Closer> db, std::filesystem::path path)
      : db_(std::move(db)), path_(std::move(path)), cache_(std::make_unique<Cache>()) {}
  std::unique_ptr<sqlite3, Closer> db_;
  std::filesystem::path path_;
  // Declared after db_: the statements are finalized before the connection closes.
  std::unique_ptr<Cache> cache_;
};

// BEGIN in the constructor, ROLLBACK in the destructor unless commit() ran.
class Transaction {
 public:
  enum class Mode { kDeferred, kImmediate };
  // Check status() before use: BEGIN can fail (busy, I/O).
  explicit Transaction(Database& db, Mode mode = Mode::kImmediate);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  const Status& status() const { return begin_status_; }
  Status commit();

 private:
  Database& db_;
  Status begin_status_;
  bool open_ = false;
};

}  // namespace equitas
