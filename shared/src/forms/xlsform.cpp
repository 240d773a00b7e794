// XLSForm import (see xlsform.hpp): the workbook's sheets (survey, choices,
// settings, external_choices), read by WorkbookReader (workbook_reader.hpp),
// are mapped to a Form row by row, with a warning for each stated
// difference and an error for anything we cannot represent. Any error
// leaves the result without a form.
#include "equitas/forms/xlsform.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <exception>
#include <fstream>
#include <limits>
#include <map>
#include <pugixml.hpp>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "cell_text.hpp"
#include "equitas/forms/file_answer.hpp"
#include "equitas/forms/form_json.hpp"
#include "equitas/forms/workbook_reader.hpp"

namespace equitas::forms {

std::string ImportMessage::to_string() const {
  std::string out = severity == Severity::kError ? "error: " : "warning: ";
  if (!sheet.empty()) {
    out += sheet;
    if (row > 0) out += " row " + std::to_string(row);
    out += ": ";
  } else if (row > 0) {
    out += "row " + std::to_string(row) + ": ";
  }
  return out + text;
}

bool ImportResult::has_errors() const {
  return std::any_of(messages.begin(), messages.end(), [](const ImportMessage& m) {
    return m.severity == ImportMessage::Severity::kError;
  });
}

namespace {

// ---------------------------------------------------------------------------
// Limits.

// The workbook: the reader's bounds (workbook_reader.hpp), which any real
// XLSForm is far within, with what the importer expects instead.
WorkbookLimits xlsform_limits() {
  WorkbookLimits limits;
  limits.size_note = "an XLSForm is far smaller";
  limits.parts_note = "an XLSForm has a few dozen";
  limits.sheets_note = "an XLSForm has three";
  return limits;
}
// Files published with the form (select_one_from_file, pulldata): each one,
// and all of them, become choices inside the signed definition.
constexpr std::size_t kMaxAttachmentBytes = 8u * 1024 * 1024;
constexpr std::size_t kMaxAttachmentTotal = 16u * 1024 * 1024;
constexpr std::size_t kMaxAttachmentRows = 100000;
constexpr int kMaxAttachmentColumns = 256;

// ---------------------------------------------------------------------------
// Small text helpers (trim and ascii_lower are in cell_text.hpp).

std::vector<std::string> split_words(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_space(s[i])) ++i;
    std::size_t j = i;
    while (j < s.size() && !is_space(s[j])) ++j;
    if (j > i) out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

std::string quote(std::string_view s) {
  std::string q(s.substr(0, 120));
  if (s.size() > 120) q += "...";
  return "'" + q + "'";
}

using Severity = ImportMessage::Severity;

// ---------------------------------------------------------------------------
// Files published with the form: a CSV (RFC 4180: comma-separated, fields
// in double quotes may hold commas, newlines and doubled quotes) or an XML
// file of <root><item><name/><label/>...</item></root>, read into a Sheet
// with a header row so the choices mapping reads them as it reads a sheet.

Result<Sheet> csv_sheet(std::string_view text, const std::string& file) {
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF")
    text.remove_prefix(3);  // Excel's BOM
  if (!valid_utf8(text)) return Status::invalid_argument(file + ": the file is not UTF-8 text");
  Sheet sheet;
  sheet.name = file;
  SheetRow row;
  row.num = 1;
  int col = 1;
  std::string field;
  bool quoted = false;  // inside a quoted field
  bool was_quoted = false;
  auto end_field = [&]() -> Status {
    if (col > kMaxAttachmentColumns) {
      return Status::invalid_argument(file + " line " + std::to_string(row.num) + ": more than " +
                                      std::to_string(kMaxAttachmentColumns) + " columns");
    }
    if (!field.empty()) row.cells.emplace(col, std::move(field));
    field.clear();
    was_quoted = false;
    ++col;
    return Status::ok();
  };
  auto end_row = [&]() -> Status {
    EQ_RETURN_IF_ERROR(end_field());
    if (!row.cells.empty()) sheet.rows.push_back(std::move(row));
    if (sheet.rows.size() > kMaxAttachmentRows) {
      return Status::invalid_argument(file + ": more than " + std::to_string(kMaxAttachmentRows) +
                                      " rows");
    }
    row = SheetRow{};  // numbered by the caller, which knows the line
    col = 1;
    return Status::ok();
  };
  int line = 1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
    } else if (c == '"') {
      if (!field.empty() || was_quoted) {
        return Status::invalid_argument(
            file + " line " + std::to_string(line) +
            ": a quote inside a field that does not start with one; write it as \"\"");
      }
      quoted = true;
      was_quoted = true;
    } else if (c == ',') {
      EQ_RETURN_IF_ERROR(end_field());
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      EQ_RETURN_IF_ERROR(end_row());
      ++line;
      row.num = line;
    } else if (was_quoted) {
      return Status::invalid_argument(file + " line " + std::to_string(line) +
                                      ": text after a closing quote");
    } else {
      field += c;
    }
  }
  if (quoted)
    return Status::invalid_argument(file +
                                    ": a quoted field is not closed before the end of the file");
  EQ_RETURN_IF_ERROR(end_row());
  return sheet;
}

Result<Sheet> xml_sheet(std::string_view text, const std::string& file) {
  pugi::xml_document doc;
  const pugi::xml_parse_result r =
      doc.load_buffer(text.data(), text.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!r)
    return Status::invalid_argument(file + ": not well-formed XML (" +
                                    std::string(r.description()) + ")");
  pugi::xml_node root = doc.document_element();
  if (std::string_view(root.name()) != "root") {
    return Status::invalid_argument(
        file + ": the document element must be <root>, holding <item> elements");
  }
  Sheet sheet;
  sheet.name = file;
  std::map<std::string, int> columns;  // element name -> column
  SheetRow header;
  header.num = 1;
  std::vector<SheetRow> rows;
  for (pugi::xml_node item = root.first_child(); item; item = item.next_sibling()) {
    if (item.type() != pugi::node_element) continue;
    if (std::string_view(item.name()) != "item") {
      return Status::invalid_argument(file + ": <root> holds <item> elements, not <" +
                                      std::string(item.name()) + ">");
    }
    if (rows.size() >= kMaxAttachmentRows) {
      return Status::invalid_argument(file + ": more than " + std::to_string(kMaxAttachmentRows) +
                                      " items");
    }
    SheetRow row;
    row.num = static_cast<int>(rows.size()) + 2;
    for (pugi::xml_node f = item.first_child(); f; f = f.next_sibling()) {
      if (f.type() != pugi::node_element) continue;
      const std::string name = f.name();
      auto [it, added] = columns.emplace(name, static_cast<int>(columns.size()) + 1);
      if (added) {
        if (it->second > kMaxAttachmentColumns) {
          return Status::invalid_argument(file + ": more than " +
                                          std::to_string(kMaxAttachmentColumns) +
                                          " different elements in its items");
        }
        header.cells.emplace(it->second, name);
      }
      std::string value = f.child_value();
      if (!value.empty()) row.cells[it->second] = std::move(value);
    }
    rows.push_back(std::move(row));
  }
  sheet.rows.push_back(std::move(header));
  for (auto& r2 : rows) sheet.rows.push_back(std::move(r2));
  return sheet;
}

class Messages {
 public:
  void warn(const std::string& sheet, int row, std::string text) {
    list_.push_back({Severity::kWarning, sheet, row, std::move(text)});
  }
  void error(const std::string& sheet, int row, std::string text) {
    list_.push_back({Severity::kError, sheet, row, std::move(text)});
  }
  std::vector<ImportMessage>& list() { return list_; }
  const std::vector<ImportMessage>& list() const { return list_; }

 private:
  std::vector<ImportMessage> list_;
};

// A table: the first non-empty row is the header; the rest are data.
struct Table {
  int header_row = 0;
  std::map<int, std::string> headers;  // column -> trimmed header text
  std::vector<const SheetRow*> rows;
};

Table make_table(const Sheet& s) {
  Table t;
  bool have_header = false;
  for (const SheetRow& r : s.rows) {
    if (!have_header) {
      bool any = false;
      for (const auto& [col, text] : r.cells) {
        std::string h = trim(text);
        if (!h.empty()) {
          t.headers[col] = std::move(h);
          any = true;
        }
      }
      if (any) {
        have_header = true;
        t.header_row = r.num;
      }
      continue;
    }
    t.rows.push_back(&r);
  }
  return t;
}

// Language name or "Name (code)" -> code.
std::string language_code(std::string_view spec) {
  const std::string s = trim(spec);
  if (!s.empty() && s.back() == ')') {
    const auto open = s.rfind('(');
    if (open != std::string::npos) {
      std::string code = ascii_lower(trim(s.substr(open + 1, s.size() - open - 2)));
      if (!code.empty()) return code;
    }
  }
  static const std::map<std::string, std::string> kNames = {
      {"english", "en"},    {"french", "fr"},    {"français", "fr"},  {"francais", "fr"},
      {"spanish", "es"},    {"español", "es"},   {"espanol", "es"},   {"russian", "ru"},
      {"русский", "ru"},    {"arabic", "ar"},    {"العربية", "ar"},   {"عربي", "ar"},
      {"portuguese", "pt"}, {"português", "pt"}, {"portugues", "pt"}, {"german", "de"},
      {"deutsch", "de"},    {"chinese", "zh"},   {"中文", "zh"},      {"swahili", "sw"},
      {"kiswahili", "sw"},  {"tetun", "tet"},
  };
  const std::string lower = ascii_lower(s);
  if (auto it = kNames.find(lower); it != kNames.end()) return it->second;
  return lower;
}

enum class Col {
  kType,
  kName,
  kLabel,
  kHint,
  kRequired,
  kRequiredMessage,
  kRelevant,
  kConstraint,
  kConstraintMessage,
  kCalculation,
  kDefault,
  kReadOnly,
  kAppearance,
  kChoiceFilter,
  kRepeatCount,
  kParameters,
  kAccept,    // body::accept: the media types a file question takes
  kAccuracy,  // body::accuracyThreshold: a geopoint's, geotrace's or geoshape's accuracy_threshold
  kMedia,
  kDisabled,
  kListName,
  // Equitas's own columns (prefix equitas_), which its XLSForm export
  // writes (schema/README.md, "XLSForm export"). Survey sheet:
  kLikert,
  kEqList,
  kBreakdown,
  kIndicator,
  kScorePrinciple,
  kScoreElement,
  kScoreIndicator,
  kMaxBytes,
  kMaxPixels,
  kMaxFiles,
  // choices sheets and list files:
  kPolarity,
  kExclude,
  kPoints,
  kReserved,  // another equitas_ column: ignored with a warning, never a filter column
  kUnknown,
};

// The prefix of Equitas's own columns and settings.
constexpr std::string_view kExtensionPrefix = "equitas_";

bool survey_extension(Col c) { return c >= Col::kLikert && c <= Col::kMaxFiles; }
bool choice_extension(Col c) { return c >= Col::kPolarity && c <= Col::kPoints; }

