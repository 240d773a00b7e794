#include "stat_export.hpp"

#include <readstat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>

#include "export_variables.hpp"

namespace equitas::server {
namespace {

// Stata 14's format (118): UTF-8 text, 2,045-byte strings, and strL for
// longer text (a free-text answer of a few paragraphs), which Stata keeps
// whole up to 2 GB.
constexpr std::uint8_t kDtaVersion = 118;
constexpr std::size_t kDtaMaxString = 2045;
constexpr std::size_t kSavMaxString = 32767;
constexpr std::size_t kSavValueLabel = 120;  // bytes SPSS keeps of a value label
constexpr std::size_t kSavVariableLabel = 255;
constexpr std::size_t kDtaLabel = 80;  // characters, variable and data labels

struct WriterFree {
  void operator()(readstat_writer_t* w) const { readstat_writer_free(w); }
};
struct FileClose {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

// Whole UTF-8 characters, at most `max_bytes` of them and `max_chars`.
std::string cut(const std::string& s, std::size_t max_bytes, std::size_t max_chars = SIZE_MAX) {
  std::size_t end = 0, chars = 0;
  while (end < s.size() && chars < max_chars) {
    std::size_t len = 1;
    const auto lead = static_cast<unsigned char>(s[end]);
    if (lead >= 0xF0)
      len = 4;
    else if (lead >= 0xE0)
      len = 3;
    else if (lead >= 0xC0)
      len = 2;
    if (end + len > max_bytes || end + len > s.size()) break;
    end += len;
    ++chars;
  }
  return s.substr(0, end);
}

// Days since 1970-01-01 of "YYYY-MM-DD", and the seconds into that day of
// a "YYYY-MM-DDTHH:MM:SS" that follows; nullopt when `s` is not one.
struct CivilTime {
  std::int64_t days = 0;
  std::int64_t seconds = 0;
};
std::optional<CivilTime> parse_civil(std::string_view s) {
  auto num = [&](std::size_t at, std::size_t len, int& out) {
    if (at + len > s.size()) return false;
    out = 0;
    for (std::size_t i = at; i < at + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      out = out * 10 + (s[i] - '0');
    }
    return true;
  };
  int y = 0, m = 0, d = 0;
  if (s.size() < 10 || s[4] != '-' || s[7] != '-' || !num(0, 4, y) || !num(5, 2, m) ||
      !num(8, 2, d)) {
    return std::nullopt;
  }
  const std::chrono::year_month_day ymd{std::chrono::year{y},
                                        std::chrono::month{static_cast<unsigned>(m)},
                                        std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  CivilTime t;
  t.days = std::chrono::sys_days{ymd}.time_since_epoch().count();
  int hh = 0, mm = 0, ss = 0;
  if (s.size() >= 19 && s[10] == 'T' && s[13] == ':' && s[16] == ':' && num(11, 2, hh) &&
      num(14, 2, mm) && num(17, 2, ss) && hh < 24 && mm < 60 && ss < 61) {
    t.seconds = hh * 3600 + mm * 60 + ss;
  } else if (s.size() != 10) {
    return std::nullopt;
  }
  return t;
}

// The epochs of the two formats, in days before 1970-01-01: Stata counts
// from 1960-01-01 (days for %td, milliseconds for %tc), SPSS from
// 1582-10-14 (seconds, for dates and date-times alike).
constexpr std::int64_t kStataEpochDays = 3653;
constexpr std::int64_t kSpssEpochDays = 141428;

ssize_t write_bytes(const void* data, size_t len, void* ctx) {
  auto* f = static_cast<std::FILE*>(ctx);
  return std::fwrite(data, 1, len, f) == len ? static_cast<ssize_t>(len) : -1;
}

Status check(readstat_error_t e, const std::string& what) {
  if (e == READSTAT_OK) return Status::ok();
  return Status::io_error(what + ": " + readstat_error_message(e));
}

class StatWriter {
 public:
  StatWriter(ExportSource& source, StatFormat format, const std::string& lang)
      : source_(source),
        format_(format),
        layout_(source, LayoutOptions{false, lang, true, true}),
        max_string_(format == StatFormat::kDta ? kDtaMaxString : kSavMaxString) {}

  Status write(const std::filesystem::path& path) {
    std::unique_ptr<std::FILE, FileClose> file(std::fopen(path.c_str(), "wb"));
    if (!file) return Status::io_error("cannot write " + path.string());
    std::unique_ptr<readstat_writer_t, WriterFree> w(readstat_writer_init());
    if (!w) return Status::internal("ReadStat could not start a writer");
    writer_ = w.get();
    EQ_RETURN_IF_ERROR(check(readstat_set_data_writer(writer_, write_bytes), "ReadStat"));
    if (format_ == StatFormat::kDta) {
      EQ_RETURN_IF_ERROR(
          check(readstat_writer_set_file_format_version(writer_, kDtaVersion), "ReadStat"));
    } else {
      // Row compression, which every SPSS version reads.
      EQ_RETURN_IF_ERROR(
          check(readstat_writer_set_compression(writer_, READSTAT_COMPRESS_ROWS), "ReadStat"));
    }
    add_label_sets();
    add_variables();
    add_notes();

    // ReadStat places a strL by the references made before the first row
    // (a reference made while rows are written gave a file R's haven
    // refused): one pass first makes a reference for every cell of every
    // strL column, in the order the writing pass inserts them.
    if (std::find(strl_.begin(), strl_.end(), true) != strl_.end()) {
      source_.set_passes(3);
      std::vector<ExportValue> cells;
      EQ_RETURN_IF_ERROR(source_.scan([&](const ExportRow& r) {
        layout_.values(r, cells);
        for (std::size_t i = 0; i < cells.size(); ++i) {
          if (!strl_[i]) continue;
          readstat_string_ref_t* ref = readstat_add_string_ref(writer_, cells[i].text.c_str());
          if (ref == nullptr)
            return Status::resource_exhausted("out of memory for the Stata file's long texts");
          refs_.push_back(ref);
        }
        return Status::ok();
      }));
    }
    const long rows = static_cast<long>(source_.row_count());
    EQ_RETURN_IF_ERROR(check(format_ == StatFormat::kDta
                                 ? readstat_begin_writing_dta(writer_, file.get(), rows)
                                 : readstat_begin_writing_sav(writer_, file.get(), rows),
                             "cannot start " + path.string()));
    std::vector<ExportValue> cells;
    EQ_RETURN_IF_ERROR(source_.scan([&](const ExportRow& r) {
      layout_.values(r, cells);
      EQ_RETURN_IF_ERROR(check(readstat_begin_row(writer_), "writing a row"));
      for (std::size_t i = 0; i < cells.size(); ++i) EQ_RETURN_IF_ERROR(put(i, cells[i]));
      return check(readstat_end_row(writer_), "writing a row (disk full?)");
    }));
    EQ_RETURN_IF_ERROR(check(readstat_end_writing(writer_), "cannot finish " + path.string()));
    std::FILE* f = file.release();
    if (std::fflush(f) != 0 || std::ferror(f) != 0) {
      std::fclose(f);
      return Status::io_error("cannot write " + path.string() + " (disk full?)");
    }
    if (std::fclose(f) != 0)
      return Status::io_error("cannot write " + path.string() + " (disk full?)");
    return Status::ok();
  }

 private:
  void add_label_sets() {
    for (const auto& [name, set] : layout_.value_sets()) {
      const bool dta = format_ == StatFormat::kDta;
      readstat_label_set_t* s = readstat_add_label_set(
          writer_, dta ? READSTAT_TYPE_INT32 : READSTAT_TYPE_DOUBLE, name.c_str());
      for (const auto& v : set.values) {
        if (!dta) {
          readstat_label_double_value(s, v.value, cut(v.label, kSavValueLabel).c_str());
        } else if (v.value == std::floor(v.value) && std::fabs(v.value) < 2e9) {
          // Stata labels integers only; a decimal code keeps its number.
          readstat_label_int32_value(s, static_cast<std::int32_t>(v.value),
                                     cut(v.label, 32000).c_str());
        }
      }
      for (const auto& r : set.reasons) {
        if (dta) {
          readstat_label_tagged_value(s, r.stata, r.label.c_str());
        } else {
          readstat_label_double_value(s, r.spss, cut(r.label, kSavValueLabel).c_str());
        }
      }
      sets_[name] = s;
    }
  }

  void add_variables() {
    const ExportPlan& plan = source_.plan();
    for (const ExportVariable& v : layout_.variables()) {
      const std::size_t width = std::min(std::max<std::size_t>(v.width, 1), max_string_);
      // Stata: text longer than a str2045 becomes a strL, kept whole.
      const bool timed = time_kind(v) != Time::kNone;
      const bool strl =
          format_ == StatFormat::kDta && !v.numeric && !timed && v.width > kDtaMaxString;
      if (!v.numeric && !timed && !strl && v.width > max_string_) cut_variables_.push_back(v.name);
      strl_.push_back(strl);
      readstat_variable_t* rv = readstat_add_variable(writer_, v.name.c_str(),
                                                      v.numeric || timed ? READSTAT_TYPE_DOUBLE
                                                      : strl             ? READSTAT_TYPE_STRING_REF
                                                                         : READSTAT_TYPE_STRING,
                                                      v.numeric || timed || strl ? 0 : width);
      const std::string label = format_ == StatFormat::kDta ? cut(v.label, kDtaLabel * 4, kDtaLabel)
                                                            : cut(v.label, kSavVariableLabel);
      readstat_variable_set_label(rv, label.c_str());
      readstat_measure_t measure = v.numeric ? READSTAT_MEASURE_SCALE : READSTAT_MEASURE_NOMINAL;
      if (v.numeric && !v.meta && !v.is_companion) {
        const ExportQuestion& q = plan.questions()[source_.columns()[v.index].question];
        if (q.type == "likert")
          measure = READSTAT_MEASURE_ORDINAL;
        else if (q.select || q.type == "acknowledge")
          measure = READSTAT_MEASURE_NOMINAL;
      }
      readstat_variable_set_measure(rv, measure);
      // A date question and the times of a submission are dates to SPSS,
      // Stata and R (haven reads them as Date and POSIXct), not text; a
      // blank's reason stays in the NAME_miss companion.
      const Time kind = time_kind(v);
      times_.push_back(kind);
      if (kind != Time::kNone) {
        const bool dta = format_ == StatFormat::kDta;
        readstat_variable_set_format(
            rv, kind == Time::kDate ? (dta ? "%td" : "DATE11") : (dta ? "%tc" : "DATETIME20"));
        readstat_variable_set_measure(rv, READSTAT_MEASURE_SCALE);
      }
      if (v.numeric && !v.value_set.empty()) {
        if (auto it = sets_.find(v.value_set); it != sets_.end())
          readstat_variable_set_label_set(rv, it->second);
      }
      if (format_ == StatFormat::kSav && v.numeric && !v.reasons.empty() && v.declare_range) {
        readstat_variable_add_missing_double_range(rv, -99, -91);
      }
      variables_.push_back(rv);
    }
  }

  enum class Time { kNone, kDate, kDateTime };
  Time time_kind(const ExportVariable& v) const {
    if (v.numeric || v.is_companion) return Time::kNone;
    if (v.meta)
      return v.path == "submitted_at" || v.path == "received_at" ? Time::kDateTime : Time::kNone;
    const ExportPlan& plan = source_.plan();
    return plan.questions()[source_.columns()[v.index].question].type == "date" ? Time::kDate
                                                                                : Time::kNone;
  }

  void add_notes() {
    // SPSS keeps notes as lines of 80 characters.
    readstat_add_note(writer_, "Exported by Equitas sync-server. Blanks carry their reason as");
    readstat_add_note(
        writer_,
        format_ == StatFormat::kDta
            ? "missing values: .s skipped, .u unanswered, .w withheld, .x not released."
            : "missing values: -99 skipped, -98 unanswered, -96 withheld, -97 not released.");
    if (source_.anonymous()) {
      const std::string note =
          "Anonymous form: released under disclosure control (k-anonymity, k=" +
          std::to_string(source_.disclosure().k) + ").";
      readstat_add_note(writer_, note.c_str());
    }
    for (const auto& name : cut_variables_) {
      readstat_add_note(
          writer_,
          cut("Values longer than " + std::to_string(max_string_) + " bytes are cut: " + name, 80)
              .c_str());
    }
  }

  Status put(std::size_t i, const ExportValue& cell) {
    const ExportVariable& v = layout_.variables()[i];
    readstat_variable_t* rv = variables_[i];
    readstat_error_t e = READSTAT_OK;
    if (times_[i] != Time::kNone) {
      const auto t = parse_civil(cell.text);
      if (!t) {
        e = readstat_insert_missing_value(writer_, rv);
      } else if (format_ == StatFormat::kDta) {
        const double days = static_cast<double>(t->days + kStataEpochDays);
        e = readstat_insert_double_value(
            writer_, rv, times_[i] == Time::kDate ? days : (days * 86400.0 + t->seconds) * 1000.0);
      } else {
        const double seconds = static_cast<double>(t->days + kSpssEpochDays) * 86400.0;
        e = readstat_insert_double_value(writer_, rv,
                                         times_[i] == Time::kDate ? seconds : seconds + t->seconds);
      }
    } else if (strl_[i]) {
      if (next_ref_ >= refs_.size())
        return Status::internal("the rows changed between the passes over them");
      e = readstat_insert_string_ref(writer_, rv, refs_[next_ref_++]);
    } else if (!v.numeric) {
      e = readstat_insert_string_value(writer_, rv, cut(cell.text, max_string_).c_str());
    } else if (cell.kind == ExportValue::Kind::kNumber) {
      e = readstat_insert_double_value(writer_, rv, cell.number);
    } else if (cell.reason == nullptr) {  // NOLINT(bugprone-branch-clone)
      e = readstat_insert_missing_value(writer_, rv);
    } else if (format_ == StatFormat::kDta) {
      e = readstat_insert_tagged_missing_value(writer_, rv, cell.reason->stata);
    } else if (v.declare_range) {
      e = readstat_insert_double_value(writer_, rv, cell.reason->spss);
    } else {
      e = readstat_insert_missing_value(writer_, rv);
    }
    // The message is made only on an error: this runs for every cell.
    return e == READSTAT_OK ? Status::ok() : check(e, "writing " + v.name);
  }

  ExportSource& source_;
  StatFormat format_;
  ExportLayout layout_;
  std::size_t max_string_;
  readstat_writer_t* writer_ = nullptr;
  std::map<std::string, readstat_label_set_t*> sets_;
  std::vector<readstat_variable_t*> variables_;
  std::vector<std::string> cut_variables_;
  std::vector<bool> strl_;   // per variable: a Stata strL
  std::vector<Time> times_;  // per variable: a date or date-time
  std::vector<readstat_string_ref_t*>
      refs_;  // owned by the writer; row by row, strL columns in order
  std::size_t next_ref_ = 0;
};

}  // namespace

Status write_stat_file(ExportSource& source, StatFormat format, const std::string& lang,
                       const std::filesystem::path& path) {
  StatWriter writer(source, format, lang);
  return writer.write(path);
}

}  // namespace equitas::server
