// What the XLSForm importer reads a sheet's cells as: the header row's
// columns, each classified by what it means (and its language), a data
// row's values by column, and the small readings of cell text (yes or no,
// words, a value quoted in a message). Private to the XLSForm importer.
#pragma once

#include <initializer_list>
#include <map>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "equitas/forms/form.hpp"
#include "equitas/forms/workbook_reader.hpp"

namespace equitas::forms::xlsform_detail {

// ---------------------------------------------------------------------------
// Small text helpers (trim and ascii_lower are in cell_text.hpp).

// The words of `s`, split at white space.
std::vector<std::string> split_words(std::string_view s);

// `s` in single quotes for a message, cut after 120 bytes.
std::string quote(std::string_view s);

// yes, true, 1... and no, false, 0... (a blank cell is no), in any case.
bool yes(std::string_view v);
bool no(std::string_view v);

// Whether `v` is one of `options`.
bool one_of(std::string_view v, std::initializer_list<std::string_view> options);
bool one_of(std::string_view v, std::span<const std::string_view> options);

// Whether `s` ends with `suffix` (in lower case), without regard to case.
bool ends_with_ci(std::string_view s, std::string_view suffix);

// ---------------------------------------------------------------------------
// Sheets and their columns.

// A table: the first non-empty row is the header; the rest are data.
struct Table {
  int header_row = 0;
  std::map<int, std::string> headers;  // column -> trimmed header text
  std::vector<const SheetRow*> rows;
};

Table make_table(const Sheet& s);

// Language name or "Name (code)" -> code.
std::string language_code(std::string_view spec);

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
  kPerSite,
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
inline constexpr std::string_view kExtensionPrefix = "equitas_";

inline bool survey_extension(Col c) { return c >= Col::kLikert && c <= Col::kMaxFiles; }
inline bool choice_extension(Col c) { return c >= Col::kPolarity && c <= Col::kPoints; }

struct Column {
  Col kind = Col::kUnknown;
  std::string header;  // trimmed, as written
  bool has_lang = false;
  std::string lang;  // when has_lang
};

inline bool translatable(Col c) {
  return c == Col::kLabel || c == Col::kHint || c == Col::kConstraintMessage ||
         c == Col::kRequiredMessage;
}

// A header's meaning: its kind, and its language when it is a translatable
// column written "label::English (en)" (or the legacy "label:English").
// `choices_sheet`: a "value" column is the name column there.
Column classify(const std::string& header, bool choices_sheet);

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

RowValues row_values(const SheetRow& r, const std::map<int, Column>& columns);

// Whether any data row has a value in a column without a header; those
// columns into `blank_cols`.
bool any_value_in_blank_columns(const Table& t, std::set<int>& blank_cols);

// A column's letters as a spreadsheet shows them: 1 -> "A", 28 -> "AB".
std::string column_letters(int col);

}  // namespace equitas::forms::xlsform_detail