struct Column {
  Col kind = Col::kUnknown;
  std::string header;  // trimmed, as written
  bool has_lang = false;
  std::string lang;  // when has_lang
};

bool translatable(Col c) {
  return c == Col::kLabel || c == Col::kHint || c == Col::kConstraintMessage ||
         c == Col::kRequiredMessage;
}

// What each column is, by its header in lower case with spaces as '_'
// (and without a language).
const std::map<std::string, Col>& column_kinds() {
  static const std::map<std::string, Col> kKinds = {
      {"type", Col::kType},
      {"name", Col::kName},
      {"label", Col::kLabel},
      {"caption", Col::kLabel},
      {"hint", Col::kHint},
      {"required", Col::kRequired},
      {"required_message", Col::kRequiredMessage},
      {"requiredmsg", Col::kRequiredMessage},
      {"jr:requiredmsg", Col::kRequiredMessage},
      {"relevant", Col::kRelevant},
      {"relevance", Col::kRelevant},
      {"constraint", Col::kConstraint},
      {"constraint_message", Col::kConstraintMessage},
      {"constraintmsg", Col::kConstraintMessage},
      {"jr:constraintmsg", Col::kConstraintMessage},
      {"calculation", Col::kCalculation},
      {"calculate", Col::kCalculation},
      {"default", Col::kDefault},
      {"read_only", Col::kReadOnly},
      {"readonly", Col::kReadOnly},
      {"appearance", Col::kAppearance},
      {"choice_filter", Col::kChoiceFilter},
      {"repeat_count", Col::kRepeatCount},
      {"jr:count", Col::kRepeatCount},
      {"parameters", Col::kParameters},
      {"image", Col::kMedia},
      {"big-image", Col::kMedia},
      {"audio", Col::kMedia},
      {"video", Col::kMedia},
      {"media", Col::kMedia},
      {"disabled", Col::kDisabled},
      {"list_name", Col::kListName},
      {"equitas_likert", Col::kLikert},
      {"equitas_list", Col::kEqList},
      {"equitas_breakdown", Col::kBreakdown},
      {"equitas_indicator", Col::kIndicator},
      {"equitas_score_principle", Col::kScorePrinciple},
      {"equitas_score_element", Col::kScoreElement},
      {"equitas_score_indicator", Col::kScoreIndicator},
      {"equitas_max_bytes", Col::kMaxBytes},
      {"equitas_max_pixels", Col::kMaxPixels},
      {"equitas_max_files", Col::kMaxFiles},
      {"equitas_polarity", Col::kPolarity},
      {"equitas_exclude", Col::kExclude},
      {"equitas_points", Col::kPoints},
  };
  return kKinds;
}

Column classify(const std::string& header, bool choices_sheet) {
  Column col;
  col.header = header;
  const std::string lower = ascii_lower(header);
  if (lower == "body::accept") {  // not a language: an attribute of the XForms body element
    col.kind = Col::kAccept;
    return col;
  }
  if (lower == "body::accuracythreshold") {
    col.kind = Col::kAccuracy;
    return col;
  }
  std::string base = lower;
  std::string lang_spec;
  bool has_lang = false;
  if (const auto dc = lower.find("::"); dc != std::string::npos) {
    base = trim(lower.substr(0, dc));
    lang_spec = header.substr(dc + 2);
    has_lang = true;
  } else if (const auto c = lower.find(':'); c != std::string::npos) {
    // Legacy single colon: label:English.
    static const std::set<std::string> kBases = {
        "label", "hint",  "constraint_message", "required_message",   "image",
        "audio", "video", "big-image",          "constraint message", "required message"};
    const std::string b = trim(lower.substr(0, c));
    if (kBases.count(b)) {
      base = b;
      lang_spec = header.substr(c + 1);
      has_lang = true;
    }
  }
  for (char& ch : base) {
    if (ch == ' ') ch = '_';
  }
  if (auto it = column_kinds().find(base); it != column_kinds().end()) col.kind = it->second;
  if (choices_sheet && base == "value") col.kind = Col::kName;
  if (has_lang && translatable(col.kind)) {
    col.has_lang = true;
    col.lang = language_code(lang_spec);
    if (col.lang.empty()) col.has_lang = false;
  } else if (has_lang && col.kind != Col::kMedia) {
    col.kind = Col::kUnknown;  // "relevant::x" and the like
  }
  if (col.kind == Col::kUnknown && base.starts_with(kExtensionPrefix)) col.kind = Col::kReserved;
  return col;
}

// The cells of one data row, by column meaning.
struct RowValues {
  std::map<Col, std::string> single;                        // first non-empty column of each kind
  std::map<Col, std::map<std::string, std::string>> texts;  // translatable: lang -> text
  std::map<Col, std::string> plain;  // translatable column without a language
  std::vector<std::pair<std::string, std::string>>
      others;  // unknown/filter columns: header -> value
  bool empty = true;

  std::string get(Col c) const {
    auto it = single.find(c);
    return it == single.end() ? "" : it->second;
  }
  LangText text(Col c, const std::string& default_lang) const {
    LangText t;
    if (auto it = texts.find(c); it != texts.end()) {
      for (const auto& [lang, s] : it->second) t.set(lang, s);
    }
    if (auto it = plain.find(c); it != plain.end() && !t.has(default_lang))
      t.set(default_lang, it->second);
    return t;
  }
};

RowValues row_values(const SheetRow& r, const std::map<int, Column>& columns) {
  RowValues v;
  for (const auto& [col, raw] : r.cells) {
    auto ci = columns.find(col);
    if (ci == columns.end()) continue;  // a blank header: reported per column
    const std::string value = trim(raw);
    if (value.empty()) continue;
    v.empty = false;
    const Column& c = ci->second;
    if (translatable(c.kind)) {
      if (c.has_lang) {
        v.texts[c.kind].emplace(c.lang, value);
      } else {
        v.plain.emplace(c.kind, value);
      }
    } else if (c.kind == Col::kUnknown) {
      v.others.emplace_back(c.header, value);
    } else {
      v.single.emplace(c.kind, value);
    }
  }
  return v;
}

bool any_value_in_blank_columns(const Table& t, std::set<int>& blank_cols) {
  for (const SheetRow* r : t.rows) {
    for (const auto& [col, text] : r->cells) {
      if (!t.headers.count(col) && !trim(text).empty()) blank_cols.insert(col);
    }
  }
  return !blank_cols.empty();
}

std::string column_letters(int col) {
  std::string s;
  while (col > 0) {
    const int rem = (col - 1) % 26;
    s.insert(s.begin(), static_cast<char>('A' + rem));
    col = (col - 1) / 26;
  }
  return s;
}

bool yes(std::string_view v) {
  const std::string l = ascii_lower(trim(v));
  return l == "yes" || l == "true" || l == "true()" || l == "1" || l == "y";
}
bool no(std::string_view v) {
  const std::string l = ascii_lower(trim(v));
  return l.empty() || l == "no" || l == "false" || l == "false()" || l == "0" || l == "n";
}

// Sanitises a form id to [a-z0-9][a-z0-9_-]*, at most 128 bytes.
std::string sanitise_id(std::string_view raw) {
  std::string out;
  for (char ch : ascii_lower(trim(raw))) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
    const char put = ok ? ch : '_';
    if (put == '_' && !out.empty() && out.back() == '_') continue;
    out += put;
  }
  while (!out.empty() && !((out[0] >= 'a' && out[0] <= 'z') || (out[0] >= '0' && out[0] <= '9'))) {
    out.erase(out.begin());
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  if (out.size() > 128) out.resize(128);
  return out;
}

constexpr std::size_t kMaxNameBytes = 255;

// Replaces typographic quotes (‘’ “”) and no-break spaces, which word
// processors put into expressions, by their ASCII forms.
std::string straighten_quotes(std::string_view s, bool& changed) {
  std::string out;
  out.reserve(s.size());
  changed = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80) {
      const auto b2 = static_cast<unsigned char>(s[i + 2]);
      if (b2 == 0x98 || b2 == 0x99) {
        out += '\'';
        i += 2;
        changed = true;
        continue;
      }
      if (b2 == 0x9C || b2 == 0x9D) {
        out += '"';
        i += 2;
        changed = true;
        continue;
      }
    }
    if (b0 == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xA0) {
      out += ' ';
      ++i;
      changed = true;
      continue;
    }
    out += s[i];
  }
  return out;
}

constexpr std::string_view kMetadataTypes[] = {"start",
                                               "end",
                                               "today",
                                               "deviceid",
                                               "username",
                                               "audit",
                                               "phonenumber",
                                               "simserial",
                                               "subscriberid",
                                               "imei",
                                               "uri:deviceid",
                                               "uri:username",
                                               "uri:email",
                                               "email",
                                               "uri:phonenumber",
                                               "uri:subscriberid",
                                               "uri:simserial",
                                               "start-geopoint",
                                               "background-audio",
                                               "background-geopoint"};

constexpr std::string_view kUnsupportedTypes[] = {"signature", "background-video", "xml-external",
                                                  "csv-external"};

// While the survey is read, a select whose list is not in the choices sheet
// names it with one of these marks; resolve_lists() reads the list and puts
// its real name in place. \x1f cannot appear in a cell (XML 1.0 refuses it).
constexpr std::string_view kExternalMark =
    "\x1f"
    "external\x1f";
constexpr std::string_view kFileMark =
    "\x1f"
    "file\x1f";

// XLSForm's parameters column: "start=0 end=10", also separated by ';' or
// ','. Each word, with its key in lower case and what follows '=' ("" and
// has_value false without one).
struct Parameter {
  std::string word, key, value;
  bool has_value = false;
};

std::vector<Parameter> parameters_of(std::string cell) {
  std::replace_if(
      cell.begin(), cell.end(), [](char c) { return c == ';' || c == ','; }, ' ');
  std::vector<Parameter> out;
  for (auto& w : split_words(cell)) {
    const auto eq = w.find('=');
    Parameter p;
    p.key = ascii_lower(w.substr(0, eq));
    p.has_value = eq != std::string::npos;
    if (p.has_value) p.value = w.substr(eq + 1);
    p.word = std::move(w);
    out.push_back(std::move(p));
  }
  return out;
}

bool ends_with_ci(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && ascii_lower(s.substr(s.size() - suffix.size())) == suffix;
}

