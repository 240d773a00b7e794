#include "exporter.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "export_variables.hpp"
#include "stat_export.hpp"
#include "xlsx_export.hpp"

namespace equitas::server {
namespace {

// What the audit log needs to know besides the options.
struct Written {
  std::size_t rows = 0;
  bool anonymous = false;
  DisclosureReport disclosure;
  std::vector<FreeTextAnswer> comments;
  // CSV: each repeat's rows (the GEOAT action plan), as the text of a CSV
  // of their own, by repeat name. Small beside the export itself.
  std::map<std::string, std::string> repeats;
};

Written written_by(const ExportSource& source) {
  return Written{
      source.row_count(), source.anonymous(), source.disclosure(), source.comments(), {}};
}

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

// A text cell that a spreadsheet could run as a formula is defused with an
// apostrophe before the trigger (OWASP's advice on CSV injection). Not only
// at the start: a spreadsheet in a semicolon locale (fr, es, ru) splits the
// line at ';' whatever the quoting, and some trim leading blanks, so every
// trigger that could begin a field after a separator and blanks counts, and
// so do the full-width forms that some spreadsheets fold into ASCII.
// Numbers are never touched: they reach the CSV from numeric cells only.
std::string defuse_formula(std::string_view s) {
  static constexpr std::string_view kFullWidth[] = {"\xEF\xBC\x9D", "\xEF\xBC\x8B", "\xEF\xBC\x8D",
                                                    "\xEF\xBC\xA0"};  // U+FF1D = + - @
  auto is_trigger = [&](std::size_t i) {
    const char c = s[i];
    if (c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r') return true;
    for (std::string_view w : kFullWidth) {
      if (s.substr(i, w.size()) == w) return true;
    }
    return false;
  };
  std::string out;
  out.reserve(s.size() + 1);
  bool field_start = true;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (field_start && c == ' ') {
      out += c;
      continue;
    }
    if (field_start && is_trigger(i)) out += '\'';
    out += c;
    field_start = c == ',' || c == ';' || c == '\t' || c == '|' || c == '\n';
  }
  return out;
}

// Every text cell goes through here: defused, then quoted as RFC 4180 asks.
std::string csv_text(std::string_view v) { return csv_field(defuse_formula(v)); }

void write_csv_cell(const ExportCell& c, std::ostream& out) {
  switch (c.kind) {
    case ExportCell::Kind::kEmpty:
      break;
    case ExportCell::Kind::kNumber:
      out << c.text;
      break;
    case ExportCell::Kind::kBool:
      out << (c.text == "true" ? "1" : "0");
      break;
    case ExportCell::Kind::kText:
      out << csv_text(c.text);
      break;
  }
}

void write_csv_value(const ExportValue& v, std::ostream& out) {
  switch (v.kind) {
    case ExportValue::Kind::kBlank:
      break;
    case ExportValue::Kind::kNumber:
      out << v.text;
      break;
    case ExportValue::Kind::kText:
      out << csv_text(v.text);
      break;
  }
}

Status write_csv(ExportSource& source, const ExportOptions& options, std::ostream& out) {
  source.set_passes(2);
  EQ_RETURN_IF_ERROR(source.build_plan());
  const ExportLayout layout(source, LayoutOptions{options.labels, options.lang, false, false});
  if (options.excel_bom) out << "\xEF\xBB\xBF";
  bool first = true;
  for (const ExportVariable& v : layout.variables()) {
    out << (first ? "" : ",") << v.name;
    first = false;
  }
  out << "\r\n";
  std::vector<ExportValue> cells;
  return source.scan([&](const ExportRow& r) {
    layout.values(r, cells);
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (i != 0) out << ',';
      write_csv_value(cells[i], out);
    }
    out << "\r\n";
    // A full disk shows up here, not after a million more rows.
    return out ? Status::ok() : Status::io_error("writing the export failed (disk full?)");
  });
}

// The rows of every repeat, one CSV per repeat: the main file's first
// column (submission_id, or an anonymous export's row number) to link them,
// the row's place in its list, then the repeat's questions.
Result<std::map<std::string, std::string>> repeat_csvs(ExportSource& source,
                                                       const ExportOptions& options) {
  const ExportPlan& plan = source.plan();
  struct Repeat {
    std::size_t question;
    std::vector<ExportColumn> columns;
    std::ostringstream text;
  };
  std::vector<std::unique_ptr<Repeat>> repeats;
  const std::string key = meta_columns(source.anonymous()).front().name;
  for (const auto& c : source.columns()) {
    const ExportQuestion& q = plan.questions()[c.question];
    if (q.type != "repeat") continue;
    auto r = std::make_unique<Repeat>();
    r->question = c.question;
    r->columns = plan.repeat_columns(c.question);
    r->text << key << ",item";
    for (const auto& col : r->columns) r->text << "," << variable_name(col.header);
    r->text << "\r\n";
    repeats.push_back(std::move(r));
  }
  std::map<std::string, std::string> out;
  if (repeats.empty()) return out;
  EQ_RETURN_IF_ERROR(source.scan([&](const ExportRow& row) {
    const ExportCell id = meta_cells(row, source.anonymous()).front();
    for (auto& r : repeats) {
      const auto* items = row.answers.if_contains(plan.questions()[r->question].name);
      if (items == nullptr || !items->is_array()) continue;
      std::size_t n = 0;
      for (const auto& item : items->get_array()) {
        ++n;
        if (!item.is_object()) continue;
        write_csv_cell(id, r->text);
        r->text << "," << n;
        for (const auto& c : r->columns) {
          r->text << ',';
          write_csv_cell(plan.cell(c, item.get_object(), options.labels, options.lang), r->text);
        }
        r->text << "\r\n";
      }
    }
    return Status::ok();
  }));
  for (auto& r : repeats) out[plan.questions()[r->question].name] = r->text.str();
  return out;
}

Status write_jsonl(ExportSource& source, const ExportOptions& options, std::ostream& out) {
  return source.scan([&](const ExportRow& r) {
    boost::json::object o;
    if (source.anonymous()) {
      o["row"] = std::stoll(r.submission_id);
      o["unit"] = r.site.empty() ? boost::json::value(nullptr) : boost::json::value(r.site);
      o["form_version"] = r.form_version;
      o["round"] = r.round;
      // Copied into `o`'s storage (an anonymous row's answers live in the
      // source's arena, where a copy would stay until the export ends).
      if (options.labels) {
        o["answers"] = source.plan().labelled(r.answers, options.lang);
      } else {
        o["answers"] = r.answers;
      }
      out << boost::json::serialize(o) << "\n";
      return out ? Status::ok() : Status::io_error("writing the export failed (disk full?)");
    }
    o["submission_id"] = r.submission_id;
    o["revision"] = r.revision;
    o["device_id"] = r.device_id;
    o["site"] = r.site;
    o["form_version"] = r.form_version;
    o["round"] = r.round;
    o["submitted_at"] = r.submitted_at;
    o["received_at"] = iso8601_utc(r.received_at);
    o["conflict"] = r.conflict;
    o["answers"] = options.labels ? source.plan().labelled(r.answers, options.lang) : r.answers;
    out << boost::json::serialize(o) << "\n";
    return out ? Status::ok() : Status::io_error("writing the export failed (disk full?)");
  });
}

Result<std::unique_ptr<ExportSource>> open_source(ServerStore& store, const ExportOptions& options,
                                                  const ExportProgress& progress) {
  EQ_ASSIGN_OR_RETURN(
      auto source, ExportSource::open(store, options.form_id, options.round, options.clock->now(),
                                      options.every_revision));
  if (options.every_revision && source->anonymous()) {
    return Status::invalid_argument("form " + options.form_id +
                                    " is anonymous: its responses are never revised, and its "
                                    "export is released under disclosure control");
  }
  const auto& langs = source->plan().languages();
  const bool labelled = options.labels || options.format == ExportFormat::kSav ||
                        options.format == ExportFormat::kDta;
  if (labelled && !options.lang.empty() &&
      std::find(langs.begin(), langs.end(), options.lang) == langs.end()) {
    std::string known;
    for (const auto& l : langs) known += (known.empty() ? "" : ", ") + l;
    return Status::invalid_argument("form " + options.form_id + " has no labels in '" +
                                    options.lang + "'; it has: " + known);
  }
  source->set_progress(progress);
  return source;
}

// `repeats`: also gather each repeat's rows as a CSV (a CSV file export).
Result<Written> write_stream(ServerStore& store, const ExportOptions& options, std::ostream& out,
                             const ExportProgress& progress, bool repeats = false) {
  if (options.format == ExportFormat::kXlsx || options.format == ExportFormat::kSav ||
      options.format == ExportFormat::kDta) {
    const std::string name(export_format_name(options.format));
    return Status::invalid_argument("a ." + name + " file is written to a file: give --out FILE." +
                                    name);
  }
  EQ_ASSIGN_OR_RETURN(auto source, open_source(store, options, progress));
  EQ_RETURN_IF_ERROR(options.format == ExportFormat::kCsv ? write_csv(*source, options, out)
                                                          : write_jsonl(*source, options, out));
  out.flush();
  if (!out) return Status::io_error("writing the export failed (disk full?)");
  Written w = written_by(*source);
  if (repeats && options.format == ExportFormat::kCsv) {
    EQ_ASSIGN_OR_RETURN(w.repeats, repeat_csvs(*source, options));
  }
  return w;
}

Result<Written> write_file(ServerStore& store, const ExportOptions& options, const std::string& tmp,
                           const ExportProgress& progress) {
  if (options.format == ExportFormat::kCsv || options.format == ExportFormat::kJsonl) {
    std::ofstream file(tmp, std::ios::binary | std::ios::trunc);
    if (!file) return Status::io_error("cannot write " + tmp);
    EQ_ASSIGN_OR_RETURN(Written w, write_stream(store, options, file, progress, true));
    file.close();
    if (!file) return Status::io_error("cannot write " + tmp + " (disk full?)");
    return w;
  }
  EQ_ASSIGN_OR_RETURN(auto source, open_source(store, options, progress));
  source->set_passes(2);
  EQ_RETURN_IF_ERROR(source->build_plan());
  if (options.format == ExportFormat::kXlsx) {
    EQ_RETURN_IF_ERROR(write_xlsx(*source, options.labels, options.lang, tmp));
  } else {
    EQ_RETURN_IF_ERROR(write_stat_file(
        *source, options.format == ExportFormat::kSav ? StatFormat::kSav : StatFormat::kDta,
        options.lang, tmp));
  }
  return written_by(*source);
}

// The temporary file exists with mode 0600 before any byte of microdata is
// written to it; the writers then truncate it, which keeps the mode.
Status create_private(const std::string& tmp) {
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::io_error("cannot write " + tmp + ": " + std::strerror(errno));
  // A leftover .partial from a crashed export may have had a wider mode.
  const bool narrowed = ::fchmod(fd, 0600) == 0;
  ::close(fd);
  return narrowed ? Status::ok() : Status::io_error("cannot set permissions on " + tmp);
}

// The bytes are on disk before the rename makes them the export.
Status sync_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::io_error("cannot reopen " + path + ": " + std::strerror(errno));
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  return synced ? Status::ok() : Status::io_error("cannot sync " + path + " to disk");
}

