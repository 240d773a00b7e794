// The field-level merge of a team assessment (the GEOAT as one shared
// record): a pure function from the set of events (partial contributions
// and resolutions) to the merged state. Both programs use it: the server on
// ingest, the collector to show what it received. docs/assessments.md
// states the rule; in short:
//
//   * An event E has *seen* an event F when F.seq <= E.base (E's author had
//     the merged state up to F), or when both come from the same device and
//     author role and E is the later one (a member correcting their own
//     earlier answer before it reached the server).
//   * For each field, the *heads* are the events that set it and that no
//     other event setting it has seen. One value among the heads is the
//     current value; two or more different values are a disagreement, listed
//     with who said what, where and when. A resolution is an event whose base
//     is the whole state, so it has seen all the heads and ends the
//     disagreement; a contribution that had not seen it opens a new one.
//   * Evidence files are the exception: when every head's value is a list
//     of file references (a file question's answer, each with its sha256),
//     the heads do not disagree; the value is their union, each content
//     once, in the order of the heads. Two members who each attached what
//     they found both keep it. A member who had seen a file and removed it
//     still removes it (their event is then the only head).
//   * Nothing is dropped: every value of every event is in its field's
//     history, resolutions included.
//
// The result depends only on the set of events (not the order they are
// given in), and an event given twice (same id) counts once.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "equitas/forms/form.hpp"

namespace equitas::forms {

struct AssessmentEvent {
  enum class Kind { kContribution, kResolution };
  Kind kind = Kind::kContribution;
  std::string id;         // stable: a contribution's submission id, "resolution-<seq>"
  std::int64_t seq = 0;   // the order the server took it in: 1, 2, ... (unique)
  std::int64_t base = 0;  // the merged version its author had seen (< seq)
  std::string author;     // a contribution's role ("hr"), or who resolved
  std::string device;     // contributing device; "" for a resolution
  std::string site;       // where it was entered
  std::string at;         // ISO 8601 UTC
  // Field name -> value, as compact JSON text ("\"3\"", "[\"a\",\"b\"]").
  std::map<std::string, std::string> fields;
  std::string comment;  // a resolution's reason
};

// One entry of a field's history: the event, and the value it gave.
struct FieldEntry {
  std::string event_id;
  std::int64_t seq = 0;
  AssessmentEvent::Kind kind = AssessmentEvent::Kind::kContribution;
  std::string author, device, site, at, comment;
  std::string value;  // JSON text
};

struct FieldState {
  std::optional<std::string> value;   // JSON text; absent while in disagreement
  std::vector<FieldEntry> competing;  // the disagreeing heads (empty when agreed)
  std::vector<FieldEntry> history;    // every entry, by seq
  bool disagreement() const { return !competing.empty(); }
};

struct MergedAssessment {
  std::int64_t version = 0;        // the highest seq merged
  std::int64_t contributions = 0;  // distinct contribution events
  std::int64_t resolutions = 0;
  std::map<std::string, FieldState> fields;
  std::int64_t disagreements() const;
};

MergedAssessment merge_assessment(const std::vector<AssessmentEvent>& events);

// Per-site findings (forms::Item::per_site): a contribution that names a
// site sets such a question under the key "<field>@<site>", so each site's
// answer merges on its own and sits beside the others'; the field's own key
// is the administration's answer. Field names never hold '@'.
inline constexpr char kSiteSeparator = '@';
std::string site_key(std::string_view field, std::string_view site);
// {field, site}; site is empty for a key without one.
std::pair<std::string_view, std::string_view> split_site_key(std::string_view key);
// The key a contribution's answer to `field` merges under: site_key(field,
// site) for a per-site question of `form` when the contribution names a
// site, else `field` itself (also when `form` is null). The server keys its
// events so; the collector keys its waiting entries the same way.
std::string contribution_key(const Form* form, std::string_view field, std::string_view site);

// {"version", "contributions", "resolutions", "disagreements",
//  "fields": {name: {"value"?, "disagreement", "competing": [...], "history": [...]}}}
// with values as JSON (not text). The inverse of nothing: readers use it as is.
boost::json::object merged_to_json(const MergedAssessment& merged);

}  // namespace equitas::forms
