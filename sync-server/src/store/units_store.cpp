#include "units_store.hpp"

#include <charconv>
#include <set>

namespace equitas::server {
namespace {

// Limits that keep a mistaken file (a whole HR extract) from becoming a
// table: far above the posts and units of any administration.
constexpr std::size_t kMaxRows = 10000;
constexpr std::size_t kMaxField = 200;

using Record = std::vector<std::string>;

// RFC 4180 records, each with the line it starts on. A quoted field may
// hold commas, doubled quotes and line breaks; CRLF and LF both end a record.
Result<std::vector<std::pair<std::size_t, Record>>> csv_records(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<std::pair<std::size_t, Record>> out;
  std::size_t line = 1, i = 0;
  while (i < text.size()) {
    const std::size_t start_line = line;
    Record rec;
    std::string field;
    bool quoted = false, was_quoted = false;
    for (;; ++i) {
      if (i == text.size()) {
        if (quoted)
          return Status::invalid_argument("line " + std::to_string(start_line) +
                                          ": a quote is never closed");
        break;
      }
      const char c = text[i];
      if (quoted) {
        if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else if (c == '"') {
          quoted = false;
        } else {
          if (c == '\n') ++line;
          field += c;
        }
      } else if (c == '"' && field.empty() && !was_quoted) {
        quoted = was_quoted = true;
      } else if (c == ',') {
        rec.push_back(std::move(field));
        field.clear();
        was_quoted = false;
      } else if (c == '\n' || c == '\r') {
        if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
        ++i;
        ++line;
        break;
      } else if (was_quoted) {
        return Status::invalid_argument("line " + std::to_string(line) +
                                        ": text after a closing quote");
      } else {
        field += c;
      }
    }
    rec.push_back(std::move(field));
    const bool blank = rec.size() == 1 && rec[0].empty();
    if (!blank) out.emplace_back(start_line, std::move(rec));
    if (out.size() > kMaxRows + 1) {
      return Status::invalid_argument("more than " + std::to_string(kMaxRows) +
                                      " rows: is this the right file?");
    }
  }
  return out;
}

std::string trimmed(std::string s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

std::string lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

// The records after a header that must name `columns`, in that order.
Result<std::vector<std::pair<std::size_t, Record>>> table(std::string_view text,
                                                          const std::vector<std::string>& columns,
                                                          std::string_view what) {
  EQ_ASSIGN_OR_RETURN(auto records, csv_records(text));
  std::string expected;
  for (const auto& c : columns) expected += (expected.empty() ? "" : ",") + c;
  if (records.empty())
    return Status::invalid_argument(std::string(what) +
                                    ": the file is empty (expected a header: " + expected + ")");
  Record header = records.front().second;
  for (auto& h : header) h = lower(trimmed(h));
  if (header != columns) {
    return Status::invalid_argument(std::string(what) + ": line 1 must be the header " + expected);
  }
  records.erase(records.begin());
  for (auto& [line, rec] : records) {
    if (rec.size() != columns.size()) {
      return Status::invalid_argument(std::string(what) + ": line " + std::to_string(line) +
                                      " has " + std::to_string(rec.size()) + " fields, not " +
                                      std::to_string(columns.size()));
    }
    for (auto& f : rec) {
      f = trimmed(std::move(f));
      if (f.size() > kMaxField) {
        return Status::invalid_argument(std::string(what) + ": line " + std::to_string(line) +
                                        ": a field over " + std::to_string(kMaxField) + " bytes");
      }
    }
  }
  return records;
}

}  // namespace

Result<std::vector<UnitMapping>> parse_units_csv(std::string_view text) {
  EQ_ASSIGN_OR_RETURN(auto records, table(text, {"site", "unit"}, "units"));
  std::vector<UnitMapping> out;
  std::map<std::string, std::size_t> seen;
  for (auto& [line, rec] : records) {
    if (rec[0].empty() || rec[1].empty()) {
      return Status::invalid_argument("units: line " + std::to_string(line) +
                                      " needs both a site and a unit");
    }
    const auto [it, fresh] = seen.emplace(rec[0], line);
    if (!fresh) {
      return Status::invalid_argument("units: line " + std::to_string(line) + " names site '" +
                                      rec[0] + "' again (first on line " +
                                      std::to_string(it->second) + ")");
    }
    out.push_back({std::move(rec[0]), std::move(rec[1])});
  }
  return out;
}

Result<std::vector<Headcount>> parse_headcounts_csv(std::string_view text) {
  EQ_ASSIGN_OR_RETURN(auto records, table(text, {"unit", "sex", "headcount"}, "headcounts"));
  std::vector<Headcount> out;
  std::set<std::pair<std::string, std::string>> seen;
  for (auto& [line, rec] : records) {
    const std::string where = "headcounts: line " + std::to_string(line);
    if (rec[0].empty()) return Status::invalid_argument(where + " has no unit");
    std::int64_t n = -1;
    const auto [end, ec] = std::from_chars(rec[2].data(), rec[2].data() + rec[2].size(), n);
    if (ec != std::errc() || end != rec[2].data() + rec[2].size() || n < 0 || n > 10'000'000) {
      return Status::invalid_argument(where + ": the headcount '" + rec[2] +
                                      "' is not a whole number from 0 to 10000000");
    }
    if (!seen.emplace(rec[0], rec[1]).second) {
      return Status::invalid_argument(where + " repeats unit '" + rec[0] + "'" +
                                      (rec[1].empty() ? "" : " and sex '" + rec[1] + "'"));
    }
    out.push_back({std::move(rec[0]), std::move(rec[1]), n});
  }
  return out;
}

Status UnitsStore::replace_units(const std::vector<UnitMapping>& units) {
  EQ_RETURN_IF_ERROR(db_.exec("DELETE FROM reporting_units"));
  EQ_ASSIGN_OR_RETURN(Statement st,
                      db_.prepare("INSERT INTO reporting_units (site, unit) VALUES (?1, ?2)"));
  for (const auto& u : units) {
    st.reset();
    EQ_RETURN_IF_ERROR(st.bind(1, u.site).bind(2, u.unit).run());
  }
  return Status::ok();
}

Result<std::vector<UnitMapping>> UnitsStore::units() {
  EQ_ASSIGN_OR_RETURN(Statement st,
                      db_.prepare("SELECT site, unit FROM reporting_units ORDER BY unit, site"));
  std::vector<UnitMapping> out;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    out.push_back({st.column_text(0), st.column_text(1)});
  }
  return out;
}

Result<std::map<std::string, std::string>> UnitsStore::unit_of_sites() {
  EQ_ASSIGN_OR_RETURN(Statement st,
                      db_.prepare("SELECT DISTINCT d.site, COALESCE(u.unit, d.site) FROM devices d "
                                  "LEFT JOIN reporting_units u ON u.site = d.site"));
  std::map<std::string, std::string> out;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    out[st.column_text(0)] = st.column_text(1);
  }
  return out;
}

