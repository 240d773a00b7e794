// The read side of the analysis store: its dictionary, and day numbers.
#include <cstdio>

#include "analysis_store.hpp"

namespace equitas::server {
namespace {

ColumnKind parse_kind(const std::string& s) {
  if (s == "one") return ColumnKind::kOne;
  if (s == "multi") return ColumnKind::kMulti;
  return ColumnKind::kAnswered;
}

}  // namespace

int AnalysisDictionary::position(std::string_view question, std::string_view choice) const {
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].question == question && columns[i].choice == choice) return static_cast<int>(i);
  }
  return -1;
}

std::optional<std::int32_t> day_number(std::string_view iso) {
  if (iso.size() < 10 || iso[4] != '-' || iso[7] != '-') return std::nullopt;
  int v[3] = {0, 0, 0};
  const std::size_t starts[3] = {0, 5, 8}, lens[3] = {4, 2, 2};
  for (int i = 0; i < 3; ++i) {
    for (std::size_t k = 0; k < lens[i]; ++k) {
      const char c = iso[starts[i] + k];
      if (c < '0' || c > '9') return std::nullopt;
      v[i] = v[i] * 10 + (c - '0');
    }
  }
  if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31) return std::nullopt;
  // Days from civil (Howard Hinnant's algorithm).
  const int y = v[0] - (v[1] <= 2 ? 1 : 0);
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int mp = (v[1] + 9) % 12;
  const int doy = (153 * mp + 2) / 5 + v[2] - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

std::string day_text(std::int32_t day) {
  const int z = day + 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const int doe = z - era * 146097;
  const int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int mp = (5 * doy + 2) / 153;
  const int d = doy - (153 * mp + 2) / 5 + 1;
  const int m = mp < 10 ? mp + 3 : mp - 9;
  const int y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  return buf;
}

Result<std::optional<AnalysisDictionary>> load_analysis_dictionary(Database& db,
                                                                   std::string_view form_id) {
  EQ_ASSIGN_OR_RETURN(Statement f,
                      db.prepare("SELECT form_ref FROM analysis_forms WHERE form_id = ?1"));
  f.bind(1, form_id);
  EQ_ASSIGN_OR_RETURN(bool has, f.step());
  if (!has) return std::optional<AnalysisDictionary>();
  AnalysisDictionary d;
  d.form_ref = f.column_int64(0);
  EQ_ASSIGN_OR_RETURN(Statement cols,
                      db.prepare("SELECT position, question, choice, kind FROM analysis_columns "
                                 "WHERE form_ref = ?1 ORDER BY position"));
  cols.bind(1, d.form_ref);
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, cols.step());
    if (!row) break;
    const auto pos = static_cast<std::size_t>(cols.column_int64(0));
    if (pos >= d.columns.size()) d.columns.resize(pos + 1);
    AnalysisColumn& c = d.columns[pos];
    c.question = cols.column_text(1);
    c.choice = cols.column_text(2);
    c.kind = parse_kind(cols.column_text(3));
    c.values.assign(1, "");
  }
  EQ_ASSIGN_OR_RETURN(Statement codes,
                      db.prepare("SELECT position, code, value FROM analysis_codes "
                                 "WHERE form_ref = ?1"));
  codes.bind(1, d.form_ref);
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, codes.step());
    if (!row) break;
    const auto pos = static_cast<std::size_t>(codes.column_int64(0));
    const auto code = static_cast<std::size_t>(codes.column_int64(1));
    if (pos >= d.columns.size()) continue;
    auto& values = d.columns[pos].values;
    if (code >= values.size()) values.resize(code + 1);
    values[code] = codes.column_text(2);
  }
  EQ_ASSIGN_OR_RETURN(
      Statement rounds,
      db.prepare("SELECT round, round_ref FROM analysis_rounds WHERE form_ref = ?1"));
  rounds.bind(1, d.form_ref);
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, rounds.step());
    if (!row) break;
    d.rounds[rounds.column_text(0)] = rounds.column_int64(1);
  }
  return std::optional<AnalysisDictionary>(std::move(d));
}

}  // namespace equitas::server
