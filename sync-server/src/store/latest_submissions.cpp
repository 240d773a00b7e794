#include "latest_submissions.hpp"

namespace equitas::server {
namespace {

// Shared by the count and the scan so that they always agree. "No later
// revision" asks the partial index of revised copies
// (schema/sql/server/009_latest_revision.sql), which the term
// `s2.revision > 1` lets SQLite use.
constexpr const char* kEveryRevisionWhere =
    " FROM submissions s WHERE s.form_id = ?1 AND (?2 IS NULL OR s.round = ?2) AND s.code_flag = 0";
constexpr const char* kLatestOnly =
    " AND NOT EXISTS (SELECT 1 "
    "FROM submissions s2 WHERE s2.revision > 1 AND s2.submission_id = s.submission_id AND "
    "s2.revision > s.revision)";

std::string rows_where(bool every_revision) {
  return std::string(kEveryRevisionWhere) + (every_revision ? "" : kLatestOnly);
}

void bind_form(Statement& st, std::string_view form_id, const std::optional<std::string>& round) {
  st.bind(1, form_id);
  if (round) {
    st.bind(2, *round);
  } else {
    st.bind_null(2);
  }
}

}  // namespace

Result<std::size_t> count_latest_submissions(Database& db, std::string_view form_id,
                                             const std::optional<std::string>& round,
                                             bool every_revision) {
  EQ_ASSIGN_OR_RETURN(Statement count,
                      db.prepare(std::string("SELECT COUNT(*)") + rows_where(every_revision)));
  bind_form(count, form_id, round);
  EQ_ASSIGN_OR_RETURN(bool has, count.step());
  return has ? static_cast<std::size_t>(count.column_int64(0)) : 0;
}

Result<LatestSubmissions> LatestSubmissions::open(Database& db, std::string_view form_id,
                                                  const std::optional<std::string>& round,
                                                  bool every_revision) {
  EQ_ASSIGN_OR_RETURN(Statement st,
                      db.prepare("SELECT s.submission_id, s.revision, s.device_id, s.form_version, "
                                 "s.submitted_at, s.received_at, s.conflict, s.answers, s.round" +
                                 rows_where(every_revision) + " ORDER BY s.id"));
  bind_form(st, form_id, round);
  return LatestSubmissions(std::move(st));
}

Result<std::unordered_map<std::string, std::string>> site_of_devices(Database& db) {
  EQ_ASSIGN_OR_RETURN(Statement devices, db.prepare("SELECT device_id, site FROM devices"));
  std::unordered_map<std::string, std::string> out;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, devices.step());
    if (!row) return out;
    const Bytes id = devices.column_blob(0);
    out.emplace(std::string(id.begin(), id.end()), devices.column_text(1));
  }
}

}  // namespace equitas::server
