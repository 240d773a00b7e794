// What the team page (collector/web/team.js) needs to draw a team
// assessment (issue 16): the form's indicators in their principles and key
// elements, each with the fields that go with it (evidence, comment,
// responsible unit, priority, proposed action), and the assessment as the
// server last merged it, overlaid with this collector's own entries that
// the server has not merged yet. Pure functions of their inputs; the
// handlers are in web_team.cpp.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "collector_store.hpp"
#include "equitas/forms/form.hpp"

namespace equitas::collector {

// {statuses: [{name, label, points, not_applicable}], roles: [{name, label}],
//  lists: {name: [{name, label}]}, principles: [{id, label, elements: [{id,
//  label, indicators: [{name, code, label, hint, details: [{name, role,
//  type, label, list, multiline}]}]}]}]}.
// An indicator is a scored question; its details are the questions that
// follow it in the same group and whose names extend its own
// ("x_a_1_evidence" after "x_a_1"); `role` is the extension ("evidence").
boost::json::object team_layout(const forms::Form& form, const std::string& lang);

// One assessment for the list: id, form, round, administration, state,
// official, version, and its progress as the server counted it
// (indicators, rated, applicable, disagreements, coverage, percent), plus
// `unsynced`: how many of this collector's entries wait to be merged.
boost::json::object team_summary(const CollectorStore::HeldAssessment& held,
                                 const boost::json::object& view, std::size_t unsynced);

// The entries of this collector not merged yet, as {field: {value, role, at}}.
boost::json::object unsynced_view(const std::vector<CollectorStore::AssessmentEntry>& entries);

// The entry a member's action update leaves until the server's plan holds
// it: field "action:<action id>", value {"status", "note"}.
inline constexpr std::string_view kActionEntryPrefix = "action:";

}  // namespace equitas::collector