Result<std::vector<std::pair<std::int64_t, std::string>>> UnitsStore::unit_of_devices() {
  EQ_ASSIGN_OR_RETURN(Statement st,
                      db_.prepare("SELECT d.rowid, COALESCE(u.unit, d.site) FROM devices d "
                                  "LEFT JOIN reporting_units u ON u.site = d.site"));
  std::vector<std::pair<std::int64_t, std::string>> out;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    out.emplace_back(st.column_int64(0), st.column_text(1));
  }
  return out;
}

Result<std::vector<std::string>> UnitsStore::sites() {
  EQ_ASSIGN_OR_RETURN(Statement st, db_.prepare("SELECT DISTINCT site FROM devices ORDER BY site"));
  std::vector<std::string> out;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    out.push_back(st.column_text(0));
  }
  return out;
}

Status UnitsStore::replace_headcounts(std::string_view round,
                                      const std::vector<Headcount>& counts) {
  EQ_ASSIGN_OR_RETURN(Statement del, db_.prepare("DELETE FROM headcounts WHERE round = ?1"));
  EQ_RETURN_IF_ERROR(del.bind(1, round).run());
  EQ_ASSIGN_OR_RETURN(
      Statement st,
      db_.prepare("INSERT INTO headcounts (round, unit, sex, headcount) VALUES (?1, ?2, ?3, ?4)"));
  for (const auto& h : counts) {
    st.reset();
    EQ_RETURN_IF_ERROR(st.bind(1, round).bind(2, h.unit).bind(3, h.sex).bind(4, h.headcount).run());
  }
  return Status::ok();
}

Result<std::vector<Headcount>> UnitsStore::headcounts_for(std::string_view round) {
  // The round's own headcounts when it has any, else the default ('').
  EQ_ASSIGN_OR_RETURN(
      Statement st,
      db_.prepare(
          "SELECT unit, sex, headcount FROM headcounts WHERE round = "
          "(CASE WHEN EXISTS (SELECT 1 FROM headcounts WHERE round = ?1) THEN ?1 ELSE '' END) "
          "ORDER BY unit, sex"));
  st.bind(1, round);
  std::vector<Headcount> out;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    out.push_back({st.column_text(0), st.column_text(1), st.column_int64(2)});
  }
  return out;
}

Result<std::vector<std::pair<std::string, Headcount>>> UnitsStore::all_headcounts() {
  EQ_ASSIGN_OR_RETURN(
      Statement st,
      db_.prepare("SELECT round, unit, sex, headcount FROM headcounts ORDER BY round, unit, sex"));
  std::vector<std::pair<std::string, Headcount>> out;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    out.emplace_back(st.column_text(0),
                     Headcount{st.column_text(1), st.column_text(2), st.column_int64(3)});
  }
  return out;
}

Result<bool> UnitsStore::has_headcounts() {
  EQ_ASSIGN_OR_RETURN(Statement st, db_.prepare("SELECT EXISTS (SELECT 1 FROM headcounts)"));
  EQ_ASSIGN_OR_RETURN(bool row, st.step());
  return row && st.column_int64(0) != 0;
}

}  // namespace equitas::server