// A file of microdata beside the export: written as `tmp` (0600), synced,
// then renamed into place, as the export itself is.
Status write_private_file(const std::filesystem::path& path, const std::string& text) {
  const std::string tmp = path.string() + ".partial";
  Status s = create_private(tmp);
  if (s.is_ok()) {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << text;
    f.close();
    s = f ? sync_file(tmp) : Status::io_error("cannot write " + tmp + " (disk full?)");
  }
  std::error_code ec;
  if (s.is_ok()) {
    std::filesystem::rename(tmp, path, ec);
    if (ec)
      s = Status::io_error("cannot move " + tmp + " into " + path.string() + ": " + ec.message());
  }
  if (!s.is_ok()) std::filesystem::remove(tmp, ec);
  return s;
}

}  // namespace

std::string_view export_format_name(ExportFormat f) {
  switch (f) {
    case ExportFormat::kCsv:
      return "csv";
    case ExportFormat::kJsonl:
      return "jsonl";
    case ExportFormat::kXlsx:
      return "xlsx";
    case ExportFormat::kSav:
      return "sav";
    case ExportFormat::kDta:
      return "dta";
  }
  return "?";
}

std::optional<ExportFormat> parse_export_format(std::string_view name) {
  for (ExportFormat f : {ExportFormat::kCsv, ExportFormat::kJsonl, ExportFormat::kXlsx,
                         ExportFormat::kSav, ExportFormat::kDta}) {
    if (export_format_name(f) == name) return f;
  }
  return std::nullopt;
}

