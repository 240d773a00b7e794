// The printable report of a team assessment (issue 16): the document a
// gender-equality expert hands to the head of Customs. One self-contained
// HTML page (no script, no fetch: its style and radar are inline), in the
// assessment's language, laid out for A4 and Chromium's "Save as PDF":
// - the scope: administration, form, round, state, the team (the units
//   that contributed), the sites and the dates;
// - the scores with their coverage, by principle (a radar and a table) and
//   by key element, official or provisional;
// - strengths and gaps, weakest first, with their evidence, priority and
//   proposed action;
// - the disagreements and how they ended (a review's resolution, or a later
//   entry that had seen them), and those still open;
// - the action plan, and the review steps.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>

#include "equitas/forms/form.hpp"

namespace equitas::server {

// `view` is assessment_view(...) in `lang` (scores included), `form` the
// assessment's form. `printed_at` is Unix seconds, shown at the foot.
std::string assessment_report_html(const boost::json::object& view, const forms::Form& form, const std::string& lang,
                                   std::int64_t printed_at);

// Languages the report has words for; another falls back to English.
bool assessment_report_language(std::string_view lang);

}  // namespace equitas::server