// body::accept may name extensions (".pdf"), as an HTML accept attribute
// does; Equitas checks the media type a file arrives with, so the
// extensions whose media type browsers report alike are read as that type,
// and any other is refused with a request for the media type.
constexpr std::pair<std::string_view, std::string_view> kExtensionTypes[] = {
    {".pdf", "application/pdf"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".png", "image/png"},
    {".gif", "image/gif"},
    {".webp", "image/webp"},
    {".mp3", "audio/mpeg"},
    {".mp4", "video/mp4"},
    {".webm", "video/webm"},
    {".txt", "text/plain"},
    {".doc", "application/msword"},
    {".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    {".xls", "application/vnd.ms-excel"},
    {".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    {".odt", "application/vnd.oasis.opendocument.text"},
    {".ods", "application/vnd.oasis.opendocument.spreadsheet"},
};

bool one_of(std::string_view v, std::initializer_list<std::string_view> options) {
  return std::find(options.begin(), options.end(), v) != options.end();
}
bool one_of(std::string_view v, std::span<const std::string_view> options) {
  return std::find(options.begin(), options.end(), v) != options.end();
}

// The question types whose first word alone says what the item is, and the
// type each is imported as.
constexpr std::pair<std::string_view, QuestionType> kPlainTypes[] = {
    {"integer", QuestionType::kInteger},
    {"int", QuestionType::kInteger},
    {"decimal", QuestionType::kDecimal},
    {"text", QuestionType::kText},
    {"string", QuestionType::kText},
    {"date", QuestionType::kDate},
    {"note", QuestionType::kNote},
    {"acknowledge", QuestionType::kAcknowledge},
    {"trigger", QuestionType::kAcknowledge},
    {"calculate", QuestionType::kCalculate},
    {"image", QuestionType::kImage},
    {"audio", QuestionType::kAudio},
    {"video", QuestionType::kVideo},
    {"file", QuestionType::kFile},
    {"time", QuestionType::kTime},
    {"datetime", QuestionType::kDateTime},
    {"datetime-local", QuestionType::kDateTime},
    {"geopoint", QuestionType::kGeopoint},
    {"gps", QuestionType::kGeopoint},
    {"geotrace", QuestionType::kGeotrace},
    {"geoshape", QuestionType::kGeoshape},
    {"barcode", QuestionType::kBarcode},
};

// What a row that opens or closes a group, a repeat or a loop does: "begin
// group", "end repeat", "begin loop"..., from a type cell in lower case
// words `lw` ("begin group", "begin_group"); "begin foo" too, which is
// reported as an unknown type. "" for any other row.
std::string group_op(const std::vector<std::string>& lw) {
  if ((lw[0] == "begin" || lw[0] == "end") && lw.size() >= 2) return lw[0] + " " + lw[1];
  if (one_of(lw[0], {"begin_group", "end_group", "begin_repeat", "end_repeat", "begin_loop",
                     "end_loop"})) {
    std::string op = lw[0];
    op[op.find('_')] = ' ';
    return op;
  }
  return "";
}

class Importer {
 public:
  // `file_stem`: the workbook's file name without ".xlsx", or "".
  // `files`: the files published with the form, or null when there are none.
  Importer(std::string file_stem, const AttachmentReader* files)
      : file_stem_(std::move(file_stem)), files_(files) {}

  ImportResult run(const std::vector<Sheet>& sheets) {
    const Sheet* survey = nullptr;
    const Sheet* choices = nullptr;
    const Sheet* settings = nullptr;
    const Sheet* external = nullptr;
    for (const Sheet& s : sheets) {
      const std::string n = ascii_lower(trim(s.name));
      const Sheet** slot = n == "survey"             ? &survey
                           : n == "choices"          ? &choices
                           : n == "settings"         ? &settings
                           : n == "external_choices" ? &external
                                                     : nullptr;
      if (slot == nullptr) continue;
      if (*slot != nullptr) {
        msg_.warn("", 0, "a second sheet named '" + s.name + "' is ignored");
        continue;
      }
      *slot = &s;
    }
    if (survey == nullptr) {
      msg_.error("", 0, "the workbook has no 'survey' sheet");
      return finish();
    }
    Table survey_t = make_table(*survey);
    Table choices_t = choices ? make_table(*choices) : Table{};
    Table external_t = external ? make_table(*external) : Table{};
    read_settings(settings);
    survey_cols_ = columns(survey_t, "survey", false);
    choices_cols_ = choices ? columns(choices_t, "choices", true) : std::map<int, Column>{};
    const auto external_cols =
        external ? columns(external_t, "external_choices", true) : std::map<int, Column>{};
    settle_languages();
    read_survey(survey_t);
    if (choices) read_choice_rows(choices_t, choices_cols_, "choices", form_.lists, "");
    have_external_ = external != nullptr;
    if (external)
      read_choice_rows(external_t, external_cols, "external_choices", external_lists_, "");
    resolve_lists(form_.items);
    read_instance_files();
    finalise();
    return finish();
  }

 private:
  // settings: one header row and one row of values.
  void read_settings(const Sheet* settings) {
    if (settings == nullptr) {
      msg_.warn("", 0, "the workbook has no 'settings' sheet");
    } else {
      Table t = make_table(*settings);
      const SheetRow* values = t.rows.empty() ? nullptr : t.rows.front();
      settings_row_ = values ? values->num : t.header_row;
      for (const auto& [col, header] : t.headers) {
        std::string v;
        if (values) {
          if (auto it = values->cells.find(col); it != values->cells.end()) v = trim(it->second);
        }
        std::string key = ascii_lower(header);
        for (char& ch : key) {
          if (ch == ' ') ch = '_';
        }
        if (key == "form_title" || key == "title") {
          if (title_raw_.empty()) title_raw_ = v;
        } else if (key == "form_id" || key == "id_string") {
          if (id_raw_.empty()) id_raw_ = v;
        } else if (key == "version") {
          version_raw_ = v;
        } else if (key == "allow_choice_duplicates") {
          form_.allow_choice_duplicates = yes(v);
        } else if (key == "response_codes") {
          // Equitas's own setting: one response per person (sync-server codes issue).
          form_.response_codes = yes(v);
        } else if (key == "anonymous") {
          // Equitas's own setting, as in the JSON form. A value that is
          // neither yes nor no is not taken for "no": that would publish a
          // form its author meant to be anonymous.
          form_.anonymous = yes(v);
          if (!yes(v) && !no(v)) {
            msg_.error("settings", settings_row_,
                       "setting 'anonymous' must be yes or no, not " + quote(v));
          }
        } else if (key == "default_language") {
          if (!v.empty()) {
            default_lang_ = language_code(v);
            default_lang_given_ = true;
          }
        } else if (key.starts_with(kExtensionPrefix)) {
          read_extension_setting(key, header, v);
        } else if (!v.empty()) {
          msg_.warn("settings", settings_row_,
                    "setting '" + header + "' (" + quote(v) + ") is ignored");
        }
      }
    }
  }

  // Equitas's own settings, which its XLSForm export writes: the form's
  // title and description in every language, its languages (a blank value
  // says it promises none) and its suppression threshold.
  void read_extension_setting(const std::string& key, const std::string& header,
                              const std::string& v) {
    LangText* texts = key.starts_with("equitas_title::")         ? &title_texts_
                      : key.starts_with("equitas_description::") ? &description_texts_
                                                                 : nullptr;
    if (texts != nullptr) {
      const std::string lang = language_code(header.substr(header.find("::") + 2));
      if (!v.empty() && !lang.empty()) texts->set(lang, v);
    } else if (key == "equitas_languages") {
      languages_given_ = true;
      given_languages_ = split_words(v);
    } else if (key == "equitas_suppression_threshold") {
      int n = 0;
      const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (v.empty()) return;
      if (ec != std::errc() || end != v.data() + v.size() || n < 1 || n > 1000) {
        msg_.error("settings", settings_row_,
                   "setting 'equitas_suppression_threshold' must be a whole number from 1 "
                   "to 1000, not " +
                       quote(v));
        return;
      }
      form_.suppression_threshold = n;
    } else if (!v.empty()) {
      msg_.warn("settings", settings_row_,
                "setting '" + header + "' (" + quote(v) +
                    ") is ignored: it is not one "
                    "of the equitas_ settings (schema/README.md, XLSForm export)");
    }
  }

  std::map<int, Column> columns(const Table& t, const std::string& sheet, bool choices_sheet) {
    std::map<int, Column> out;
    for (const auto& [col, header] : t.headers) {
      Column c = classify(header, choices_sheet);
      if (choices_sheet) {
        // Any other choices column is a filter column for choice_filter.
        if (survey_extension(c.kind)) {
          c.kind = Col::kReserved;
        } else if (c.kind != Col::kListName && c.kind != Col::kName && c.kind != Col::kLabel &&
                   c.kind != Col::kMedia && c.kind != Col::kReserved && !choice_extension(c.kind)) {
          c.kind = Col::kUnknown;
        }
      } else if (c.kind == Col::kListName) {
        c.kind = Col::kUnknown;
      } else if (choice_extension(c.kind)) {
        c.kind = Col::kReserved;
      }
      if (c.kind == Col::kReserved) {
        msg_.warn(sheet, t.header_row,
                  "column '" + header +
                      "' is ignored: it is not one of the equitas_ columns "
                      "of this sheet (schema/README.md, XLSForm export)");
      } else if (c.kind == Col::kMedia) {
        msg_.warn(sheet, t.header_row,
                  "column '" + header + "' is ignored: Equitas forms carry no media");
      } else if (c.kind == Col::kUnknown && !choices_sheet) {
        msg_.warn(sheet, t.header_row, "unknown column '" + header + "' is ignored");
      }
      if (c.kind == Col::kLabel) {
        if (c.has_lang) {
          label_langs_.push_back(c.lang);
        } else {
          plain_label_ = true;
        }
      }
      out.emplace(col, std::move(c));
    }
    std::set<int> blank;
    if (any_value_in_blank_columns(t, blank)) {
      for (int col : blank) {
        msg_.warn(sheet, t.header_row,
                  "column " + column_letters(col) + " has values but no header; ignored");
      }
    }
    return out;
  }

  void settle_languages() {
    if (!default_lang_given_ && !plain_label_ && !label_langs_.empty() &&
        std::find(label_langs_.begin(), label_langs_.end(), "en") == label_langs_.end()) {
      default_lang_ = label_langs_.front();
      msg_.warn("settings", 0,
                "no default_language; using '" + default_lang_ + "', the first label language");
    }
    std::vector<std::string> langs = label_langs_;
    if (plain_label_) langs.insert(langs.begin(), default_lang_);
    for (const auto& l : langs) {
      if (std::find(form_.languages.begin(), form_.languages.end(), l) == form_.languages.end()) {
        form_.languages.push_back(l);
      }
    }
    form_.default_language = default_lang_;
    if (languages_given_) form_.languages = given_languages_;
  }

  ExprField expr(const std::string& source, const std::string& item, std::string_view column,
                 const std::string& sheet, int row) {
    if (source.empty()) return {};
    auto f = parse_expr_field(source, item.empty() ? "(no name)" : item, column);
    if (f.is_ok()) return *f;
    bool changed = false;
    const std::string straight = straighten_quotes(source, changed);
    if (changed) {
      auto g = parse_expr_field(straight, item.empty() ? "(no name)" : item, column);
      if (g.is_ok()) {
        msg_.warn(sheet, row,
                  "column '" + std::string(column) +
                      "': typographic quotes replaced by straight quotes: " + quote(straight));
        return *g;
      }
    }
    msg_.error(sheet, row, "column '" + std::string(column) + "': " + f.status().message());
    failed_.insert(item + "/" + std::string(column));
    return {};
  }

  struct Open {
    Item item;
    int row;
  };

  std::vector<Item>& container() { return open_.empty() ? form_.items : open_.back().item.items; }

  void read_survey(const Table& t) {
    if (t.headers.empty()) {
      msg_.error("survey", 0, "the survey sheet is empty");
      return;
    }
    bool have_type = false;
    for (const auto& [col, c] : survey_cols_) have_type = have_type || c.kind == Col::kType;
    if (!have_type) {
      msg_.error("survey", t.header_row, "the survey sheet has no 'type' column");
      return;
    }
    for (const SheetRow* r : t.rows) survey_row(*r);
    for (auto it = open_.rbegin(); it != open_.rend(); ++it) {
      msg_.error("survey", it->row,
                 "'begin " + std::string(question_type_name(it->item.type)) + "' " +
                     quote(it->item.name) + " has no matching 'end " +
                     std::string(question_type_name(it->item.type)) + "'");
    }
    // Keep what was read so later checks see it; the errors already refuse the form.
    while (!open_.empty()) close_container();
  }

  // One survey row as its handler reads it: the cells, and the type cell
  // split into words.
  struct SurveyRow {
    const RowValues& v;
    int row = 0;
    std::string type_cell;           // as written (trimmed)
    std::string name;                // the name cell
    std::vector<std::string> words;  // the type cell's words
    std::vector<std::string> lw;     // the same in lower case: lw[0] says what the row is
  };

  // Skips a row without a type, or a disabled one; hands any other to the
  // handler for what its type names.
  void survey_row(const SheetRow& r) {
    const RowValues v = row_values(r, survey_cols_);
    if (v.empty) return;
    SurveyRow s{v, r.num, v.get(Col::kType), v.get(Col::kName), {}, {}};
    if (s.type_cell.empty()) {
      if (!s.name.empty() || !v.texts.empty() || !v.plain.empty()) {
        msg_.warn("survey", s.row, "row has no type and is skipped");
      }
      return;
    }
    if (yes(v.get(Col::kDisabled))) {
      msg_.warn("survey", s.row, "row is disabled and is skipped");
      return;
    }
    s.words = split_words(s.type_cell);
    for (const auto& w : s.words) s.lw.push_back(ascii_lower(w));
    const std::string& t0 = s.lw[0];
    if (const std::string op = group_op(s.lw); !op.empty()) {
      group_row(s, op);
    } else if ((t0 == "today" || t0 == "deviceid") && s.lw.size() == 1 && !s.name.empty()) {
      response_metadata_row(s);
    } else if (one_of(t0, kMetadataTypes) && s.lw.size() == 1) {
      skipped_metadata_row(s);
    } else {
      question_row(s);
    }
  }

  // "begin group", "end repeat", "begin loop"...: `op` (see group_op).
  void group_row(const SurveyRow& s, const std::string& op) {
    if (op == "begin loop") {
      begin_loop(s);
      return;
    }
    if (op == "end loop") {
      if (!open_.empty()) close_container();
      return;
    }
    const std::string what = op.substr(op.find(' ') + 1);
    if (what != "group" && what != "repeat") {
      msg_.error("survey", s.row, "unknown type " + quote(s.type_cell));
      return;
    }
    const QuestionType qt = what == "group" ? QuestionType::kGroup : QuestionType::kRepeat;
    if (op.starts_with("begin")) {
      begin_group(s, qt, what);
    } else {
      end_group(s, qt, op, what);
    }
  }

  // "begin loop over LIST": a group, expanded once the choices are read into
  // a group per choice (see expand_loops).
  void begin_loop(const SurveyRow& s) {
    const std::size_t over = s.lw.size() >= 4 && s.lw[2] == "over" ? 3 : 2;
    if (over >= s.lw.size()) {
      msg_.error(
          "survey", s.row,
          "type " + quote(s.type_cell) + " names no choice list: write 'begin loop over LIST'");
      refused_.emplace(s.name, s.row);
    } else {
      loops_[s.name] = {s.words[over], s.row};
      select_rows_[s.words[over]].push_back(s.row);
    }
    open_container(s, QuestionType::kGroup);
  }

  // "begin group" or "begin repeat" (`what`); a repeat's repeat_count is a
  // constraint on its number of rows.
  void begin_group(const SurveyRow& s, QuestionType qt, const std::string& what) {
    Item& group = open_container(s, qt);
    if (std::any_of(s.v.single.begin(), s.v.single.end(),
                    [](const auto& cell) { return survey_extension(cell.first); })) {
      msg_.warn("survey", s.row, "the equitas_ columns of a 'begin " + what + "' row are ignored");
    }
    const std::string count = s.v.get(Col::kRepeatCount);
    if (count.empty()) return;
    if (qt != QuestionType::kRepeat) {
      msg_.warn("survey", s.row, "repeat_count on a group is ignored");
      return;
    }
    // The number of rows must be the count: a constraint on the repeat.
    const std::string rule = "count(${" + group.name + "}) = (" + count + ")";
    group.constraint = expr(rule, group.name, "repeat_count", "survey", s.row);
    group.constraint_message = s.v.text(Col::kConstraintMessage, default_lang_);
    msg_.warn("survey", s.row,
              "repeat_count " + quote(count) +
                  " is a constraint: the repeat must have that many rows (respondents add "
                  "them; the form does not add them itself yet)");
  }

  // "end group" or "end repeat" (`op`, closing a `what`).
  void end_group(const SurveyRow& s, QuestionType qt, const std::string& op,
                 const std::string& what) {
    if (open_.empty()) {
      msg_.error("survey", s.row, "'" + op + "' without a matching 'begin " + what + "'");
      return;
    }
    if (open_.back().item.type != qt) {
      msg_.error("survey", s.row,
                 "'" + op + "' closes 'begin " +
                     std::string(question_type_name(open_.back().item.type)) + "' " +
                     quote(open_.back().item.name) + " from row " +
                     std::to_string(open_.back().row));
    }
    close_container();
  }

  // Opens a group or repeat of row `s`; the rows up to its end go inside it.
  Item& open_container(const SurveyRow& s, QuestionType qt) {
    Open o{Item{}, s.row};
    o.item.type = qt;
    fill_common(o.item, s.v, s.row, s.name);
    open_.push_back(std::move(o));
    return open_.back().item;
  }

  // Puts the innermost open group or repeat in the one around it, or in the form.
  void close_container() {
    Item done = std::move(open_.back().item);
    open_.pop_back();
    container().push_back(std::move(done));
  }

  // today and deviceid with a name: metadata that is a value of the
  // response, not of the device or the clock, computed as a calculation.
  void response_metadata_row(const SurveyRow& s) {
    const bool today = s.lw[0] == "today";
    Item meta;
    meta.type = QuestionType::kCalculate;
    fill_common(meta, s.v, s.row, s.name);
    // once(): computed when the response starts, kept after (also when
    // the server checks the submission again).
    const std::string source = today ? "once(today())" : "once(uuid())";
    meta.calculation = expr(source, meta.name, "calculation", "survey", s.row);
    msg_.warn("survey", s.row,
              today ? "today " + quote(s.name) + " is imported as a calculate: " + source
                    : "deviceid " + quote(s.name) + " is a random value per response (" + source +
                          "), never the device's identity");
    container().push_back(std::move(meta));
  }

  // Other metadata is not collected: Equitas records submission time itself.
  void skipped_metadata_row(const SurveyRow& s) {
    const std::string shown = s.name.empty() || s.name == s.type_cell
                                  ? quote(s.type_cell)
                                  : quote(s.name) + " (" + s.type_cell + ")";
    msg_.warn(
        "survey", s.row,
        "metadata field " + shown + " is not collected: Equitas records submission time itself");
    metadata_names_.insert(s.name);
  }

  // A question (a note, a calculate...): its type, the columns every
  // question has, then those its kind reads. A row whose type cannot be
  // imported is refused, and a reference to it says so.
  void question_row(const SurveyRow& s) {
    Item it;
    if (!question_type(s, it)) {
      refused_.emplace(s.name, s.row);
      return;
    }
    // Only a select's type says more (its list, or_other); osm's further
    // words are its tag list, which is not offered.
    if (s.lw.size() > 1 && !it.is_select() && s.lw[0] != "osm") {
      msg_.error("survey", s.row, "unknown type " + quote(s.type_cell));
      refused_.emplace(s.name, s.row);
      return;
    }
    fill_common(it, s.v, s.row, question_name(s, it));
    fill_question(it, s.v, s.row);
    read_extensions(it, s.v, s.row);
    const std::string range =
        s.lw[0] == "range" ? range_constraint(s.v.get(Col::kParameters), s.row) : "";
    kind_columns(it, s.v, s.row);
    if (!range.empty()) {
      const std::string both =
          it.constraint.present() ? "(" + it.constraint.source + ") and " + range : range;
      it.constraint = expr(both, it.name, "constraint", "survey", s.row);
    }
    container().push_back(std::move(it));
  }

  // The item type of a question row, and what its type cell says besides;
  // false (reported) when the type cannot be imported.
  bool question_type(const SurveyRow& s, Item& it) {
    const std::string& t0 = s.lw[0];
    if (const auto* plain = std::find_if(std::begin(kPlainTypes), std::end(kPlainTypes),
                                         [&](const auto& p) { return p.first == t0; });
        plain != std::end(kPlainTypes)) {
      it.type = plain->second;
      return true;
    }
    if (t0 == "range") {
      it.type = QuestionType::kDecimal;
      msg_.warn("survey", s.row,
                "range " + quote(s.name) +
                    " is imported as a decimal question whose start, end "
                    "and step are a constraint (no slider yet)");
      return true;
    }
    if (t0 == "rank" && s.lw.size() == 2) {
      // A rank is every choice, in order: a select_multiple answer keeps its order.
      it.type = QuestionType::kSelectMultiple;
      it.rank = true;
      it.list = s.words[1];
      select_rows_[it.list].push_back(s.row);
      return true;
    }
    if (t0 == "hidden") return hidden_type(s, it);
    if (t0 == "select_one_from_file" || t0 == "select_multiple_from_file") {
      return file_select_type(s, it);
    }
    if (t0 == "select_one_external" || t0 == "select_multiple_external") {
      return external_select_type(s, it);
    }
    if (t0 == "osm") {
      osm_type(s, it);
      return true;
    }
    if (t0 == "select_one" || t0 == "select_multiple" || t0 == "select") {
      return select_type(s, it);
    }
    if (one_of(t0, kUnsupportedTypes)) {
      msg_.error("survey", s.row,
                 "unsupported type " + quote(s.type_cell) + " (Equitas has no such question type)");
      return false;
    }
    msg_.error("survey", s.row, "unknown type " + quote(s.type_cell));
    return false;
  }

  // hidden with a calculation is a calculate.
  bool hidden_type(const SurveyRow& s, Item& it) {
    if (s.v.get(Col::kCalculation).empty()) {
      msg_.error("survey", s.row, "type 'hidden' without a calculation is not supported");
      return false;
    }
    it.type = QuestionType::kCalculate;
    msg_.warn("survey", s.row, "hidden " + quote(s.name) + " is imported as a calculate");
    return true;
  }

  // select_one_from_file FILE: the file's rows become a list named as the
  // file without its extension (its instance id in ODK), read once the
  // survey is read.
  bool file_select_type(const SurveyRow& s, Item& it) {
    const bool file_ok =
        s.lw.size() == 2 && (ends_with_ci(s.words[1], ".csv") || ends_with_ci(s.words[1], ".xml"));
    if (!file_ok) {
      msg_.error("survey", s.row,
                 "type " + quote(s.type_cell) + " must name one .csv or .xml file");
      return false;
    }
    const std::string parameters = s.v.get(Col::kParameters);
    const auto params = parameters_of(parameters);
    if (std::any_of(params.begin(), params.end(),
                    [](const Parameter& p) { return p.key == "value" || p.key == "label"; })) {
      msg_.error("survey", s.row,
                 "parameters " + quote(parameters) + " of " + quote(s.type_cell) +
                     " are not supported: the file's columns must be named 'name' and 'label'");
      return false;
    }
    it.type = s.lw[0] == "select_one_from_file" ? QuestionType::kSelectOne
                                                : QuestionType::kSelectMultiple;
    it.list = std::string(kFileMark) + s.words[1];
    return true;
  }

  // select_one_external LIST: a list of the external_choices sheet.
  bool external_select_type(const SurveyRow& s, Item& it) {
    if (s.lw.size() != 2) {
      msg_.error(
          "survey", s.row,
          "type " + quote(s.type_cell) + " must name one list of the external_choices sheet");
      return false;
    }
    it.type =
        s.lw[0] == "select_one_external" ? QuestionType::kSelectOne : QuestionType::kSelectMultiple;
    it.list = std::string(kExternalMark) + s.words[1];
    return true;
  }

  // select_one LIST, select_multiple LIST (or the legacy "select one from
  // LIST", "select all that apply from LIST"), perhaps with or_other.
  bool select_type(const SurveyRow& s, Item& it) {
    const std::vector<std::string>& lw = s.lw;
    const std::string& type_cell = s.type_cell;
    const int row = s.row;
    std::size_t i = 1;
    if (lw[0] == "select_one") {
      it.type = QuestionType::kSelectOne;
    } else if (lw[0] == "select_multiple") {
      it.type = QuestionType::kSelectMultiple;
    } else if (lw.size() > 1 && lw[1] == "one") {  // legacy "select one from L"
      it.type = QuestionType::kSelectOne;
      i = 2;
    } else if (lw.size() > 4 && lw[1] == "all" && lw[2] == "that" && lw[3] == "apply") {
      it.type = QuestionType::kSelectMultiple;
      i = 4;
    } else if (lw.size() > 1 && lw[1] == "multiple") {
      it.type = QuestionType::kSelectMultiple;
      i = 2;
    } else {
      msg_.error("survey", row, "unknown type " + quote(type_cell));
      return false;
    }
    if (i != 1 && i < lw.size() && lw[i] == "from") ++i;
    if (i >= lw.size()) {
      msg_.error("survey", row, "type " + quote(type_cell) + " names no choice list");
      return false;
    }
    it.list = s.words[i++];
    if (i < lw.size()) {
      const bool or_other =
          (i + 1 == lw.size() && lw[i] == "or_other") ||
          (i + 3 == lw.size() && lw[i] == "or" && lw[i + 1] == "specify" && lw[i + 2] == "other");
      if (!or_other) {
        msg_.error("survey", row, "unknown type " + quote(type_cell));
        return false;
      }
      it.or_other = true;
    }
    select_rows_[it.list].push_back(row);
    return true;
  }

  // ODK's answer to an osm question is the .osm file OpenMapKit wrote: here
  // the officer attaches such a file.
  void osm_type(const SurveyRow& s, Item& it) {
    it.type = QuestionType::kFile;
    msg_.warn("survey", s.row,
              "osm " + quote(s.name) +
                  " is imported as a file question: the answer is an "
                  "OpenStreetMap (.osm) file the officer attaches; OpenMapKit is not launched and "
                  "its tag list is not offered");
  }

  // The name a question row gives its item. A note takes no answer, so one
  // without a name is named after its row: that changes nothing a
  // respondent sees.
  std::string question_name(const SurveyRow& s, const Item& it) {
    if (!s.name.empty() || it.type != QuestionType::kNote) return s.name;
    std::string name = "note_row" + std::to_string(s.row);
    while (name_rows_.count(name)) name += "_";
    msg_.warn("survey", s.row, "note without a name is named '" + name + "'");
    return name;
  }

  // The columns only some kinds of question read: a location's accuracy, a
  // select's order, a file question's limits and body::accept.
  void kind_columns(Item& it, const RowValues& v, int row) {
    if (it.is_location()) location_accuracy(it, v, row);
    if (it.is_select()) select_order(it, v, row);
    if (is_file_question(it)) {
      file_limits(it, v, row);
    } else if (!v.get(Col::kAccept).empty()) {
      msg_.warn("survey", row,
                "body::accept " + quote(v.get(Col::kAccept)) + " is ignored: " + quote(it.name) +
                    " takes no file");
    }
  }

  // pyxform's parameters capture-accuracy=N (and the XForms attribute
  // body::accuracyThreshold it becomes) are accuracy_threshold;
  // warning-accuracy and allow-mock-accuracy are not kept.
  void location_accuracy(Item& it, const RowValues& v, int row) {
    std::string value = v.get(Col::kAccuracy);
    for (const Parameter& p : parameters_of(v.get(Col::kParameters))) {
      if (p.key == "capture-accuracy" && p.has_value) {
        value = p.value;
      } else {
        msg_.warn("survey", row, "parameter " + quote(p.word) + " is ignored");
      }
    }
    if (value.empty()) return;
    double d = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), d);
    if (ec != std::errc() || end != value.data() + value.size() || !(d >= 0) || d > 1e6) {
      msg_.error("survey", row,
                 "capture-accuracy must be a number of metres, 0 or more, not " + quote(value));
      return;
    }
    it.accuracy_threshold = d;
  }

  // A select's parameters randomize=true and seed=${x} (or a number), as
  // pyxform reads them: the order in which its choices are offered.
  void select_order(Item& it, const RowValues& v, int row) {
    std::string seed;
    for (const Parameter& p : parameters_of(v.get(Col::kParameters))) {
      const std::string value = ascii_lower(p.value);
      if (p.key == "randomize" &&
          (value == "true" || value == "yes" || value == "false" || value == "no")) {
        it.randomize = value == "true" || value == "yes";
      } else if (p.key == "randomize") {
        msg_.error("survey", row,
                   "parameter randomize must be true or false, not " + quote(p.value));
      } else if (p.key == "seed" && p.has_value) {
        seed = p.value;
      } else if (p.key != "value" && p.key != "label") {  // those are refused with the file's type
        msg_.warn("survey", row, "parameter " + quote(p.word) + " is ignored");
      }
    }
    if (seed.empty()) return;
    if (!it.randomize) {
      msg_.error("survey", row, "parameter seed orders a randomized list: add randomize=true");
    } else if (!(seed.starts_with("${") && seed.ends_with("}")) && std::isnan(parse_number(seed))) {
      msg_.error("survey", row,
                 "parameter seed must be a number or a question (seed=${x}), not " + quote(seed));
    } else {
      it.seed = expr(seed, it.name, "seed", "survey", row);
    }
  }

  // A file question's parameters (pyxform's max-pixels, for images) and
  // its body::accept.
  void file_limits(Item& it, const RowValues& v, int row) {
    for (const Parameter& p : parameters_of(v.get(Col::kParameters))) {
      if (p.key != "max-pixels" || it.type != QuestionType::kImage) {
        msg_.warn("survey", row, "parameter " + quote(p.word) + " is ignored");
        continue;
      }
      const std::string& value = p.value;
      int n = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || end != value.data() + value.size() || n <= 0) {
        msg_.error(
            "survey", row,
            "parameter max-pixels must be a whole number of pixels above 0, not " + quote(value));
        continue;
      }
      it.file.max_pixels = n;
    }
    std::string accept = v.get(Col::kAccept);
    std::replace(accept.begin(), accept.end(), ',', ' ');
    for (std::string a : split_words(accept)) {
      // A media type is kept as written (matched without regard to case);
      // an extension is looked up in lower case.
      if (a[0] == '.') {
        a = ascii_lower(a);
        const auto* known = std::find_if(std::begin(kExtensionTypes), std::end(kExtensionTypes),
                                         [&](const auto& e) { return e.first == a; });
        if (known == std::end(kExtensionTypes)) {
          msg_.error("survey", row,
                     "body::accept " + quote(a) +
                         ": Equitas checks a file's media type, not its "
                         "name; write the media type instead (such as application/pdf or image/*)");
          continue;
        }
        msg_.warn("survey", row,
                  "body::accept " + quote(a) + " is read as the media type " +
                      std::string(known->second) +
                      ": Equitas checks a file's media type, not its name");
        a = std::string(known->second);
      }
      // Its shape is check_form's to judge, against the row.
      if (std::find(it.file.accept.begin(), it.file.accept.end(), a) == it.file.accept.end())
        it.file.accept.push_back(a);
    }
  }

  // range's start, end and step parameters as a constraint.
  std::string range_constraint(const std::string& params, int row) {
    std::string lo = "1", hi = "10", step = "1";  // XLSForm's defaults
    for (const Parameter& p : parameters_of(params)) {
      if (!p.has_value) continue;
      if (std::isnan(parse_number(p.value))) {
        msg_.warn("survey", row,
                  "range parameter " + quote(p.word) + " is not a number and is ignored");
        continue;
      }
      if (p.key == "start") lo = p.value;
      if (p.key == "end") hi = p.value;
      if (p.key == "step") step = p.value;
    }
    // A range may run downwards (start > end).
    return "((. >= " + lo + " and . <= " + hi + ") or (. <= " + lo + " and . >= " + hi + ")) and " +
           "(" + step + " = 0 or round((. - " + lo + ") mod " + step + ", 9) = 0)";
  }

  void check_name(std::string& name, int row) {
    if (name.size() > kMaxNameBytes) {
      msg_.error(
          "survey", row,
          "name " + quote(name) + " is longer than " + std::to_string(kMaxNameBytes) + " bytes");
      name.resize(kMaxNameBytes);
      bad_names_.insert(name);
    } else if (name.empty()) {
      msg_.error("survey", row, "the row has no name");
      bad_names_.insert(name);
    } else if (!valid_item_name(name)) {
      msg_.error(
          "survey", row,
          "name " + quote(name) +
              " is not valid: use letters, digits, '_', '-' or '.', starting with a letter or '_'");
      bad_names_.insert(name);
    }
    name_rows_[name].push_back(row);
  }

  void fill_common(Item& it, const RowValues& v, int row, const std::string& raw_name) {
    std::string name = raw_name;
    check_name(name, row);
    it.name = name;
    it.label = v.text(Col::kLabel, default_lang_);
    it.hint = v.text(Col::kHint, default_lang_);
    it.relevant = expr(v.get(Col::kRelevant), name, "relevant", "survey", row);
    it.appearance = v.get(Col::kAppearance);
    if (!v.get(Col::kParameters).empty() && it.type != QuestionType::kDecimal &&
        !is_file_question(it) && !it.is_location() && !it.is_select()) {
      msg_.warn("survey", row, "parameters " + quote(v.get(Col::kParameters)) + " are ignored");
    }
  }

  void fill_question(Item& it, const RowValues& v, int row) {
    const std::string& name = it.name;
    const std::string req = v.get(Col::kRequired);
    if (yes(req)) {
      it.required_always = true;
    } else if (!no(req)) {
      it.required_if = expr(req, name, "required", "survey", row);
    }
    it.required_message = v.text(Col::kRequiredMessage, default_lang_);
    it.constraint = expr(v.get(Col::kConstraint), name, "constraint", "survey", row);
    it.constraint_message = v.text(Col::kConstraintMessage, default_lang_);
    it.calculation = expr(v.get(Col::kCalculation), name, "calculation", "survey", row);
    if (!v.get(Col::kCalculation).empty() && it.type != QuestionType::kCalculate) {
      msg_.warn("survey", row,
                "the calculation of " + quote(name) + " (a " +
                    std::string(question_type_name(it.type)) +
                    ") is kept but only calculate items are computed");
    }
    const std::string def = v.get(Col::kDefault);
    if (!def.empty()) {
      it.default_value = def;
      if (def.find("${") != std::string::npos || def.find("()") != std::string::npos) {
        msg_.warn(
            "survey", row,
            "default " + quote(def) + " looks like an expression; it is kept as literal text");
      }
    }
    const std::string ro = v.get(Col::kReadOnly);
    if (yes(ro)) {
      it.read_only = true;
    } else if (!no(ro)) {
      msg_.warn("survey", row,
                "read_only " + quote(ro) + " is not yes or no; the question stays editable");
    }
    if (!v.get(Col::kChoiceFilter).empty()) {
      if (it.is_select()) {
        it.choice_filter = expr(v.get(Col::kChoiceFilter), name, "choice_filter", "survey", row);
      } else {
        msg_.warn("survey", row, "choice_filter on a question without choices is ignored");
      }
    }
    if (!v.get(Col::kRepeatCount).empty()) {
      msg_.warn("survey", row, "repeat_count outside a 'begin repeat' row is ignored");
    }
    if (it.or_other) other_rows_.emplace_back(name, row);
  }

  // yes or no in an equitas_ column; an error for anything else.
  bool flag(const RowValues& v, Col c, std::string_view column, const std::string& sheet, int row) {
    const std::string value = v.get(c);
    if (yes(value)) return true;
    if (!no(value))
      msg_.error(sheet, row, std::string(column) + " must be yes or no, not " + quote(value));
    return false;
  }

  // A whole number in an equitas_ column, or nullopt (blank, or an error).
  std::optional<std::int64_t> whole(const RowValues& v, Col c, std::string_view column, int row) {
    const std::string value = v.get(c);
    if (value.empty()) return std::nullopt;
    std::int64_t n = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc() || end != value.data() + value.size()) {
      msg_.error("survey", row,
                 std::string(column) + " must be a whole number, not " + quote(value));
      return std::nullopt;
    }
    return n;
  }

  // The survey's equitas_ columns: what an Equitas item has and XLSForm lacks.
  void read_extensions(Item& it, const RowValues& v, int row) {
    if (flag(v, Col::kLikert, "equitas_likert", "survey", row)) {
      if (it.type == QuestionType::kSelectOne) {
        it.type = QuestionType::kLikert;
      } else {
        msg_.error("survey", row,
                   "equitas_likert is for select_one questions, not " + quote(it.name));
      }
    }
    if (const std::string list = v.get(Col::kEqList); !list.empty()) {
      if (it.is_select()) {
        msg_.warn("survey", row,
                  "equitas_list is ignored on a select: its list is the one its type names");
      } else {
        it.list = list;
      }
    }
    it.breakdown = flag(v, Col::kBreakdown, "equitas_breakdown", "survey", row);
    it.indicator = flag(v, Col::kIndicator, "equitas_indicator", "survey", row);
    ScoreRef score{v.get(Col::kScorePrinciple), v.get(Col::kScoreElement),
                   v.get(Col::kScoreIndicator)};
    if (score != ScoreRef{}) it.score = std::move(score);
    const auto bytes = whole(v, Col::kMaxBytes, "equitas_max_bytes", row);
    const auto pixels = whole(v, Col::kMaxPixels, "equitas_max_pixels", row);
    const auto files = whole(v, Col::kMaxFiles, "equitas_max_files", row);
    if (!is_file_question(it)) {
      if (bytes || pixels || files) {
        msg_.warn("survey", row,
                  "equitas_max_bytes, _max_pixels and _max_files are ignored: " + quote(it.name) +
                      " takes no file");
      }
      return;
    }
    // Ranges are check_form's to judge, against the row.
    constexpr std::int64_t kIntMax = std::numeric_limits<int>::max();
    if (bytes) it.file.max_bytes = *bytes;
    if (pixels)
      it.file.max_pixels = static_cast<int>(std::clamp<std::int64_t>(*pixels, -1, kIntMax));
    if (files) it.file.max_files = static_cast<int>(std::clamp<std::int64_t>(*files, -1, kIntMax));
  }

  // A choice's equitas_ columns: how it counts in reports.
  void read_choice_extensions(Choice& c, const RowValues& v, const std::string& sheet, int row) {
    const std::string polarity = ascii_lower(v.get(Col::kPolarity));
    if (polarity == "positive") {
      c.polarity = Polarity::kPositive;
    } else if (polarity == "neutral") {
      c.polarity = Polarity::kNeutral;
    } else if (polarity == "negative") {
      c.polarity = Polarity::kNegative;
    } else if (!polarity.empty()) {
      msg_.error(sheet, row,
                 "equitas_polarity must be positive, neutral or negative, not " + quote(polarity));
    }
    c.exclude = flag(v, Col::kExclude, "equitas_exclude", sheet, row);
    if (const std::string points = v.get(Col::kPoints); !points.empty()) {
      double d = 0;
      const auto [end, ec] = std::from_chars(points.data(), points.data() + points.size(), d);
      if (ec != std::errc() || end != points.data() + points.size() || !std::isfinite(d)) {
        msg_.error(sheet, row, "equitas_points must be a number, not " + quote(points));
      } else {
        c.points = d;
      }
    }
  }

  // Choice rows into `into`: from a sheet with a list_name column (choices,
  // external_choices), or from a file that is one list (`fixed_list`).
  // `names_optional`: a file read only by pulldata() or instance() needs no
  // name column; its rows are then named by their number.
  void read_choice_rows(const Table& t, const std::map<int, Column>& cols, const std::string& sheet,
                        std::map<std::string, ChoiceList>& into, const std::string& fixed_list,
                        bool names_optional = false) {
    bool have_list = !fixed_list.empty();
    bool have_name = names_optional;
    for (const auto& [col, c] : cols) {
      have_list = have_list || c.kind == Col::kListName;
      have_name = have_name || c.kind == Col::kName;
    }
    if (!have_list || !have_name) {
      if (!t.rows.empty() || !t.headers.empty()) {
        msg_.error(sheet, t.header_row,
                   fixed_list.empty()
                       ? "the " + sheet + " sheet needs 'list_name' and 'name' columns"
                       : "the file needs a 'name' column");
      }
      return;
    }
    for (const auto& [col, c] : cols) {
      if (c.kind == Col::kUnknown) filter_columns_.insert(c.header);
    }
    std::map<std::string, std::set<std::string>> seen;
    for (const SheetRow* r : t.rows) {
      const RowValues v = row_values(*r, cols);
      if (v.empty) continue;
      const std::string list = fixed_list.empty() ? v.get(Col::kListName) : fixed_list;
      std::string name = v.get(Col::kName);
      if (name.empty() && names_optional) name = std::to_string(into[list].choices.size() + 1);
      if (list.empty()) {
        msg_.warn(sheet, r->num, "choice row has no list_name and is skipped");
        continue;
      }
      if (name.empty()) {
        msg_.error(sheet, r->num, "a choice in list " + quote(list) + " has no name");
        continue;
      }
      if (!seen[list].insert(name).second) {
        if (!form_.allow_choice_duplicates) {
          msg_.error(sheet, r->num,
                     "choice " + quote(name) + " appears twice in list " + quote(list) +
                         " (allow_choice_duplicates in the settings sheet allows it)");
          continue;
        }
        msg_.warn(sheet, r->num,
                  "choice " + quote(name) + " appears twice in list " + quote(list) +
                      ": allowed by allow_choice_duplicates; answers cannot tell the two apart");
      }
      if (name.find_first_of(" \t\n") != std::string::npos) {
        msg_.warn(sheet, r->num,
                  "choice name " + quote(name) + " in list " + quote(list) +
                      " contains a space: selected() cannot tell it apart from two choices");
      }
      Choice c;
      c.name = name;
      c.label = v.text(Col::kLabel, default_lang_);
      for (const auto& [header, value] : v.others) c.filters.emplace(header, value);
      read_choice_extensions(c, v, sheet, r->num);
      ChoiceList& cl = into[list];
      cl.name = list;
      cl.choices.push_back(std::move(c));
    }
  }

  // The lists select_one_external and select_one_from_file name: from the
  // external_choices sheet and from the files published with the form.
  void resolve_lists(std::vector<Item>& items) {
    for (Item& it : items) {
      resolve_lists(it.items);
      if (it.list.starts_with(kExternalMark)) {
        it.list = external_list(it.list.substr(kExternalMark.size()), first_row(it.name));
      } else if (it.list.starts_with(kFileMark)) {
        it.list = file_list(it.list.substr(kFileMark.size()), first_row(it.name));
      }
    }
  }

  std::string external_list(const std::string& list, int row) {
    if (auto done = external_names_.find(list); done != external_names_.end()) return done->second;
    external_names_[list] = list;
    auto src = external_lists_.find(list);
    if (src == external_lists_.end()) {
      msg_.error("survey", row,
                 have_external_ ? "list " + quote(list) + " is not in the external_choices sheet"
                                : "select_one_external needs an external_choices sheet with list " +
                                      quote(list));
      unresolved_.insert(list);
      return list;
    }
    // XLSForm keeps the two sheets apart: a choices list may share the name.
    std::string name = list;
    std::string source = "external_choices";
    if (form_.lists.count(name)) {
      while (form_.lists.count(name) || external_lists_.count(name)) name += "_external";
      source += ":" + list;
      msg_.warn("external_choices", 0,
                "list " + quote(list) +
                    " is in both the choices and the external_choices "
                    "sheets; the external one is named " +
                    quote(name) + " in the form");
    }
    ChoiceList cl = std::move(src->second);
    cl.name = name;
    cl.source = source;
    form_.lists[name] = std::move(cl);
    external_names_[list] = name;
    return name;
  }

  std::string file_list(const std::string& file, int row) {
    if (auto done = file_names_.find(file); done != file_names_.end()) return done->second;
    const std::string stem = file.substr(0, file.rfind('.'));
    file_names_[file] = stem;
    if (form_.lists.count(stem)) {
      msg_.error("survey", row,
                 "the choices sheet has a list named " + quote(stem) +
                     ", which is also the name of " + "the file " + quote(file) +
                     "; rename one of them");
      unresolved_.insert(stem);
      return stem;
    }
    std::optional<Bytes> bytes = fetch_file(file, stem, row);
    if (!bytes) {
      if (!unresolved_.count(stem)) {
        msg_.error("survey", row,
                   quote(file) +
                       " was not given with the workbook: put it in the workbook's folder, "
                       "or name it with --attach FILE, to publish it with the form");
      }
      unresolved_.insert(stem);
    } else if (!load_file(file, stem, *bytes, row)) {
      unresolved_.insert(stem);
    }
    return stem;
  }

  // The bytes of `file`, the source of list `stem`; nullopt when it was not
  // given, or (reported, and `stem` marked unresolved) when it cannot be.
  std::optional<Bytes> fetch_file(const std::string& file, const std::string& stem, int row) {
    if (!valid_item_name(stem)) {
      msg_.error("survey", row,
                 quote(file) +
                     ": a file's name must be letters, digits, '_', '-' or '.', starting "
                     "with a letter or '_', and end .csv or .xml");
      unresolved_.insert(stem);
      return std::nullopt;
    }
    if (files_ == nullptr) return std::nullopt;
    Result<std::optional<Bytes>> bytes = (*files_)(file);
    if (!bytes.is_ok()) {
      msg_.error("survey", row, quote(file) + ": " + bytes.status().message());
      unresolved_.insert(stem);
      return std::nullopt;
    }
    return std::move(bytes).value();
  }

  // Reads the bytes of `file` into the list `stem`; false (with an error)
  // when they are not a list of choices within the bounds.
  bool load_file(const std::string& file, const std::string& stem, const Bytes& data, int row,
                 bool names_optional = false) {
    const std::string what = quote(file);
    attachment_bytes_ += data.size();
    if (data.size() > kMaxAttachmentBytes || attachment_bytes_ > kMaxAttachmentTotal) {
      msg_.error("survey", row,
                 what + ": the files published with a form may hold at most " +
                     std::to_string(kMaxAttachmentBytes >> 20) + " MiB each and " +
                     std::to_string(kMaxAttachmentTotal >> 20) + " MiB together");
      return false;
    }
    const std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
    Result<Sheet> read = ends_with_ci(file, ".xml") ? xml_sheet(text, file) : csv_sheet(text, file);
    if (!read.is_ok()) {
      msg_.error("survey", row, read.status().message());
      return false;
    }
    attachment_rows_ += read->rows.size();
    if (attachment_rows_ > kMaxAttachmentRows) {
      msg_.error("survey", row,
                 what + ": the files published with a form may hold at most " +
                     std::to_string(kMaxAttachmentRows) + " rows together");
      return false;
    }
    const Table t = make_table(*read);
    const auto cols = columns(t, file, true);
    std::map<std::string, ChoiceList> into;
    const std::size_t errors_before = error_count();
    read_choice_rows(t, cols, file, into, stem, names_optional);
    auto it = into.find(stem);
    if (error_count() != errors_before) return false;
    if (it == into.end() || it->second.choices.empty()) {
      msg_.error("survey", row, what + " has no rows");
      return false;
    }
    it->second.source = file;
    form_.lists[stem] = std::move(it->second);
    return true;
  }

  // instance('x') and pulldata('x', ...) read the list x: when neither sheet
  // has it, the file x.csv published with the form.
  void read_instance_files() {
    std::map<std::string, int> wanted;  // list -> the first row that reads it
    form_.walk([&](const Item& it, const std::vector<const Item*>&) {
      for (const ExprField* e : it.expressions()) {
        if (!e->present()) continue;
        for (const auto& list : e->expr->instances()) {
          if (!form_.lists.count(list) && !unresolved_.count(list))
            wanted.emplace(list, first_row(it.name));
        }
      }
      return true;
    });
    for (const auto& [list, row] : wanted) {
      if (!valid_item_name(list))
        continue;  // no file has that name: check_form names the missing list
      const std::string file = list + ".csv";
      std::optional<Bytes> bytes = fetch_file(file, list, row);
      if (!bytes) continue;  // not given: check_form names the missing list
      load_file(file, list, *bytes, row, true);
      unresolved_.insert(list);  // loaded or reported: check_form need not repeat it
    }
  }

  std::size_t error_count() const {
    return static_cast<std::size_t>(
        std::count_if(msg_.list().begin(), msg_.list().end(),
                      [](const ImportMessage& m) { return m.severity == Severity::kError; }));
  }

  // Each loop over a list becomes a group holding a group per choice, named
  // after the choice, with a copy of the loop's questions named
  // NAME_CHOICE. In labels and hints %(label)s is the choice's label, and
  // ${x} of a question in the loop reads the same choice's copy (as pyxform
  // writes it).
  void expand_loops(std::vector<Item>& items) {
    for (Item& it : items) {
      expand_loops(it.items);
      auto loop = loops_.find(it.name);
      if (loop == loops_.end() || it.type != QuestionType::kGroup) continue;
      const auto list = form_.lists.find(loop->second.first);
      if (list == form_.lists.end()) continue;  // named as an unknown list by the select checks
      std::set<std::string> inner;
      collect_names(it.items, inner);
      std::vector<Item> groups;
      for (const Choice& c : list->second.choices) {
        Item g;
        g.type = QuestionType::kGroup;
        g.name = it.name + "_" + c.name;
        g.label = c.label;
        g.items = it.items;
        for (Item& copy : g.items) loop_copy(copy, c, inner, loop->second.second);
        groups.push_back(std::move(g));
      }
      it.items = std::move(groups);
      loops_.erase(loop);
    }
  }

  static void collect_names(const std::vector<Item>& items, std::set<std::string>& out) {
    for (const Item& it : items) {
      out.insert(it.name);
      collect_names(it.items, out);
    }
  }

  void loop_copy(Item& it, const Choice& c, const std::set<std::string>& inner, int row) {
    it.name += "_" + c.name;
    for (LangText* t : {&it.label, &it.hint}) {
      LangText out;
      for (const auto& [lang, text] : t->all()) {
        std::string s = text;
        const std::string choice_label = c.label.get(lang, form_.default_language);
        for (auto at = s.find("%(label)s"); at != std::string::npos;
             at = s.find("%(label)s", at + choice_label.size())) {
          s.replace(at, 9, choice_label);
        }
        out.set(lang, std::move(s));
      }
      *t = std::move(out);
    }
    for (ExprField* e : it.expressions()) {
      if (!e->present()) continue;
      std::string src = e->source;
      for (const auto& n : inner) {
        const std::string from = "${" + n + "}", to = "${" + n + "_" + c.name + "}";
        for (auto at = src.find(from); at != std::string::npos;
             at = src.find(from, at + to.size())) {
          src.replace(at, from.size(), to);
        }
      }
      *e = expr(src, it.name, "loop", "survey", row);
    }
    for (Item& child : it.items) loop_copy(child, c, inner, row);
  }

  // XLSForm allows one name in different groups (the XForms paths differ);
  // Equitas keys answers by name alone, so a later one is renamed
  // GROUP_NAME. ${name} keeps reading the first (pyxform refuses a ${name}
  // that is ambiguous, so a form that references it names the first).
  void rename_group_duplicates(std::vector<Item>& items, const std::string& group,
                               std::map<std::string, std::string>& seen) {
    for (Item& it : items) {
      if (!it.name.empty() && bad_names_.count(it.name) == 0) {
        auto [at, fresh] = seen.emplace(it.name, group);
        if (!fresh && at->second != group) {
          std::string renamed = (group.empty() ? "top" : group) + "_" + it.name;
          while (seen.count(renamed) || name_rows_.count(renamed)) renamed += "_";
          const auto rows = name_rows_.find(it.name);
          const int row =
              rows != name_rows_.end() && rows->second.size() > 1 ? rows->second.back() : 0;
          if (rows != name_rows_.end() && rows->second.size() > 1) rows->second.pop_back();
          msg_.warn("survey", row,
                    "name " + quote(it.name) + " is also used in another group; this one (in " +
                        (group.empty() ? std::string("no group") : "group " + quote(group)) +
                        ") is named " + quote(renamed) + ", and ${" + it.name +
                        "} reads the first");
          name_rows_[renamed].push_back(row);
          it.name = renamed;
          seen.emplace(renamed, group);
        }
      }
      if (it.type == QuestionType::kGroup || it.type == QuestionType::kRepeat) {
        rename_group_duplicates(it.items, it.name, seen);
      }
    }
  }

  void finalise() {
    expand_loops(form_.items);
    std::map<std::string, std::string> seen_names;
    rename_group_duplicates(form_.items, "", seen_names);
    // Settings that need the survey read first.
    settle_form_id();
    settle_title_and_version();
    check_other_names();
    check_filter_columns();
    check_metadata_references();
    report_form_checks();
    if (!msg_has_errors()) {
      const auto missing = missing_translations(form_);
      if (!missing.empty()) {
        msg_.warn("", 0,
                  std::to_string(missing.size()) +
                      " text(s) lack a translation into every language of the form"
                      " (first: " +
                      missing.front() + ")");
      }
    }
  }

  // The form id: form_id as written when it is already valid, else made
  // valid; without one, from the file name, as pyxform does.
  void settle_form_id() {
    if (!id_raw_.empty() && sanitise_id(id_raw_) != id_raw_ && valid_form_id(id_raw_)) {
      form_.id = id_raw_;  // already a valid id ("a__b", "form-"): kept as written
    } else if (!id_raw_.empty()) {
      form_.id = sanitise_id(id_raw_);
      if (form_.id.empty()) {
        form_.id = "imported-form";
        msg_.warn(
            "settings", settings_row_,
            "form_id " + quote(id_raw_) + " has no usable characters; using '" + form_.id + "'");
      } else if (form_.id != id_raw_) {
        msg_.warn("settings", settings_row_,
                  "form_id " + quote(id_raw_) + " became '" + form_.id + "'");
      }
    } else {
      // As pyxform: the workbook's file name, so that two workbooks with the
      // same title (or none) do not publish over each other.
      std::string source = "the file name";
      form_.id = sanitise_id(file_stem_);
      if (form_.id.empty()) {
        source = "the form_title";
        form_.id = sanitise_id(title_raw_);
      }
      if (form_.id.empty()) {
        source = "nothing usable in the file name or title";
        form_.id = "imported-form";
      }
      msg_.warn("settings", settings_row_,
                "no form_id; using '" + form_.id + "' (from " + source + ")");
    }
  }

  void settle_title_and_version() {
    form_.description = description_texts_;
    if (!title_texts_.empty()) {
      form_.title = title_texts_;
    } else if (!title_raw_.empty()) {
      form_.title.set(default_lang_, title_raw_);
    } else {
      form_.title.set(default_lang_, form_.id);
      msg_.warn("settings", settings_row_, "no form_title; using the form id as the title");
    }
    if (!version_raw_.empty()) {
      form_.version = version_raw_;
    } else {
      form_.version = "1";
      msg_.warn("settings", settings_row_, "no version; using '1'");
    }
  }

  // or_other keeps its free text in NAME_other, which must not be taken.
  void check_other_names() {
    for (const auto& [name, row] : other_rows_) {
      if (name_rows_.count(name + "_other")) {
        msg_.error("survey", row,
                   "or_other needs the name '" + name + "_other' for the free text, but " +
                       "another question already uses it");
      }
    }
  }

  // A choice_filter reading a column the choices sheet does not have reads
  // "" for every choice; XLSForm behaves the same, but it is rarely meant.
  void check_filter_columns() {
    form_.walk([&](const Item& it, const std::vector<const Item*>&) {
      if (!it.choice_filter.present()) return true;
      std::set<std::string> warned;
      for (const auto& n : it.choice_filter.expr->bare_names()) {
        if (n == "name" || filter_columns_.count(n) || !warned.insert(n).second) continue;
        msg_.warn(
            "survey", first_row(it.name),
            "choice_filter " + quote(it.choice_filter.source) + " reads '" + n +
                "', which is not a column of the choices sheet, so it is empty for every choice");
      }
      return true;
    });
  }

  // References to skipped metadata fields are errors check_form will name;
  // say why here.
  void check_metadata_references() {
    form_.walk([&](const Item& it, const std::vector<const Item*>&) {
      for (const ExprField* e : it.expressions()) {
        if (!e->present()) continue;
        for (const auto& ref : e->expr->references()) {
          if (metadata_names_.count(ref)) {
            msg_.error("survey", first_row(it.name),
                       quote(it.name) + " refers to metadata field ${" + ref +
                           "}, which is not collected");
          }
        }
      }
      return true;
    });
  }

  // The shared structural checks (unique names, known lists, references),
  // each on the row it is about, unless it was reported already.
  void report_form_checks() {
    std::map<std::string, std::size_t> twice;  // name -> duplicates reported so far
    for (std::string p : check_form(form_)) {
      if (already_reported(p)) continue;
      int row = 0;
      std::string sheet;
      if (p.rfind("item '", 0) == 0) {
        const auto close = p.find('\'', 6);
        if (close != std::string::npos) {
          const std::string n = p.substr(6, close - 6);
          if (auto it = name_rows_.find(n); it != name_rows_.end() && !it->second.empty()) {
            sheet = "survey";
            row = it->second[0];
            if (p.ends_with(": the name is used twice")) {
              const std::size_t k = ++twice[n];
              if (k < it->second.size()) row = it->second[k];
            }
          }
        }
      }
      msg_.error(sheet, row, explain_refused_reference(std::move(p)));
    }
  }

  // A reference to a row that was refused: says so rather than "does not exist".
  std::string explain_refused_reference(std::string p) const {
    for (const auto& [name, refused_row] : refused_) {
      const std::string tail = "refers to ${" + name + "}, which does not exist";
      if (!name.empty() && p.ends_with(tail)) {
        return p.substr(0, p.size() - tail.size()) + "refers to ${" + name +
               "}, which was not imported (survey row " + std::to_string(refused_row) + ")";
      }
    }
    return p;
  }

  int first_row(const std::string& name) const {
    auto it = name_rows_.find(name);
    return it == name_rows_.end() || it->second.empty() ? 0 : it->second.front();
  }

  bool already_reported(const std::string& p) const {
    for (const auto& n : bad_names_) {
      if (p == "item '" + n + "': not a valid name") return true;
      if (n.empty() && p == "item '': the name is used twice") return true;
    }
    // An expression that did not parse has been reported with its row.
    for (const auto& [field, tail] : {std::pair<std::string, std::string>{
             "calculation", ": a calculate needs a calculation"}}) {
      if (p.rfind("item '", 0) == 0 && p.ends_with(tail)) {
        const std::string n = p.substr(6, p.size() - tail.size() - 7);
        if (failed_.count(n + "/" + field)) return true;
      }
    }
    // A list that could not be read was explained where it was named.
    for (const auto& l : unresolved_) {
      if (p.ends_with(": unknown choice list '" + l + "'")) return true;
      if (p.ends_with("but the form has no choice list '" + l + "'")) return true;
    }
    // A metadata reference was explained above.
    for (const auto& n : metadata_names_) {
      if (p.find("refers to ${" + n + "}, which does not exist") != std::string::npos) return true;
    }
    return false;
  }

  bool msg_has_errors() {
    return std::any_of(msg_.list().begin(), msg_.list().end(),
                       [](const ImportMessage& m) { return m.severity == Severity::kError; });
  }

  ImportResult finish() {
    ImportResult r;
    r.messages = std::move(msg_.list());
    if (!r.has_errors()) r.form = std::move(form_);
    return r;
  }

  Messages msg_;
  Form form_;
  std::string file_stem_;
  std::string title_raw_, id_raw_, version_raw_;
  std::string default_lang_ = "en";
  bool default_lang_given_ = false;
  LangText title_texts_, description_texts_;  // equitas_title::L, equitas_description::L
  bool languages_given_ = false;              // equitas_languages
  std::vector<std::string> given_languages_;
  int settings_row_ = 0;
  std::map<int, Column> survey_cols_, choices_cols_;
  std::vector<std::string> label_langs_;
  bool plain_label_ = false;
  std::vector<Open> open_;
  std::map<std::string, std::vector<int>> name_rows_;
  std::set<std::string> bad_names_;
  std::set<std::string> metadata_names_;
  std::map<std::string, int> refused_;  // name -> row of a question that was not imported
  std::set<std::string> failed_;        // "name/column" of expressions that did not parse
  std::map<std::string, std::pair<std::string, int>> loops_;  // loop group -> (list, row)
  std::set<std::string> filter_columns_;  // choices-sheet columns a choice_filter can read
  std::map<std::string, std::vector<int>> select_rows_;
  std::vector<std::pair<std::string, int>> other_rows_;
  const AttachmentReader* files_ = nullptr;
  bool have_external_ = false;
  std::map<std::string, ChoiceList> external_lists_;   // the external_choices sheet's lists
  std::map<std::string, std::string> external_names_;  // external list -> its name in the form
  std::map<std::string, std::string> file_names_;      // file -> its list's name
  std::set<std::string> unresolved_;                   // lists reported as unreadable
  std::size_t attachment_bytes_ = 0;
  std::size_t attachment_rows_ = 0;
};

