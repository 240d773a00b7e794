// The form engine: given a form and a set of answers, decides which items
// are relevant, which are required, which answers are invalid and why (in the
// respondent's language), and what the calculations give. The collector's
// `submit`, its web UI and the server's ingest all call it; there is no
// second evaluator anywhere.
#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "equitas/forms/answer_validator.hpp"
#include "equitas/forms/form.hpp"
#include "equitas/util/clock.hpp"

namespace equitas::forms {

struct FieldError {
  std::string path;     // "dem_sex", or "action_plan[2].ap_owner" inside a repeat
  std::string message;  // in the requested language
};

struct ItemState {
  bool relevant = true;
  bool required = false;
  std::string error;  // empty when the answer is fine
};

struct Evaluation {
  // Keyed by path, for every item (groups included).
  std::map<std::string, ItemState> items;
  std::vector<FieldError> errors;
  // Calculated values, keyed by path.
  std::map<std::string, std::string> calculated;
  // For selects with a choice_filter or a randomized order: the choice
  // names offered, in the order to show them.
  std::map<std::string, std::vector<std::string>> choices;
  bool ok() const { return errors.empty(); }
};

struct EvalOptions {
  std::string language = "en";
  std::string today;  // YYYY-MM-DD; empty: the UTC date by `clock`
  // What now() (and an empty `today`) read; must outlive the evaluation.
  const Clock* clock = &SystemClock::instance();
  // Strict (submission) mode also reports unknown keys, answers to
  // non-relevant questions and missing required answers. The UI's live mode
  // shows constraint and type errors but not "required" before the
  // respondent has had a chance to answer.
  bool strict = true;
  // A team member's partial contribution to an assessment: unknown keys,
  // types, choices and constraints are errors; missing required answers and
  // answers whose condition other members' answers would decide are not.
  // Takes precedence over strict.
  bool partial = false;
  // Whether to fill Evaluation::items, calculated and choices (the UI needs
  // them). Validation on ingest only needs the errors: without the per-item
  // maps an evaluation allocates far less.
  bool record_states = true;
  // Where a randomized select has no seed of its own (or its seed is not
  // answered yet): the page's draft gives one, so its order stays the same
  // across evaluations; 0 draws a new order each time.
  std::uint32_t draft_seed = 0;
};

// Evaluates `answers` against `form`. Calculate items are computed and
// written into `answers` (a submitted value for one is replaced).
Evaluation evaluate(const Form& form, boost::json::object& answers, const EvalOptions& options);

// Whether a question was asked, read from stored answers (whose
// calculations are already in them) without running the whole form: every
// condition in `conditions` (its own `relevant` and each enclosing group's)
// holds. For readers of stored responses, such as the exporter; `today` is
// YYYY-MM-DD, and `clock` is what now() reads.
bool conditions_hold(const std::vector<const Expr*>& conditions, const boost::json::object& answers,
                     const std::string& today, const Clock& clock);

// Built-in messages ("This question is required.") in en, fr, es, ru, ar.
std::string builtin_message(std::string_view key, const std::string& lang);

// The forms compiled into both programs (schema/forms/*.json).
Result<std::vector<std::shared_ptr<const Form>>> bundled_forms();
// The editions the bundled forms replaced (schema/forms/previous/), each under
// its own version: a program still reads and validates what was captured with
// them, and never offers them for capture.
Result<std::vector<std::shared_ptr<const Form>>> previous_bundled_forms();

// "staff-climate: dem_sex: This question is required.\n..." for a Status.
std::string format_errors(const std::vector<FieldError>& errors);

}  // namespace equitas::forms
