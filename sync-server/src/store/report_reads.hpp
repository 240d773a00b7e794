// The reads a report makes beside the analysis rows (analysis_store.hpp):
// each runs inside the caller's read transaction, on the connection's
// thread, and writes nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "equitas/db/database.hpp"
#include "equitas/status/status.hpp"
#include "equitas/util/bytes.hpp"

namespace equitas::server {

// Lets this connection read the file through a memory map: no copy of each
// page out of the OS cache (a fifth of a million-row report's time
// otherwise). Reading only; the connection's writes, if any, are unaffected.
Status map_for_scans(Database& db);

// The order in which `round` was first published for `form_id`
// (form_rounds ids only grow); nullopt for a round never published.
Result<std::optional<std::int64_t>> round_publication_order(Database& db, std::string_view form_id,
                                                            std::string_view round);

// When the form's first team assessment of `round` was created; nullopt
// when the round has none.
Result<std::optional<std::int64_t>> first_assessment_created(Database& db, std::string_view form_id,
                                                             std::string_view round);

// One enrolled device as a report's operations section shows it.
struct DeviceSummary {
  std::int64_t rowid = 0;  // the analysis rows' device_ref
  Bytes id;
  std::string site;
  std::string status;  // pending, active or revoked
  std::optional<std::int64_t> last_seen_at;
};
// Every device, by site, then in the order they were enrolled.
Result<std::vector<DeviceSummary>> device_summaries(Database& db);

// A stored submission's answers (JSON text) with what identifies it.
struct StoredAnswers {
  std::string answers;
  Bytes submission_id;
  std::string submitted_at;
};
// nullopt when no submission has that rowid.
Result<std::optional<StoredAnswers>> stored_answers(Database& db, std::int64_t rowid);

}  // namespace equitas::server
