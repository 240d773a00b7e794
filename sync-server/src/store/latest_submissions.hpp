// The rows an export reads: the latest revision of each submission of a form
// (of one round, when given) that counts. A response whose code was used
// before, not issued or missing is kept but left out (code_store.hpp).
// Read inside the caller's read transaction, on the connection's thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "equitas/db/database.hpp"
#include "equitas/status/status.hpp"
#include "equitas/util/bytes.hpp"

namespace equitas::server {

// How many rows a LatestSubmissions over the same form and round gives.
// `every_revision`: every stored revision of each submission, not only the
// latest (a form that is not anonymous, whose responses were corrected).
Result<std::size_t> count_latest_submissions(Database& db, std::string_view form_id,
                                             const std::optional<std::string>& round,
                                             bool every_revision = false);

// The rows themselves, in the order they were stored.
class LatestSubmissions {
 public:
  static Result<LatestSubmissions> open(Database& db, std::string_view form_id,
                                        const std::optional<std::string>& round,
                                        bool every_revision = false);
  // True with a row, false after the last.
  Result<bool> next() { return st_.step(); }

  Bytes submission_id() const { return st_.column_blob(0); }
  std::int64_t revision() const { return st_.column_int64(1); }
  Bytes device_id() const { return st_.column_blob(2); }
  std::string form_version() const { return st_.column_text(3); }
  std::string submitted_at() const { return st_.column_text(4); }
  std::int64_t received_at() const { return st_.column_int64(5); }
  bool conflict() const { return st_.column_int64(6) != 0; }
  std::string answers() const { return st_.column_text(7); }  // JSON text
  std::string round() const { return st_.column_text(8); }

 private:
  explicit LatestSubmissions(Statement st) : st_(std::move(st)) {}
  Statement st_;
};

// Each device's site, keyed by the device id's bytes: a few hundred devices
// looked up once against 100,000 rows, not joined per row.
Result<std::unordered_map<std::string, std::string>> site_of_devices(Database& db);

}  // namespace equitas::server