Result<ImportResult> import_impl(ByteView bytes, std::string_view file_name,
                                 const AttachmentReader* files) {
  EQ_ASSIGN_OR_RETURN(WorkbookReader wb, WorkbookReader::open(bytes, xlsform_limits()));
  std::set<std::string> read_names;
  std::vector<Sheet> sheets;
  for (std::size_t i = 0; i < wb.sheet_names().size(); ++i) {
    const std::string n = ascii_lower(trim(wb.sheet_names()[i]));
    if (n != "survey" && n != "choices" && n != "settings" && n != "external_choices") {
      continue;  // helper sheets are not read
    }
    if (!read_names.insert(n).second) {
      // Excel refuses two sheets of one name; only a crafted archive has them.
      return Status::invalid_argument("refused: the workbook lists more than one sheet named '" +
                                      n + "'");
    }
    EQ_ASSIGN_OR_RETURN(Sheet s, wb.read_sheet(i));
    sheets.push_back(std::move(s));
  }
  ImportResult result =
      Importer(std::filesystem::path(file_name).stem().string(), files).run(sheets);
  // Sheets we deliberately do not read, but whose absence changes the form.
  for (const std::string& name : wb.sheet_names()) {
    if (ascii_lower(trim(name)) == "entities") {
      result.messages.push_back(
          {Severity::kWarning, "", 0, "sheet '" + name + "' is not supported and is ignored"});
    }
  }
  return result;
}

}  // namespace

