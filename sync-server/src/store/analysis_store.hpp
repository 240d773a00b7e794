// The analysis store: accepted submissions decoded once, on ingest, into rows
// that a report aggregates in one scan (schema/sql/server/003_analysis.sql).
//
// A row holds a submission's form, round, device and day as small integers,
// and its answers as a BLOB of one byte per column of the form's column
// dictionary. The dictionary belongs to the form, not to a version: a
// question is the same column in every version (matched by name) and a
// choice keeps its code, so all versions of a form merge into one dataset.
//   select_one / likert  one column; the byte is the choice's code (1..255)
//   select_multiple      one column per choice; 1 chosen, 2 not chosen
//   anything else        one column; 1 when answered (free text is never
//                        copied here: reports count it, they do not show it)
// 0 always means "no answer"; a row shorter than the dictionary (written
// before a column existed) has no answer in the missing columns. Items inside
// repeats are not coded (their repeat counts as answered).
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "equitas/db/database.hpp"
#include "equitas/status/status.hpp"

namespace equitas::server {

enum class ColumnKind { kOne, kMulti, kAnswered };

struct AnalysisColumn {
  std::string question;
  std::string choice;  // kMulti: the choice this column stands for
  ColumnKind kind = ColumnKind::kAnswered;
  std::vector<std::string> values;  // kOne: values[code]; values[0] is "" (no answer)
};

// The dictionary of one form as stored, with its rounds. Load it in the same
// read transaction as the rows it decodes.
struct AnalysisDictionary {
  std::int64_t form_ref = 0;
  std::vector<AnalysisColumn> columns;                      // index == byte position
  std::map<std::string, std::int64_t, std::less<>> rounds;  // round -> round_ref
  // Position of the question's column (for kMulti, of its `choice`), or -1.
  int position(std::string_view question, std::string_view choice = {}) const;
};

// nullopt when no submission of the form was ever decoded.
Result<std::optional<AnalysisDictionary>> load_analysis_dictionary(Database& db,
                                                                   std::string_view form_id);

// Days since 1970-01-01 of "YYYY-MM-DD..." (a date or an ISO 8601 time).
std::optional<std::int32_t> day_number(std::string_view iso);
std::string day_text(std::int32_t day);

// Reads the analysis rows of one form, a round at a time, straight from
// SQLite's buffers: a report over a million rows makes no allocation per row.
// Use it on the connection's thread, inside the caller's read transaction;
// a row's codes() are valid until the next call to next().
class AnalysisRowReader {
 public:
  // `with_rowid`: also read each row's submission rowid (record keys, row
  // lists); the plain scan reads only what it counts.
  static Result<AnalysisRowReader> open(Database& db, bool with_rowid);

  // Starts the rows of (form_ref, round_ref); next() steps through them.
  void start(std::int64_t form_ref, std::int64_t round_ref) {
    sqlite3_reset(st_.get());
    sqlite3_bind_int64(st_.get(), 1, form_ref);
    sqlite3_bind_int64(st_.get(), 2, round_ref);
  }
  // True with a row; false at the end of the round's rows or on a failure,
  // which status() then names.
  bool next() {
    const int rc = sqlite3_step(st_.get());
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE)
      failed_ = Status::io_error(std::string("reading the analysis store failed: ") +
                                 sqlite3_errmsg(db_));
    return false;
  }
  const Status& status() const { return failed_; }

  std::int64_t device_ref() const { return sqlite3_column_int64(st_.get(), 0); }
  std::int64_t day() const { return sqlite3_column_int64(st_.get(), 1); }
  std::span<const std::uint8_t> codes() const {
    const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(st_.get(), 2));
    return {data, static_cast<std::size_t>(sqlite3_column_bytes(st_.get(), 2))};
  }
  // Only when opened `with_rowid`.
  std::int64_t submission_rowid() const { return sqlite3_column_int64(st_.get(), 3); }

 private:
  struct Finalize {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
  };
  AnalysisRowReader(sqlite3* db, sqlite3_stmt* st) : db_(db), st_(st) {}
  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, Finalize> st_;
  Status failed_;
};

// For each analysis row of `form_id`: its round's name and its submission's
// rowid (the published counts of anonymous forms key on them).
Status for_each_round_row(
    Database& db, std::string_view form_id,
    const std::function<void(const std::string& round, std::int64_t rowid)>& visit);

// What the indexer needs of a submission just stored.
struct StoredSubmission {
  std::int64_t rowid = 0;  // submissions.id
  std::span<const std::uint8_t> submission_id;
  std::int64_t revision = 1;
  std::span<const std::uint8_t> device_id;
  std::string_view form_id;
  std::string_view form_version;
  std::string_view round;
  std::string_view submitted_at;
  std::int64_t received_at = 0;
  const boost::json::object* answers = nullptr;
};

// Writes the analysis store. One per connection (ServerStore owns one); not
// thread-safe, like the connection. It caches the dictionary and checks a
// token in analysis_meta on each call, so a rolled-back transaction or
// another process adding codes never leaves it using codes the database lacks.
class AnalysisIndexer {
 public:
  AnalysisIndexer();
  ~AnalysisIndexer();
  AnalysisIndexer(const AnalysisIndexer&) = delete;
  AnalysisIndexer& operator=(const AnalysisIndexer&) = delete;

  // Decodes one submission row. Call inside the transaction that stored it,
  // so the store is exact. A form (or version) this server does not know is
  // skipped: there is no definition to code it with. The latest revision of
  // a submission id wins (earlier revisions are found through the
  // submissions table). Idempotent.
  Status add(Database& db, const StoredSubmission& s);

  // Brings the store up to date with `submissions`: rebuilds it when it was
  // written by another coding, then decodes every submission above
  // analysis_meta.indexed_through, in transactions of a few thousand rows.
  // Returns how many submissions it decoded (0, cheaply, when up to date).
  Result<std::size_t> catch_up(Database& db);

  // CPU time the calling thread spent in add() so far (successful calls),
  // for the benchmark and docs/benchmarks.md.
  std::int64_t add_calls() const { return add_calls_; }
  std::int64_t add_nanoseconds() const { return add_ns_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::int64_t add_calls_ = 0;
  std::int64_t add_ns_ = 0;
};

}  // namespace equitas::server
