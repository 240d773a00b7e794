// Helpers for the report tests: hand-made submissions stored the way the
// ingestor stores them (same transaction, same analysis hook), and lookups
// into a report's JSON.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <functional>
#include <map>
#include <string>

#include "fixtures.hpp"
#include "report.hpp"

namespace equitas::test {

DeviceId add_device(server::ServerStore& store, const std::string& site);

// Stores one accepted submission (no envelope worth verifying: reports read
// answers, not envelopes) and returns its id. `submitted_at` is a day.
SubmissionId add_response(server::ServerStore& store, const DeviceId& device,
                          const std::string& form, const std::string& version,
                          const std::string& answers_json, const std::string& round = "",
                          std::optional<SubmissionId> id = std::nullopt, std::uint32_t revision = 1,
                          const std::string& submitted_at = "2026-11-20");

server::ReportOptions options(const std::string& form);
boost::json::object report_of(server::ServerStore& store, const server::ReportOptions& options);
std::string report_text(const boost::json::object& report);

const boost::json::object& item(const boost::json::object& survey, const std::string& name);
const boost::json::object& section(const boost::json::object& survey, const std::string& name);
// The entry of `groups` whose group is exactly `key`.
const boost::json::object& group(const boost::json::array& groups,
                                 const std::map<std::string, std::string>& key);
// An anonymous form's counts carry noise (cell_key.hpp). These give what a
// report publishes for a set of responses, from the store's own secret, so
// that tests compare with the method's output rather than loosen.
// The submissions.id of every response to `form`, in the order stored.
std::vector<std::int64_t> rowids_of(server::ServerStore& store, const std::string& form);
// Those whose answer to `question` (a select_one) is one of `values`.
std::vector<std::int64_t> rowids_with(server::ServerStore& store, const std::string& form,
                                      const std::string& question,
                                      const std::vector<std::string>& values);
// The published count of those responses (`count` of them).
std::int64_t published(server::ServerStore& store, const std::vector<std::int64_t>& rowids);
// The same, as the n of a shown group: never under `threshold`.
std::int64_t published_n(server::ServerStore& store, const std::vector<std::int64_t>& rowids,
                         std::int64_t threshold = 10);
// A report's percentage of two published counts.
double percent_of(std::int64_t part, std::int64_t whole);
// Rows [first, last) of `rowids`.
std::vector<std::int64_t> slice(const std::vector<std::int64_t>& rowids, std::size_t first,
                                std::size_t last);
// Replaces the store's secret with a fixed one, so a test's noise is the
// same in every run.
void use_secret(server::ServerStore& store, std::uint8_t seed);

// Calls `f` with every count the report shows for a group ("n", "answered").
void for_each_shown_n(const boost::json::value& report, const std::function<void(std::int64_t)>& f);

}  // namespace equitas::test
