// The server's durable state for team assessments (schema/sql/server/
// 005_assessments.sql): administrations, assessments, their events
// (contributions and resolutions) and workflow steps. SQL only; the rules
// are in ServerApp (app/assessments.cpp) and in intake's merge on ingest.
//
// Every function runs on the caller's connection and inside the caller's
// transaction when there is one: record_contribution and apply_event are
// meant to run in the transaction that stores the envelope or writes the
// audit line, so a crash leaves the previous merged state and every event,
// or the new ones, never half.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "equitas/db/database.hpp"
#include "equitas/forms/assessment_merge.hpp"
#include "equitas/forms/form.hpp"
#include "equitas/status/status.hpp"
#include "equitas/wire/ids.hpp"
#include "equitas/wire/payload.hpp"

namespace equitas::server {

struct Administration {
  std::string id, name;
  std::int64_t created_at = 0;
};

enum class AssessmentState { kDraft, kUnderReview, kValidated };
std::string_view assessment_state_name(AssessmentState s);

struct AssessmentRecord {
  std::string id, form_id, round, administration_id, administration_name;
  AssessmentState state = AssessmentState::kDraft;
  std::int64_t version = 0, revision = 0, created_at = 0;
  std::string merged;  // merged_to_json, serialized
};

struct StoredEvent {
  forms::AssessmentEvent event;
  std::optional<std::string> flagged;  // why it was kept out of the merge
};

struct ReviewStep {
  std::string from, to, comment, actor;
  std::int64_t at = 0;
  // The last action update (action_store.hpp) when this step was taken:
  // the action plan as this round stood.
  std::int64_t action_mark = 0;
};

class AssessmentStore {
 public:
  explicit AssessmentStore(Database& db) : db_(db) {}

  // already_exists for a known id.
  Status add_administration(const Administration& a);
  Result<std::vector<Administration>> administrations();
  Result<std::optional<Administration>> find_administration(std::string_view id);

  // already_exists when the administration has an assessment of that form
  // and round.
  Status add_assessment(const AssessmentRecord& a);
  Result<std::vector<AssessmentRecord>> assessments();
  Result<std::optional<AssessmentRecord>> find_assessment(std::string_view id);
  Result<std::vector<StoredEvent>> events(std::string_view assessment_id);
  Result<std::vector<ReviewStep>> reviews(std::string_view assessment_id);

  // Adds `event` (its seq is chosen here: one more than the assessment's
  // last) and, unless `flagged`, merges every unflagged event again and
  // stores the merged state. The revision goes up either way. Returns the
  // event's seq.
  Result<std::int64_t> apply_event(const AssessmentRecord& a, forms::AssessmentEvent event,
                                   const std::optional<std::string>& flagged);
  Status set_state(const AssessmentRecord& a, AssessmentState to, const ReviewStep& step);

  // The submission ids of contributions, to keep them out of the pooled
  // per-submission GEOAT report.
  Result<bool> is_contribution(ByteView submission_id);

 private:
  Database& db_;
};

// The event a contribution's payload gives: its answers as fields. When the
// contribution names a site, the form's per-site questions are keyed by it
// (forms::site_key); `form` is the version it answers (null: none keyed).
forms::AssessmentEvent contribution_event(const SubmissionId& id, const DeviceId& device,
                                          std::string_view site, const ResponsePayload& payload,
                                          const forms::Form* form);

}  // namespace equitas::server
