// The export as variables that SPSS, Stata, R, pandas and Excel take as they
// are (issue 15): the ExportPlan's columns (export_plan.hpp) given
//   - names that are valid identifiers in all of them: a letter first, then
//     letters, digits and '_', at most 32 bytes (Stata's limit), no reserved
//     word, unique ignoring case (SPSS ignores it); "harass_channel/manager"
//     becomes "harass_channel_manager", and the codebook maps one to the other;
//   - a type: numeric where every value is a number (integers, decimals,
//     numeric codes, 0/1 for select_multiple choices and acknowledgements,
//     calculations that only ever gave numbers), text otherwise;
//   - a reason for every blank, because "not asked" and "didn't answer"
//     are different findings:
//       skipped       a `relevant` condition left the question out;
//       unanswered    it was asked and left blank;
//       not released  skipped or unanswered, and telling which would reveal
//                     an answer that disclosure control withheld;
//       withheld      disclosure control withheld the answer itself;
//       excluded      a "don't know" / "not applicable" choice (Choice::
//                     exclude) of a numeric question, so that the column's
//                     mean is the mean of real answers.
//
// How each format carries the reasons:
//   SAV  user-missing values in the declared range -99..-91, labelled:
//        -99 skipped, -98 unanswered, -97 not released, -96 withheld,
//        -95.. -91 the excluded choices in list order;
//   DTA  extended missing values, labelled: .s skipped, .u unanswered,
//        .x not released, .w withheld, and for an excluded choice the first
//        letter of its code where free (.d for "dk", .n for "na"), else the
//        first free letter;
//   CSV/XLSX  a blank cell, and a companion column NAME_miss holding the
//        reason ("skipped", "unanswered", "not released", "withheld" or the
//        excluded choice's code) for every variable whose blank can mean
//        more than "unanswered". A blank without a companion is unanswered.
//
// Anonymous forms: a reason is computed from released answers only. Where a
// row's skip logic reads a withheld answer, the blank is "not released".
#pragma once

#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "equitas/util/clock.hpp"
#include "export_source.hpp"

namespace equitas::server {

enum class Missing : std::uint8_t {
  kNone,
  kSkipped,
  kUnanswered,
  kNotReleased,
  kWithheld,
  kExcluded
};

// One reason a variable's cell can be blank, with its code in each format.
struct MissingCode {
  Missing why = Missing::kNone;
  std::string code;   // "skipped", ..., or the excluded choice's code
  std::string label;  // "Skipped (not asked)", or the choice's label
  double spss = 0;    // -99 ... -91
  char stata = 0;     // 'a' ... 'z'
};

struct ValueLabel {
  double value = 0;
  std::string label;
};

// Value labels shared by the variables of one choice list: its values, and
// the reasons any of those variables can give for a blank.
struct ValueSet {
  std::vector<ValueLabel> values;
  std::vector<MissingCode> reasons;
};

struct ExportVariable {
  std::string name;   // the identifier
  std::string path;   // what the plan calls it: "harass_channel/manager", or a meta column
  std::string label;  // the question's label in the export's language
  bool numeric = false;
  bool meta = false;
  std::size_t index = 0;  // into meta_columns() or ExportSource::columns()
  std::string value_set;  // name of its value labels ("" for none), shared by a choice list
  std::vector<MissingCode> reasons;
  // The variable after this one is its companion NAME_miss (CSV/XLSX, or
  // a text variable anywhere): a blank's reason as text.
  bool has_companion = false;
  bool is_companion = false;
  bool declare_range = true;  // SAV: false when real values fall in -99..-91
  std::size_t width = 1;      // text: the longest value in bytes
  // Select codes and the number each stands for (numeric selects only);
  // looked up for every select answer of every row.
  std::unordered_map<std::string, double, NameHash, std::equal_to<>> codes;
};

// One cell.
struct ExportValue {
  enum class Kind { kBlank, kNumber, kText };
  Kind kind = Kind::kBlank;
  double number = 0;
  std::string text;                     // the number's exact text, or the text
  const MissingCode* reason = nullptr;  // for a blank: why (null: no answer, no companion)
};

struct LayoutOptions {
  bool labels = false;  // select answers as their labels (text columns)
  std::string lang;     // "" is the form's default
  // SAV/DTA: selects with text codes become numbers 1..n in list order with
  // value labels, so that every select is numeric.
  bool code_selects = false;
  // SAV/DTA: a numeric variable carries its reasons as missing values, so
  // only a text variable needs a companion column.
  bool in_band_reasons = false;
};

class ExportLayout {
 public:
  // Call after source.build_plan().
  ExportLayout(const ExportSource& source, LayoutOptions options);

  const std::vector<ExportVariable>& variables() const { return variables_; }
  // Value label sets by name.
  const std::map<std::string, ValueSet>& value_sets() const { return value_sets_; }
  const std::string& language() const { return lang_; }

  // The cells of one row, one per variable.
  void values(const ExportRow& row, std::vector<ExportValue>& out) const;

 private:
  void add_meta();
  void add_answer(std::size_t column_index, const ExportColumn& column);
  std::string unique_name(std::string_view path, std::string_view suffix = "");
  // Appends OF_miss, the companion of the variable just added.
  void add_companion(std::string of);
  void add_reasons(const std::string& set, const std::vector<MissingCode>& reasons);
  ExportValue blank(const ExportVariable& v, std::size_t question, const ExportRow& row) const;
  // Why `q` (the plan's question number `question`) is blank in `row`.
  Missing why_blank(const ExportQuestion& q, std::size_t question, const ExportRow& row) const;

  const ExportSource& source_;
  const ExportPlan& plan_;
  LayoutOptions options_;
  std::string lang_;
  std::vector<ExportVariable> variables_;
  std::map<std::string, ValueSet> value_sets_;
  std::map<std::string, std::string> list_sets_;  // choice list (or question) -> value set name
  std::vector<std::string> taken_;                // names in use, lower case
  // The blank reasons every variable may use, by kind.
  std::map<Missing, MissingCode> common_;
  // A question's skip logic in one version: the conditions that must all
  // hold for it to be asked, and the answers they read (through
  // calculations), for anonymous rows.
  struct Gate {
    bool known = false;
    std::vector<const forms::Expr*> conditions;
    std::vector<std::string> reads;
    std::vector<std::string> calculations;  // calculate items among `reads`
  };
  const Gate& gate(const forms::Form& form, const ExportQuestion& q, std::size_t question) const;
  // The export's time, for today() and now() in skip logic: one instant
  // for every row.
  ManualClock at_;
  std::string today_;
  mutable std::map<const forms::Form*, std::vector<Gate>> gates_;  // by question index
  mutable std::vector<Missing> row_why_;  // this row's reasons, by question (kNone: not yet known)
  // This row's answer to each question (null: none), by question index:
  // the row's answers are looked up once per key, not once per variable.
  mutable std::vector<const boost::json::value*> row_answers_;
  // This row's answers with the form's calculations run, for a row stored
  // without them (made by hand, or imported); empty until needed.
  mutable boost::json::object computed_;
  mutable bool computed_ready_ = false;
};

// "harass_channel/manager" -> "harass_channel_manager": the identifier a
// path becomes before it is made unique.
std::string variable_name(std::string_view path);

}  // namespace equitas::server
