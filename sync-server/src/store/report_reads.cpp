#include "report_reads.hpp"

namespace equitas::server {
namespace {

Result<std::optional<std::int64_t>> optional_int(Statement& st) {
  EQ_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row || st.column_is_null(0)) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(st.column_int64(0));
}

}  // namespace

Status map_for_scans(Database& db) { return db.exec("PRAGMA mmap_size = 1073741824"); }

Result<std::optional<std::int64_t>> round_publication_order(Database& db, std::string_view form_id,
                                                            std::string_view round) {
  EQ_ASSIGN_OR_RETURN(
      Statement st,
      db.prepare("SELECT min(id) FROM form_rounds WHERE form_id = ?1 AND round = ?2"));
  st.bind(1, form_id).bind(2, round);
  return optional_int(st);
}

Result<std::optional<std::int64_t>> first_assessment_created(Database& db, std::string_view form_id,
                                                             std::string_view round) {
  EQ_ASSIGN_OR_RETURN(
      Statement st,
      db.prepare("SELECT min(created_at) FROM assessments WHERE form_id = ?1 AND round = ?2"));
  st.bind(1, form_id).bind(2, round);
  return optional_int(st);
}

Result<std::vector<DeviceSummary>> device_summaries(Database& db) {
  EQ_ASSIGN_OR_RETURN(Statement st,
                      db.prepare("SELECT rowid, device_id, site, status, last_seen_at FROM devices "
                                 "ORDER BY site, created_at"));
  std::vector<DeviceSummary> out;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) return out;
    DeviceSummary d;
    d.rowid = st.column_int64(0);
    d.id = st.column_blob(1);
    d.site = st.column_text(2);
    d.status = st.column_text(3);
    if (!st.column_is_null(4)) d.last_seen_at = st.column_int64(4);
    out.push_back(std::move(d));
  }
}

Result<std::optional<StoredAnswers>> stored_answers(Database& db, std::int64_t rowid) {
  EQ_ASSIGN_OR_RETURN(
      Statement st,
      db.prepare("SELECT answers, submission_id, submitted_at FROM submissions WHERE id = ?1"));
  st.bind(1, rowid);
  EQ_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row) return std::optional<StoredAnswers>();
  return std::optional<StoredAnswers>(
      StoredAnswers{st.column_text(0), st.column_blob(1), st.column_text(2)});
}

}  // namespace equitas::server
