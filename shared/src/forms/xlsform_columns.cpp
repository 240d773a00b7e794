// The XLSForm importer's reading of cells (see xlsform_columns.hpp): the
// table of headers a column's meaning is looked up in, the language names
// it knows, and how one data row is sorted into values by column.
#include "xlsform_columns.hpp"

#include <algorithm>

#include "cell_text.hpp"

namespace equitas::forms::xlsform_detail {

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

bool yes(std::string_view v) {
  const std::string l = ascii_lower(trim(v));
  return l == "yes" || l == "true" || l == "true()" || l == "1" || l == "y";
}
bool no(std::string_view v) {
  const std::string l = ascii_lower(trim(v));
  return l.empty() || l == "no" || l == "false" || l == "false()" || l == "0" || l == "n";
}

bool one_of(std::string_view v, std::initializer_list<std::string_view> options) {
  return std::find(options.begin(), options.end(), v) != options.end();
}
bool one_of(std::string_view v, std::span<const std::string_view> options) {
  return std::find(options.begin(), options.end(), v) != options.end();
}

bool ends_with_ci(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && ascii_lower(s.substr(s.size() - suffix.size())) == suffix;
}

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

namespace {

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
      {"equitas_per_site", Col::kPerSite},
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

}  // namespace

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

}  // namespace equitas::forms::xlsform_detail