Result<std::size_t> export_submissions(ServerStore& store, const ExportOptions& options,
                                       std::ostream& out, const ExportProgress& progress) {
  EQ_ASSIGN_OR_RETURN(Written w, write_stream(store, options, out, progress));
  return w.rows;
}

std::filesystem::path repeat_path(const std::filesystem::path& export_path,
                                  const std::string& repeat) {
  std::filesystem::path p = export_path;
  p.replace_extension();
  p += "." + variable_name(repeat) + ".csv";
  return p;
}

std::filesystem::path comments_path(const std::filesystem::path& export_path) {
  std::filesystem::path p = export_path;
  p.replace_extension();
  p += ".comments.csv";
  return p;
}

Result<ExportSummary> run_export(ServerStore& store, const ExportOptions& options,
                                 const std::optional<std::filesystem::path>& path,
                                 std::ostream& out, const ExportProgress& progress) {
  Written written;
  std::string destination = "stdout";
  std::optional<std::filesystem::path> comments_file;
  std::vector<std::filesystem::path> repeat_files;
  auto withdraw = [&] {
    std::error_code ec;
    if (path) std::filesystem::remove(*path, ec);
    if (comments_file) std::filesystem::remove(*comments_file, ec);
    for (const auto& r : repeat_files) std::filesystem::remove(r, ec);
  };
  if (!path) {
    EQ_ASSIGN_OR_RETURN(written, write_stream(store, options, out, progress));
  } else {
    const std::string tmp = path->string() + ".partial";
    EQ_RETURN_IF_ERROR(create_private(tmp));
    auto w = write_file(store, options, tmp, progress);
    Status s = w.is_ok() ? sync_file(tmp) : w.status();
    std::error_code ec;
    if (s.is_ok()) {
      std::filesystem::rename(tmp, *path, ec);
      if (ec)
        s = Status::io_error("cannot move the export into " + path->string() + ": " + ec.message());
    }
    if (!s.is_ok()) {
      std::filesystem::remove(tmp, ec);
      return s;
    }
    written = std::move(*w);
    destination = std::filesystem::absolute(*path, ec).string();
    // An anonymous form's free text: a file of its own, one answer per row
    // in random order, nothing else in it (not even the row number).
    if (written.anonymous && options.write_comments && !written.comments.empty()) {
      std::ostringstream c;
      c << "question,answer\r\n";
      for (const auto& a : written.comments)
        c << csv_text(a.question) << "," << csv_text(a.text) << "\r\n";
      comments_file = comments_path(*path);
      if (Status cs = write_private_file(*comments_file, c.str()); !cs.is_ok()) {
        comments_file.reset();
        withdraw();
        return cs.with_context("the export was withdrawn");
      }
    }
    // Each repeat's rows beside it: FILE.action_plan.csv.
    for (const auto& [name, text] : written.repeats) {
      repeat_files.push_back(repeat_path(*path, name));
      if (Status rs = write_private_file(repeat_files.back(), text); !rs.is_ok()) {
        repeat_files.pop_back();
        withdraw();
        return rs.with_context("the export was withdrawn");
      }
    }
  }
  // After the snapshot has ended (ExportSource is gone): this is a write.
  std::string detail = "form=" + options.form_id +
                       " format=" + std::string(export_format_name(options.format)) +
                       " rows=" + std::to_string(written.rows);
  if (options.round) detail += " round=" + *options.round;
  if (options.every_revision) detail += " all-revisions";
  if (options.labels)
    detail += " labels=" + (options.lang.empty() ? std::string("default") : options.lang);
  if (written.anonymous) {
    detail += " anonymous-form k=" + std::to_string(written.disclosure.k) +
              " withheld=" + std::to_string(written.disclosure.cells_suppressed);
    if (comments_file) detail += " comments=" + std::to_string(written.comments.size());
  }
  for (const auto& [name, text] : written.repeats) detail += " repeat=" + name;
  detail += " to=" + (options.destination.empty() ? destination : options.destination);
  if (Status s = store.audit(options.actor, "export", detail, options.clock->now()); !s.is_ok()) {
    if (path) {
      // No microdata leaves without a trace: an unrecorded file is withdrawn.
      withdraw();
      return s.with_context("the export could not be recorded in the audit log, so " +
                            path->string() + " was removed");
    }
    return s.with_context("the export was written but could not be recorded in the audit log");
  }
  ExportSummary summary;
  summary.rows = written.rows;
  summary.anonymous = written.anonymous;
  summary.k = written.disclosure.k;
  summary.withheld = written.disclosure.cells_suppressed;
  summary.comments = comments_file ? written.comments.size() : 0;
  summary.comments_withheld = comments_file ? 0 : written.comments.size();
  if (comments_file) summary.comments_file = *comments_file;
  summary.repeat_files = repeat_files;
  return summary;
}

}  // namespace equitas::server
