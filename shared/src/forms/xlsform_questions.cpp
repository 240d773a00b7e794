// The XLSForm importer's question rows (see xlsform_importer.hpp): the type
// cell, the columns every item has (name, label, expressions), the columns
// only some kinds read (parameters, body::accept) and the equitas_ columns.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "cell_text.hpp"
#include "equitas/forms/file_answer.hpp"
#include "equitas/forms/form_json.hpp"
#include "xlsform_importer.hpp"

namespace equitas::forms::xlsform_detail {
namespace {

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

// Types XLSForm has and Equitas has no question for: refused as unsupported,
// not as unknown.
constexpr std::string_view kUnsupportedTypes[] = {"signature", "background-video", "xml-external",
                                                  "csv-external"};

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

// A select_one (`one`) or select_multiple of a list that is read once the
// survey is read: `list`, named with `mark` until then (kFileMark,
// kExternalMark). select_one_from_file and select_one_external share it.
void marked_select(Item& it, bool one, std::string_view mark, const std::string& list) {
  it.type = one ? QuestionType::kSelectOne : QuestionType::kSelectMultiple;
  it.list = std::string(mark) + list;
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

}  // namespace

// A question (a note, a calculate...): its type, the columns every
// question has, then those its kind reads. A row whose type cannot be
// imported is refused, and a reference to it says so.
void Importer::question_row(const SurveyRow& s) {
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
bool Importer::question_type(const SurveyRow& s, Item& it) {
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
bool Importer::hidden_type(const SurveyRow& s, Item& it) {
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
bool Importer::file_select_type(const SurveyRow& s, Item& it) {
  const bool file_ok =
      s.lw.size() == 2 && (ends_with_ci(s.words[1], ".csv") || ends_with_ci(s.words[1], ".xml"));
  if (!file_ok) {
    msg_.error("survey", s.row, "type " + quote(s.type_cell) + " must name one .csv or .xml file");
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
  marked_select(it, s.lw[0] == "select_one_from_file", kFileMark, s.words[1]);
  return true;
}

// select_one_external LIST: a list of the external_choices sheet.
bool Importer::external_select_type(const SurveyRow& s, Item& it) {
  if (s.lw.size() != 2) {
    msg_.error("survey", s.row,
               "type " + quote(s.type_cell) + " must name one list of the external_choices sheet");
    return false;
  }
  marked_select(it, s.lw[0] == "select_one_external", kExternalMark, s.words[1]);
  return true;
}

// select_one LIST, select_multiple LIST (or the legacy "select one from
// LIST", "select all that apply from LIST"), perhaps with or_other.
bool Importer::select_type(const SurveyRow& s, Item& it) {
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
void Importer::osm_type(const SurveyRow& s, Item& it) {
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
std::string Importer::question_name(const SurveyRow& s, const Item& it) {
  if (!s.name.empty() || it.type != QuestionType::kNote) return s.name;
  std::string name = "note_row" + std::to_string(s.row);
  while (name_rows_.count(name)) name += "_";
  msg_.warn("survey", s.row, "note without a name is named '" + name + "'");
  return name;
}

// The columns only some kinds of question read: a location's accuracy, a
// select's order, a file question's limits and body::accept.
void Importer::kind_columns(Item& it, const RowValues& v, int row) {
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
void Importer::location_accuracy(Item& it, const RowValues& v, int row) {
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
void Importer::select_order(Item& it, const RowValues& v, int row) {
  std::string seed;
  for (const Parameter& p : parameters_of(v.get(Col::kParameters))) {
    const std::string value = ascii_lower(p.value);
    if (p.key == "randomize" &&
        (value == "true" || value == "yes" || value == "false" || value == "no")) {
      it.randomize = value == "true" || value == "yes";
    } else if (p.key == "randomize") {
      msg_.error("survey", row, "parameter randomize must be true or false, not " + quote(p.value));
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
void Importer::file_limits(Item& it, const RowValues& v, int row) {
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
std::string Importer::range_constraint(const std::string& params, int row) {
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

void Importer::check_name(std::string& name, int row) {
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

void Importer::fill_common(Item& it, const RowValues& v, int row, const std::string& raw_name) {
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

void Importer::fill_question(Item& it, const RowValues& v, int row) {
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
      msg_.warn("survey", row,
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

ExprField Importer::expr(const std::string& source, const std::string& item,
                         std::string_view column, const std::string& sheet, int row) {
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

// yes or no in an equitas_ column; an error for anything else.
bool Importer::flag(const RowValues& v, Col c, std::string_view column, const std::string& sheet,
                    int row) {
  const std::string value = v.get(c);
  if (yes(value)) return true;
  if (!no(value))
    msg_.error(sheet, row, std::string(column) + " must be yes or no, not " + quote(value));
  return false;
}

// A whole number in an equitas_ column, or nullopt (blank, or an error).
std::optional<std::int64_t> Importer::whole(const RowValues& v, Col c, std::string_view column,
                                            int row) {
  const std::string value = v.get(c);
  if (value.empty()) return std::nullopt;
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || end != value.data() + value.size()) {
    msg_.error("survey", row, std::string(column) + " must be a whole number, not " + quote(value));
    return std::nullopt;
  }
  return n;
}

// The survey's equitas_ columns: what an Equitas item has and XLSForm lacks.
void Importer::read_extensions(Item& it, const RowValues& v, int row) {
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
  it.per_site = flag(v, Col::kPerSite, "equitas_per_site", "survey", row);
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
  if (pixels) it.file.max_pixels = static_cast<int>(std::clamp<std::int64_t>(*pixels, -1, kIntMax));
  if (files) it.file.max_files = static_cast<int>(std::clamp<std::int64_t>(*files, -1, kIntMax));
}

}  // namespace equitas::forms::xlsform_detail