Result<ImportResult> import_xlsform(ByteView xlsx_bytes, std::string_view file_name,
                                    const AttachmentReader& files) {
  try {
    return import_impl(xlsx_bytes, file_name, files ? &files : nullptr);
  } catch (const std::bad_alloc&) {
    return Status::invalid_argument("the workbook is too large to import");
  } catch (const std::exception& e) {
    return Status::invalid_argument(std::string("the workbook cannot be read: ") + e.what());
  } catch (...) {
    return Status::invalid_argument("the workbook cannot be read");
  }
}

namespace {

Result<std::optional<Bytes>> read_attachment(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return std::optional<Bytes>();
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return Status::io_error("cannot read '" + path.string() + "': " + ec.message());
  if (size > kMaxAttachmentBytes) {
    return Status::invalid_argument("'" + path.string() + "' is larger than " +
                                    std::to_string(kMaxAttachmentBytes >> 20) +
                                    " MiB, the most a form may carry");
  }
  std::ifstream in(path, std::ios::binary);
  Bytes bytes(static_cast<std::size_t>(size));
  if (!in || (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()),
                                   static_cast<std::streamsize>(size)))) {
    return Status::io_error("cannot read '" + path.string() + "'");
  }
  return std::optional<Bytes>(std::move(bytes));
}

}  // namespace

