#include "report_test_util.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <sstream>

#include "form_registry.hpp"

namespace equitas::test {

DeviceId add_device(server::ServerStore& store, const std::string& site) {
  const DeviceId dev = DeviceId::random();
  REQUIRE(store.add_pending_device(dev, site, {}, 0).is_ok());
  return dev;
}

SubmissionId add_response(server::ServerStore& store, const DeviceId& device, const std::string& form,
                          const std::string& version, const std::string& answers_json, const std::string& round,
                          std::optional<SubmissionId> id, std::uint32_t revision, const std::string& submitted_at) {
  Envelope e;
  e.device_id = device;
  e.submission_id = id.value_or(SubmissionId::random());
  e.revision = revision;
  e.form_id = form;
  e.form_version = version;
  ResponsePayload p;
  p.answers = boost::json::parse(answers_json).as_object();
  p.submitted_at = submitted_at;
  p.round = round;
  // Distinct bytes per (id, revision): what the store compares for dedup.
  Bytes bytes(e.submission_id.bytes.begin(), e.submission_id.bytes.end());
  bytes.push_back(static_cast<std::uint8_t>(revision));
  Transaction tx(store.db());
  REQUIRE(tx.status().is_ok());
  auto stored = store.store_submission(e, bytes, p, std::nullopt, unix_now());
  INFO(stored.status().to_string());
  REQUIRE(stored.is_ok());
  REQUIRE(tx.commit().is_ok());
  return e.submission_id;
}

server::ReportOptions options(const std::string& form) {
  server::ReportOptions o;
  o.form_id = form;
  return o;
}

boost::json::object report_of(server::ServerStore& store, const server::ReportOptions& options) {
  auto registry = server::FormRegistry::load(store);
  REQUIRE(registry.is_ok());
  auto r = server::build_report(store.db(), (*registry)->library(), options);
  INFO(r.status().to_string());
  REQUIRE(r.is_ok());
  return std::move(r).value();
}

std::string report_text(const boost::json::object& report) {
  std::ostringstream out;
  server::print_report(report, out);
  return out.str();
}

namespace {
const boost::json::object& named(const boost::json::array& a, const std::string& name) {
  for (const auto& v : a) {
    if (v.at("name") == name.c_str()) return v.as_object();
  }
  FAIL("no entry named " << name);
  throw std::logic_error("unreachable");
}
}  // namespace

const boost::json::object& item(const boost::json::object& survey, const std::string& name) {
  return named(survey.at("items").as_array(), name);
}

const boost::json::object& section(const boost::json::object& survey, const std::string& name) {
  return named(survey.at("sections").as_array(), name);
}

const boost::json::object& group(const boost::json::array& groups, const std::map<std::string, std::string>& key) {
  boost::json::object want;
  for (const auto& [k, v] : key) want[k] = v;
  for (const auto& g : groups) {
    if (g.at("group").as_object() == want) return g.as_object();
  }
  FAIL("no group " << boost::json::serialize(want));
  throw std::logic_error("unreachable");
}

void for_each_shown_n(const boost::json::value& v, const std::function<void(std::int64_t)>& f) {
  if (v.is_array()) {
    for (const auto& e : v.get_array()) for_each_shown_n(e, f);
  } else if (v.is_object()) {
    const auto& o = v.get_object();
    if (o.contains("group")) {
      for (const char* key : {"n", "answered"}) {
        if (const auto* n = o.if_contains(key); n && n->is_int64()) f(n->get_int64());
      }
    }
    for (const auto& [k, e] : o) {
      if (k != "operations") for_each_shown_n(e, f);
    }
  }
}

}  // namespace equitas::test
