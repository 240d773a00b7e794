#include "report_test_util.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <sstream>

#include "analysis_store.hpp"
#include "cell_key.hpp"
#include "form_registry.hpp"

namespace equitas::test {

DeviceId add_device(server::ServerStore& store, const std::string& site) {
  const DeviceId dev = DeviceId::random();
  REQUIRE(store.add_pending_device(dev, site, {}, 0, 0).is_ok());
  return dev;
}

SubmissionId add_response(server::ServerStore& store, const DeviceId& device,
                          const std::string& form, const std::string& version,
                          const std::string& answers_json, const std::string& round,
                          std::optional<SubmissionId> id, std::uint32_t revision,
                          const std::string& submitted_at) {
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

// The submissions.id of `form`'s rows in the analysis store whose codes
// `keep` accepts, in the order stored.
std::vector<std::int64_t> select_rows(server::ServerStore& store, const std::string& form,
                                      const std::function<bool(const Bytes&)>& keep) {
  auto st = store.db().prepare(
      "SELECT r.submission_rowid, r.codes FROM analysis_rows r JOIN analysis_forms f USING "
      "(form_ref) "
      "WHERE f.form_id = ?1 ORDER BY r.submission_rowid");
  REQUIRE(st.is_ok());
  st->bind(1, form);
  std::vector<std::int64_t> out;
  for (;;) {
    auto row = st->step();
    REQUIRE(row.is_ok());
    if (!*row) break;
    if (keep(st->column_blob(1))) out.push_back(st->column_int64(0));
  }
  return out;
}

}  // namespace

std::vector<std::int64_t> rowids_of(server::ServerStore& store, const std::string& form) {
  return select_rows(store, form, [](const Bytes&) { return true; });
}

std::vector<std::int64_t> rowids_with(server::ServerStore& store, const std::string& form,
                                      const std::string& question,
                                      const std::vector<std::string>& values) {
  auto dict = server::load_analysis_dictionary(store.db(), form);
  REQUIRE(dict.is_ok());
  REQUIRE(dict->has_value());
  const int pos = (*dict)->position(question);
  REQUIRE(pos >= 0);
  const auto& column = (*dict)->columns[static_cast<std::size_t>(pos)].values;
  std::vector<std::uint8_t> codes;
  for (std::size_t code = 1; code < column.size(); ++code) {
    if (std::find(values.begin(), values.end(), column[code]) != values.end())
      codes.push_back(static_cast<std::uint8_t>(code));
  }
  const auto p = static_cast<std::size_t>(pos);
  return select_rows(store, form, [&](const Bytes& c) {
    return p < c.size() && std::find(codes.begin(), codes.end(), c[p]) != codes.end();
  });
}

std::int64_t published(server::ServerStore& store, const std::vector<std::int64_t>& rowids) {
  auto keys = server::CellKeys::load(store.db());
  REQUIRE(keys.is_ok());
  std::uint32_t key = 0;
  for (std::int64_t r : rowids) key += keys->record_key(r);
  return keys->perturb(static_cast<std::int64_t>(rowids.size()), key);
}

std::int64_t published_n(server::ServerStore& store, const std::vector<std::int64_t>& rowids,
                         std::int64_t threshold) {
  return std::max(published(store, rowids), threshold);
}

double percent_of(std::int64_t part, std::int64_t whole) {
  return std::min(
      100.0, std::round(1000.0 * static_cast<double>(part) / static_cast<double>(whole)) / 10.0);
}

std::vector<std::int64_t> slice(const std::vector<std::int64_t>& rowids, std::size_t first,
                                std::size_t last) {
  REQUIRE(last <= rowids.size());
  return std::vector<std::int64_t>(rowids.begin() + static_cast<std::ptrdiff_t>(first),
                                   rowids.begin() + static_cast<std::ptrdiff_t>(last));
}

void use_secret(server::ServerStore& store, std::uint8_t seed) {
  Bytes secret(32);
  for (std::size_t i = 0; i < secret.size(); ++i)
    secret[i] = static_cast<std::uint8_t>(seed * 31 + static_cast<int>(i));
  auto st = store.db().prepare("UPDATE server_meta SET value = ?1 WHERE key = 'cell_key_secret'");
  REQUIRE(st.is_ok());
  st->bind(1, ByteView(secret));
  REQUIRE(st->run().is_ok());
  REQUIRE(store.db().changes() == 1);
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

const boost::json::object& group(const boost::json::array& groups,
                                 const std::map<std::string, std::string>& key) {
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
