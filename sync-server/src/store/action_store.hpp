// The action plan between rounds (schema/sql/server/008_action_plan.sql):
// items adopted from validated team assessments, and their dated status
// updates. SQL only; the rules (what a status may be, which indicators
// exist, who may update) are in ServerApp (app/actions.cpp).
//
// Every function runs on the caller's connection and inside the caller's
// transaction: adoption runs in the transaction that validates the
// assessment, an update in the one that writes its audit line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "equitas/db/database.hpp"
#include "equitas/forms/form.hpp"
#include "equitas/status/status.hpp"

namespace equitas::server {

struct ActionUpdate {
  std::int64_t id = 0;  // in recording order; 0 before it is stored
  std::int64_t at = 0;
  std::string status, note, actor;
};

struct ActionItem {
  std::string id, administration_id, assessment_id, round,
      form_id;  // round, form: of the adopting assessment
  std::int64_t row = 0;
  std::string objective, activity, owner, deadline, target;
  std::vector<std::string> indicators;
  std::int64_t created_at = 0;
  // By date, then as recorded: the last is the current status. An update
  // from a post dates from when the member saved it (sync/intake.cpp).
  std::vector<ActionUpdate> updates;  // never empty once stored
};

class ActionStore {
 public:
  explicit ActionStore(Database& db) : db_(db) {}

  // Items of one administration (every one when empty), by id number, with
  // their updates.
  Result<std::vector<ActionItem>> items(std::string_view administration_id = {});
  Result<std::optional<ActionItem>> find(std::string_view id);
  // Whether the assessment's plan was adopted already.
  Result<bool> adopted(std::string_view assessment_id);
  // Stores `item` with its first update; the id is chosen here
  // (<administration>-AP<n>, one more than the administration's last) and
  // returned.
  Result<std::string> add(ActionItem item, const ActionUpdate& first);
  Status add_update(std::string_view item_id, const ActionUpdate& u);
  // A progress note takes at most this many bytes, an owner kMaxOwner.
  static constexpr std::size_t kMaxNote = forms::kMaxActionNoteBytes, kMaxOwner = 200;
  Status set_details(const ActionItem& item);  // indicators, owner, deadline
  // The id of the last update recorded (0 for none): a round's mark.
  Result<std::int64_t> last_update_id();

 private:
  Status load_updates(ActionItem& item);
  // Every assessment view of the item's administration shows the plan
  // (assessment_view.hpp): their revisions go up, so that collectors
  // fetch them again at their next sync.
  Status plan_changed(std::string_view item_id);
  Database& db_;
};

}  // namespace equitas::server
