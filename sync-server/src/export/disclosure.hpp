// Disclosure control for microdata (issue 14): k-anonymity on
// quasi-identifiers by local suppression, the method of sdcMicro's
// localSuppression and of tau-ARGUS (Hundepool et al., "Statistical
// Disclosure Control", Wiley 2012, ch. 3), written here for one table.
//
// A record is a row's quasi-identifiers: the reporting unit and the
// answers a report may break down by (sex, grade, age band...). The table
// is k-anonymous when every combination of values that a released record
// shows occurs in at least k records. A suppressed value (nullopt) is
// released as blank and counts as a value of its own, so a record with
// some values withheld must still share its combination with k - 1 others;
// a record with every value withheld reveals nothing and is safe.
//
// make_k_anonymous() withholds values in records whose combination is rarer
// than k, one value per such record per round, until none is left: in each
// record, the value that is rarest in its column across the whole table
// (ties: the later column, so put the unit first to keep it longest).
// Records in combinations of k or more are never touched, so a table that
// is already safe comes back unchanged. Deterministic: the same table gives
// the same result.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace equitas::server {

using QuasiRecord = std::vector<std::optional<std::string>>;

struct DisclosureReport {
  std::size_t k = 0;
  std::size_t cells_suppressed = 0;
  std::vector<std::size_t> suppressed_by_column;  // same order as the records' values
  std::size_t records_changed = 0;
};

// Every record must have the same number of values. k of 0 or 1 changes
// nothing.
DisclosureReport make_k_anonymous(std::vector<QuasiRecord>& records, std::size_t k);

// The size of the smallest combination that a record with at least one
// value shown belongs to (0 when there is none): k-anonymity holds when this
// is 0 or at least k. For tests and for the export's own final check.
std::size_t smallest_combination(const std::vector<QuasiRecord>& records);

}  // namespace equitas::server
