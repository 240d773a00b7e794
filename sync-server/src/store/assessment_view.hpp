// What `sync-server assessment show --json` prints and collectors receive
// at sync: an assessment's merged state, with its disagreements, every
// field's history, flagged contributions, workflow and scores with coverage.
//
// Scores (docs/assessments.md, "Scores and coverage"): per key element,
// principle and overall, the percent of the maximum over the indicators
// rated so far, beside its coverage, rated / applicable. "Not applicable"
// leaves the indicator out of both; "don't know", no answer yet, and a
// disagreement leave it applicable but not rated, so they lower coverage
// and never raise a score. Coverage under 80 % marks the score incomplete.
// Only a validated assessment's scores are official; the others are
// provisional.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <map>
#include <string>
#include <vector>

#include "action_store.hpp"
#include "assessment_store.hpp"
#include "equitas/forms/form.hpp"
#include "equitas/forms/form_library.hpp"
#include "equitas/wire/sync_messages.hpp"

namespace equitas::server {

inline constexpr double kCompleteCoverage = 0.8;

// `form` may be null (a form version this server no longer knows): then
// there are no scores, only the merged state.
boost::json::object assessment_view(const AssessmentRecord& a,
                                    const std::vector<StoredEvent>& events,
                                    const std::vector<ReviewStep>& reviews, const forms::Form* form,
                                    const std::string& lang = "en");

// One assessment's view, read in the caller's transaction; nullopt for an
// unknown id. The form is the current version of the assessment's form.
Result<std::optional<boost::json::object>> load_assessment_view(Database& db,
                                                                const forms::FormLibrary& library,
                                                                std::string_view id,
                                                                const std::string& lang = "en");
// With "actions": the action plan of the assessment's administration, every
// item adopted so far (action_store.hpp) as action_plan_view gives it, so
// that the team sees and updates it from a collector between rounds.

// Each item's id, round, objective, activity, owner, deadline, linked
// indicator ids, and its last update: status code, note, when and by whom.
boost::json::array action_plan_view(const std::vector<ActionItem>& items);

// The views (serialized) of every assessment whose revision differs from
// what a collector holds.
Result<std::vector<std::string>> changed_assessment_views(Database& db,
                                                          const forms::FormLibrary& library,
                                                          const std::vector<AssessmentRef>& known);

// The "fields" object of an assessment's merged state; empty when the state
// holds none (or cannot be read).
boost::json::object merged_fields(const AssessmentRecord& a);

// The same, with each per-site indicator that the team has not given the
// administration's status standing at its weakest site (docs/assessments.md,
// "Per-site findings"): its field then holds that site's status and
// "from_sites" (each site and its status), or, while a site's entries
// disagree, "site_disagreement" (those sites) and no value. A site's
// disagreement marks the team's own status too ("site_disagreement"
// beside its value): the indicator counts as a disagreement until it is
// resolved, as validation requires.
boost::json::object merged_fields(const AssessmentRecord& a, const forms::Form& form);
void derive_site_statuses(const forms::Form& form, boost::json::object& fields);

// The form's scored indicators by id ("P1.A.1"), each with its item.
std::map<std::string, const forms::Item*> scored_indicators(const forms::Form& form);

// The label in `lang` of a code of the form's list `list`; the code itself
// when the list or the code is unknown.
std::string choice_label(const forms::Form& form, const std::string& list, const std::string& code,
                         const std::string& lang);

// The scores part alone, from a merged state's "fields" object.
boost::json::object assessment_scores(const forms::Form& form, const boost::json::object& fields,
                                      bool official, const std::string& lang);

}  // namespace equitas::server
