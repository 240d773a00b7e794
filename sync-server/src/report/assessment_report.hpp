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
//
// Evidence files (issue 18): the files a file question beside an indicator
// names (p1_a_1_files beside p1_a_1). They are microdata: the report lists
// them (name, size, a link, a thumbnail for an image) only when the caller
// gives ReportEvidence, which the admin API does for the roles that may
// download the form's data, never otherwise.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "equitas/db/database.hpp"
#include "equitas/forms/form.hpp"

namespace equitas::server {

// How the report links evidence files: `link_prefix` then the file's
// SHA-256 in hex ("/api/v1/files/"), and whether the server holds a file
// (one still on its way from a post is listed without a link).
struct ReportEvidence {
  std::string link_prefix = "/api/v1/files/";
  std::function<bool(const std::string& sha256_hex)> held;
};

// `view` is assessment_view(...) in `lang` (scores included), `form` the
// assessment's form. `printed_at` is Unix seconds, shown at the foot.
// `evidence`: list the evidence files, linked as it says; null: not at all.
std::string assessment_report_html(const boost::json::object& view, const forms::Form& form,
                                   const std::string& lang, std::int64_t printed_at,
                                   const ReportEvidence* evidence = nullptr);

// The file questions of `form` outside repeats, each with the indicator it
// gives evidence for: the scored item whose name it extends ("P1.A.1" for
// p1_a_1_files beside p1_a_1), else the last scored item before it in the
// same group, else "".
struct EvidenceQuestion {
  const forms::Item* item = nullptr;
  std::string indicator;
};
std::vector<EvidenceQuestion> evidence_questions(const forms::Form& form);

// The evidence files named in `values`: stored answers (`merged` false) or
// a team assessment's merged fields ({"p1_a_1_files": {"value": [...]}}),
// in the form's order, as
//   {"indicator", "question", "label" (the question's, in `lang`),
//    "sha256", "name", "type", "size", "held"}.
// A malformed reference is left out. `held` is read from `db`'s file_blobs.
Result<boost::json::array> evidence_files(Database& db, const forms::Form& form,
                                          const boost::json::object& values, bool merged,
                                          const std::string& lang);

// Whether the server holds the file with this SHA-256 (hex) in full.
Result<bool> file_held(Database& db, const std::string& sha256_hex);

// Languages the report has words for; another falls back to English.
bool assessment_report_language(std::string_view lang);

}  // namespace equitas::server
