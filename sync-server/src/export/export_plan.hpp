// What an export contains: the questions of every version of one form,
// merged into one set of columns, and how each answer becomes a cell.
//
// Submissions of every version land in one dataset, so the columns are the
// union over the versions: the newest version's questions in its order,
// then those only older versions asked. A select_multiple question becomes
// one 0/1 column per choice, named "question/code" (a slash cannot occur in
// a question name, so "q/other" never collides with the "q_other" answer of
// an or_other question). Answers no definition explains (a key or a code
// seen only in the data) still get a column or a choice: an export never
// drops data.
//
// Build it with from_forms(), feed every row to observe(), then call
// finish() before reading columns(); after that the plan is read-only.
// labelled() needs only from_forms() (JSON Lines makes one pass). Not
// thread-safe; one export uses one plan.
#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "equitas/forms/form.hpp"

namespace equitas::server {

// One codebook entry: a question as the versions of the form define it.
struct ExportQuestion {
  std::string name;       // the answer's key
  std::string type;       // "select_one", ...; "unknown" when no version defines it
  bool known = true;      // false: seen only in the data
  bool multiple = false;  // select_multiple: one 0/1 column per choice
  bool ranked = false;    // a ranking: each choice's column holds its position, 1 first
  bool select = false;    // select_one, likert, select_multiple: codes with labels
  std::string group;      // enclosing groups and repeats, "harassment" or "a/b"
  std::string repeat;     // set when it lives in a repeat's rows (no column of its own)
  std::string list;       // choice list name
  std::string note;       // English remark for the codebook
  forms::LangText label;
  std::vector<forms::Choice> choices;  // union over versions, newest definition first
  std::vector<std::string> versions;   // versions that ask it, oldest first
  std::set<std::string> rounds;        // rounds it was asked in
  // Whether a `relevant` condition (its own or an enclosing group's) can
  // skip it in some version: a blank is then "skipped" or "unanswered".
  bool gated = false;
  // What the data holds, for typing the variable (export_variables.hpp):
  bool only_numbers = true;         // every value is a number, a boolean or a numeric string
  bool near_missing_codes = false;  // a number in -99..-91, where reasons for a blank are coded
  std::size_t max_bytes = 0;        // the longest value as text

  const forms::Choice* find_choice(std::string_view code) const;
};

struct ExportColumn {
  std::string header;
  std::size_t question = 0;  // index into ExportPlan::questions()
  std::string choice;        // set for a select_multiple 0/1 column
};

// One data cell, typed so that a spreadsheet gets numbers as numbers. `text`
// is what CSV prints; for a number it is the exact JSON text or code.
struct ExportCell {
  enum class Kind { kEmpty, kText, kNumber, kBool };
  Kind kind = Kind::kEmpty;
  std::string text;
  double number = 0;
};

// A hash map from a name to an index, searched with a string_view (an answer
// key) without making a std::string of it. An export looks up every answer
// of every row by its key, so this is one hash per key, where an ordered map
// compared strings a few times each.
struct NameHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};
using NameIndex = std::unordered_map<std::string, std::size_t, NameHash, std::equal_to<>>;

// Codes are strings in the answers ("4" on an agree scale); those that are
// plain decimal numbers go to spreadsheets as numbers, so that analysts can
// average them. "01" keeps its leading zero and stays text.
bool is_numeric_code(std::string_view code);
// The number a code that is_numeric_code() accepts stands for.
double code_number(std::string_view code);

class ExportPlan {
 public:
  struct Version {
    std::shared_ptr<const forms::Form> form;
    std::vector<std::string> rounds;  // publication rounds
  };
  // `versions` oldest first; may be empty (a form id no definition names).
  static ExportPlan from_forms(const std::vector<Version>& versions);

  // Records what one stored row holds beyond the definitions.
  void observe(std::string_view version, std::string_view round,
               const boost::json::object& answers);
  // Lays out the columns. Call once, after the last observe().
  void finish();

  const std::vector<ExportQuestion>& questions() const { return questions_; }
  // The index in questions() of the question answered under `name`, if any.
  std::optional<std::size_t> question_index(std::string_view name) const;
  const std::vector<ExportColumn>& columns() const { return columns_; }
  // Languages any version promises, in first-seen order, default first.
  const std::vector<std::string>& languages() const { return languages_; }
  const std::string& default_language() const { return default_language_; }
  bool anonymous() const { return anonymous_; }
  // The definition of `version`, or null when no definition describes it.
  const forms::Form* form(std::string_view version) const;

  // The cell of `column` for one row's answers. With `labels`, select codes
  // become their label in `lang` (falling back to the default language; a
  // code no version defines stays as it is).
  ExportCell cell(const ExportColumn& column, const boost::json::object& answers, bool labels,
                  const std::string& lang) const;
  // The same, given the row's answer to the column's question (null when
  // the row has none), for a caller that has already found it.
  ExportCell cell(const ExportColumn& column, const boost::json::value* answer, bool labels,
                  const std::string& lang) const;
  // The columns of one repeat's rows (`repeat` indexes questions()): its
  // questions, a select_multiple as one 0/1 column per choice. Nested
  // repeats stay JSON in their cell.
  std::vector<ExportColumn> repeat_columns(std::size_t repeat) const;
  // The answers with select codes replaced by labels (for JSON Lines).
  boost::json::object labelled(const boost::json::object& answers, const std::string& lang) const;

 private:
  ExportQuestion& add_question(const std::string& name);
  void add_item(const forms::Form& form, const forms::Item& item,
                const std::vector<const forms::Item*>& parents, const Version& version);
  std::string label_of(const ExportQuestion& q, std::string_view code,
                       const std::string& lang) const;
  static void note_value(ExportQuestion& q, const boost::json::value& v);

  std::vector<ExportQuestion> questions_;
  NameIndex by_name_;  // question name -> index in questions_
  std::vector<ExportColumn> columns_;
  std::vector<std::string> languages_;
  std::string default_language_ = "en";
  bool anonymous_ = false;
  // The questions each version asks (or answers, for what only the data
  // explains), to credit them with the rounds seen in the data.
  std::map<std::string, std::set<std::size_t>, std::less<>> by_version_;
  std::set<std::pair<std::string, std::string>> seen_rounds_;
  std::map<std::string, std::shared_ptr<const forms::Form>, std::less<>> forms_;  // by version
};

}  // namespace equitas::server
