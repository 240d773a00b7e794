#include "equitas/db/database.hpp"

namespace equitas {
namespace {

Status sqlite_status(sqlite3* db, int rc, std::string_view what) {
  std::string msg(what);
  msg += ": ";
  msg += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  const int primary = rc & 0xff;
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) return Status::corruption(msg);
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) return Status::unavailable(msg);
  if (primary == SQLITE_CONSTRAINT) return Status::already_exists(msg);
  // Retrying may work once space is freed (see collector's DiskReserve).
  if (primary == SQLITE_FULL) return Status::resource_exhausted(msg);
  if (primary == SQLITE_MISUSE || primary == SQLITE_RANGE || primary == SQLITE_ERROR) {
    return Status::internal(msg);
  }
  return Status::io_error(msg);
}

}  // namespace

Statement& Statement::bind(int index, std::int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_.get(), index, value);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  const int rc = sqlite3_bind_text64(stmt_.get(), index, text.data(), text.size(), SQLITE_TRANSIENT,
                                     SQLITE_UTF8);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Statement& Statement::bind(int index, ByteView blob) {
  // A zero-length blob must still be a blob, not NULL.
  static const std::uint8_t kEmpty = 0;
  const int rc = sqlite3_bind_blob64(stmt_.get(), index, blob.empty() ? &kEmpty : blob.data(),
                                     blob.size(), SQLITE_TRANSIENT);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Statement& Statement::bind_null(int index) {
  const int rc = sqlite3_bind_null(stmt_.get(), index);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Status Statement::error(int rc) const {
  return sqlite_status(db_, rc, std::string("SQL failed (") + sqlite3_sql(stmt_.get()) + ")");
}

Result<bool> Statement::step() {
  if (bind_rc_ != SQLITE_OK) return error(bind_rc_);
  const int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return error(rc);
}

Status Statement::run() {
  for (;;) {
    auto r = step();
    if (!r.is_ok()) return r.status();
    if (!*r) return Status::ok();
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
  bind_rc_ = SQLITE_OK;
}

std::int64_t Statement::column_int64(int i) const { return sqlite3_column_int64(stmt_.get(), i); }

std::string Statement::column_text(int i) const {
  const auto* p = sqlite3_column_text(stmt_.get(), i);
  const int n = sqlite3_column_bytes(stmt_.get(), i);
  return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p), n);
}

Bytes Statement::column_blob(int i) const {
  const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_.get(), i));
  const int n = sqlite3_column_bytes(stmt_.get(), i);
  return p == nullptr ? Bytes() : Bytes(p, p + n);
}

bool Statement::column_is_null(int i) const {
  return sqlite3_column_type(stmt_.get(), i) == SQLITE_NULL;
}

Result<Database> Database::open(const std::filesystem::path& path, Options options) {
  sqlite3* raw = nullptr;
  int flags = SQLITE_OPEN_NOMUTEX;  // one thread per connection, by contract
  flags |= options.read_only ? SQLITE_OPEN_READONLY
                             : (SQLITE_OPEN_READWRITE | (options.create ? SQLITE_OPEN_CREATE : 0));
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  std::unique_ptr<sqlite3, Closer> db(raw);
  if (rc != SQLITE_OK) {
    return sqlite_status(raw, rc, "cannot open database " + path.string());
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, options.busy_timeout_ms);
  Database d(std::move(db), path);
  std::string pragmas = "PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL;";
  if (!options.read_only) pragmas = "PRAGMA journal_mode=WAL; " + pragmas;
  if (options.secure_delete) pragmas += " PRAGMA secure_delete=ON;";
  if (Status s = d.exec(pragmas); !s.is_ok()) {
    return s.with_context("cannot configure database " + path.string());
  }
  return d;
}

Status Database::exec(std::string_view sql) {
  const std::string text(sql);
  char* err = nullptr;
  const int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    return sqlite_status(nullptr, rc, "SQL failed: " + msg);
  }
  return Status::ok();
}

Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc =
      sqlite3_prepare_v2(db_.get(), sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    return sqlite_status(db_.get(), rc, "cannot prepare SQL (" + std::string(sql) + ")");
  }
  return Statement(db_.get(), stmt);
}

Result<CachedStatement> Database::cached(std::string_view sql) {
  auto it = cache_->find(std::string(sql));
  if (it == cache_->end()) {
    EQ_ASSIGN_OR_RETURN(Statement st, prepare(sql));
    it = cache_
             ->emplace(std::string(sql),
                       std::make_unique<CacheEntry>(CacheEntry{std::move(st), false}))
             .first;
  }
  CacheEntry& e = *it->second;
  if (e.in_use) {
    EQ_ASSIGN_OR_RETURN(Statement fresh, prepare(sql));
    return CachedStatement(std::move(fresh));
  }
  e.in_use = true;
  return CachedStatement(&e.statement, &e.in_use);
}

CachedStatement::~CachedStatement() {
  if (borrowed_ != nullptr) {
    borrowed_->reset();
    *in_use_ = false;
  }
}

Status Database::migrate(std::span<const Migration> migrations) {
  EQ_ASSIGN_OR_RETURN(Statement get_version, prepare("PRAGMA user_version"));
  EQ_ASSIGN_OR_RETURN(bool has_row, get_version.step());
  const std::int64_t current = has_row ? get_version.column_int64(0) : 0;
  for (const Migration& m : migrations) {
    if (m.version <= current) continue;
    Transaction tx(*this);
    EQ_RETURN_IF_ERROR(tx.status());
    if (Status s = exec(m.sql); !s.is_ok()) {
      return s.with_context("schema migration " + std::to_string(m.version) + " (" +
                            std::string(m.name) + ") failed");
    }
    // PRAGMA takes no bound parameters; the version is our own integer.
    EQ_RETURN_IF_ERROR(exec("PRAGMA user_version=" + std::to_string(m.version)));
    EQ_RETURN_IF_ERROR(tx.commit());
  }
  return Status::ok();
}

Result<std::string> Database::integrity_check() {
  EQ_ASSIGN_OR_RETURN(Statement st, prepare("PRAGMA integrity_check"));
  std::string out;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    if (!out.empty()) out += "\n";
    out += st.column_text(0);
  }
  return out;
}

std::int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_.get()); }
int Database::changes() const { return sqlite3_changes(db_.get()); }

Transaction::Transaction(Database& db, Mode mode) : db_(db) {
  begin_status_ = db_.exec(mode == Mode::kImmediate ? "BEGIN IMMEDIATE" : "BEGIN");
  open_ = begin_status_.is_ok();
}

Transaction::~Transaction() {
  if (open_) (void)db_.exec("ROLLBACK");
}

Status Transaction::commit() {
  if (!open_) return Status::failed_precondition("transaction is not open");
  Status s = db_.exec("COMMIT");
  if (s.is_ok()) {
    open_ = false;
  }
  // On failure the destructor rolls back what is left.
  return s;
}

}  // namespace equitas