Result<ImportResult> import_xlsform_file(const std::filesystem::path& path,
                                         const std::vector<std::filesystem::path>& attach) {
  // A file the workbook names is looked for among `attach` (files, or
  // folders holding it), then beside the workbook; never by a path the
  // workbook writes, so a form cannot read /etc/passwd into its choices.
  const AttachmentReader files = [&](const std::string& name) -> Result<std::optional<Bytes>> {
    if (name.empty() || name.find_first_of("/\\") != std::string::npos || name == "." ||
        name == "..") {
      return Status::invalid_argument("a file published with a form is named without a folder");
    }
    for (const auto& a : attach) {
      std::error_code ec;
      if (std::filesystem::is_directory(a, ec)) {
        EQ_ASSIGN_OR_RETURN(auto found, read_attachment(a / name));
        if (found) return found;
      } else if (a.filename() == name) {
        EQ_ASSIGN_OR_RETURN(auto found, read_attachment(a));
        if (!found) return Status::not_found("cannot read '" + a.string() + "'");
        return found;
      }
    }
    return read_attachment(path.parent_path() / name);
  };
  try {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) return Status::not_found("cannot read '" + path.string() + "': " + ec.message());
    // The file itself may be as large as one of its parts.
    if (const std::uint64_t most = xlsform_limits().part_bytes; size > most) {
      return Status::invalid_argument("refused: '" + path.string() + "' is larger than " +
                                      std::to_string(most >> 20) + " MB");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status::io_error("cannot open '" + path.string() + "'");
    Bytes bytes(static_cast<std::size_t>(size));
    if (size > 0 &&
        !in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size))) {
      return Status::io_error("cannot read '" + path.string() + "'");
    }
    auto r = import_xlsform(bytes, path.filename().string(), files);
    if (!r.is_ok()) return r.status().with_context(path.filename().string());
    return r;
  } catch (const std::exception& e) {
    return Status::io_error("cannot read '" + path.string() + "': " + e.what());
  }
}

}  // namespace equitas::forms
