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
SubmissionId add_response(server::ServerStore& store, const DeviceId& device, const std::string& form,
                          const std::string& version, const std::string& answers_json, const std::string& round = "",
                          std::optional<SubmissionId> id = std::nullopt, std::uint32_t revision = 1,
                          const std::string& submitted_at = "2026-11-20");

server::ReportOptions options(const std::string& form);
boost::json::object report_of(server::ServerStore& store, const server::ReportOptions& options);
std::string report_text(const boost::json::object& report);

const boost::json::object& item(const boost::json::object& survey, const std::string& name);
const boost::json::object& section(const boost::json::object& survey, const std::string& name);
// The entry of `groups` whose group is exactly `key`.
const boost::json::object& group(const boost::json::array& groups, const std::map<std::string, std::string>& key);
// Calls `f` with every count the report shows for a group ("n", "answered").
void for_each_shown_n(const boost::json::value& report, const std::function<void(std::int64_t)>& f);

}  // namespace equitas::test
