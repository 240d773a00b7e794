#include "exporter.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <map>
#include <vector>

namespace equitas::server {
namespace {

struct Row {
  std::string submission_id;
  std::int64_t revision = 0;
  std::string device_id;
  std::string site;
  std::string form_version;
  std::string round;
  std::string submitted_at;
  std::int64_t received_at = 0;
  bool conflict = false;
  boost::json::object answers;
};

constexpr const char* kMetaColumns[] = {"submission_id", "revision",     "device_id",
                                        "site",          "form_version", "round",
                                        "submitted_at",  "received_at",  "conflict"};

// Every text cell goes through here: quoted as RFC 4180 asks, and defused
// against formula injection (see defuse_formula).
std::string defuse_formula(std::string s);

std::string csv_text(std::string_view v);

std::string csv_field(std::string_view v) {
  const bool quote = v.find_first_of(",\"\r\n") != std::string_view::npos;
  if (!quote) return std::string(v);
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// A text answer that a spreadsheet would run as a formula is prefixed with an
// apostrophe (OWASP's advice on CSV injection). Numbers are never touched.
std::string defuse_formula(std::string s) {
  if (!s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' ||
                     s[0] == '\r')) {
    s.insert(s.begin(), '\'');
  }
  return s;
}

std::string csv_text(std::string_view v) { return csv_field(defuse_formula(std::string(v))); }

std::string render(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null: return "";
    case boost::json::kind::string: return defuse_formula(std::string(v.get_string()));
    case boost::json::kind::array: {
      // select_multiple answers travel as arrays; XLSForm users expect them
      // space-separated.
      std::string out;
      for (const auto& e : v.get_array()) {
        if (!out.empty()) out += ' ';
        out += e.is_string() ? std::string(e.get_string()) : boost::json::serialize(e);
      }
      return defuse_formula(out);
    }
    default: return boost::json::serialize(v);
  }
}

Result<std::vector<Row>> load_rows(ServerStore& store, const std::string& form_id) {
  EQ_ASSIGN_OR_RETURN(
      Statement st,
      store.db().prepare(
          "SELECT s.submission_id, s.revision, s.device_id, d.site, s.form_version, "
          "s.submitted_at, s.received_at, s.conflict, s.answers, s.round "
          "FROM submissions s JOIN devices d ON d.device_id = s.device_id "
          "WHERE s.form_id = ?1 AND s.revision = (SELECT MAX(revision) FROM submissions s2 "
          "WHERE s2.submission_id = s.submission_id) ORDER BY s.id"));
  st.bind(1, form_id);
  std::vector<Row> rows;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool has, st.step());
    if (!has) break;
    Row r;
    SubmissionId sid;
    DeviceId did;
    const Bytes sb = st.column_blob(0), db = st.column_blob(2);
    std::copy_n(sb.begin(), std::min<std::size_t>(16, sb.size()), sid.bytes.begin());
    std::copy_n(db.begin(), std::min<std::size_t>(16, db.size()), did.bytes.begin());
    r.submission_id = sid.to_string();
    r.revision = st.column_int64(1);
    r.device_id = did.to_string();
    r.site = st.column_text(3);
    r.form_version = st.column_text(4);
    r.submitted_at = st.column_text(5);
    r.received_at = st.column_int64(6);
    r.conflict = st.column_int64(7) != 0;
    boost::system::error_code ec;
    auto v = boost::json::parse(st.column_text(8), ec);
    if (ec || !v.is_object()) {
      return Status::corruption("stored answers of submission " + r.submission_id + " are not a JSON object");
    }
    r.answers = std::move(v.as_object());
    r.round = st.column_text(9);
    rows.push_back(std::move(r));
  }
  return rows;
}

void write_csv(const std::vector<Row>& rows, bool bom, std::ostream& out) {
  // Answer columns: every key seen, in order of first appearance.
  std::vector<std::string> keys;
  std::map<std::string, bool, std::less<>> seen;
  for (const Row& r : rows) {
    for (const auto& kv : r.answers) {
      if (seen.emplace(std::string(kv.key()), true).second) keys.emplace_back(kv.key());
    }
  }
  if (bom) out << "\xEF\xBB\xBF";
  bool first = true;
  for (const char* c : kMetaColumns) {
    out << (first ? "" : ",") << c;
    first = false;
  }
  for (const auto& k : keys) out << "," << csv_text(k);
  out << "\r\n";
  for (const Row& r : rows) {
    out << r.submission_id << "," << r.revision << "," << r.device_id << "," << csv_text(r.site) << ","
        << csv_text(r.form_version) << "," << csv_text(r.round) << "," << csv_text(r.submitted_at) << ","
        << iso8601_utc(r.received_at) << "," << (r.conflict ? 1 : 0);
    for (const auto& k : keys) {
      const auto* v = r.answers.if_contains(k);
      out << "," << (v != nullptr ? csv_field(render(*v)) : "");
    }
    out << "\r\n";
  }
}

void write_jsonl(const std::vector<Row>& rows, std::ostream& out) {
  for (const Row& r : rows) {
    boost::json::object o;
    o["submission_id"] = r.submission_id;
    o["revision"] = r.revision;
    o["device_id"] = r.device_id;
    o["site"] = r.site;
    o["form_version"] = r.form_version;
    o["round"] = r.round;
    o["submitted_at"] = r.submitted_at;
    o["received_at"] = iso8601_utc(r.received_at);
    o["conflict"] = r.conflict;
    o["answers"] = r.answers;
    out << boost::json::serialize(o) << "\n";
  }
}

}  // namespace

Result<std::size_t> export_submissions(ServerStore& store, const ExportOptions& options,
                                       std::ostream& out) {
  // One read transaction, so the export is a consistent snapshot even while
  // batches are being committed.
  Transaction snapshot(store.db(), Transaction::Mode::kDeferred);
  EQ_RETURN_IF_ERROR(snapshot.status());
  EQ_ASSIGN_OR_RETURN(auto rows, load_rows(store, options.form_id));
  if (options.format == ExportFormat::kCsv) {
    write_csv(rows, options.excel_bom, out);
  } else {
    write_jsonl(rows, out);
  }
  out.flush();
  if (!out) return Status::io_error("writing the export failed (disk full?)");
  return rows.size();
}

}  // namespace equitas::server
