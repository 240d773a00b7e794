// Revisions of a response to a form that is not anonymous (issue 16): the
// post's admin corrects a submitted record, and the collector seals the same
// submission id with the next revision (web_api.cpp, submit_draft). Over a
// real sync, the server keeps both; its exports give the latest, and every
// revision on request. An anonymous form is never revised.
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <sstream>

#include "fixtures.hpp"
#include "process.hpp"

using namespace equitas;
using namespace equitas::test;

namespace {

// The rows of `sync-server export --format jsonl`, as (revision, admin_name).
std::vector<std::pair<std::int64_t, std::string>> exported(const TestServer& server,
                                                           bool every_revision,
                                                           std::string* err = nullptr) {
  std::vector<std::string> args{"export", "--data-dir", server.dir().root.string(),
                                "--form", "geoat-2023", "--format",
                                "jsonl"};
  if (every_revision) args.emplace_back("--all-revisions");
  auto r = server_cli(args);
  if (err != nullptr) *err = r.err;
  INFO(r.err);
  REQUIRE(r.code == 0);
  std::vector<std::pair<std::int64_t, std::string>> rows;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    const auto o = boost::json::parse(line).as_object();
    rows.emplace_back(o.at("revision").as_int64(),
                      std::string(o.at("answers").at("admin_name").as_string()));
  }
  return rows;
}

}  // namespace

TEST_CASE(
    "a corrected response travels as the next revision of the same submission: the export gives "
    "the latest, --all-revisions every one, and an anonymous form is never revised",
    "[integration][revisions]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  auto c = make_collector(tmp / "c", server.enroll("Land post"));
  const collector::Revises first{SubmissionId::random(), 1};
  std::string answers = R"({"admin_name":"Customs of Somewhere","assessment_start":"2026-11-20",)"
                        R"("assessment_date":"2026-11-30"})";
  REQUIRE(c.submit("geoat-2023", "", answers, "en", {}, {}, &first).is_ok());
  REQUIRE(c.sync({})->accepted == 1);
  CHECK(exported(server, false) ==
        std::vector<std::pair<std::int64_t, std::string>>{{1, "Customs of Somewhere"}});

  // The admin's correction, a day later.
  const collector::Revises second{first.id, 2};
  answers = R"({"admin_name":"Testland Customs","assessment_start":"2026-11-20",)"
            R"("assessment_date":"2026-11-30"})";
  REQUIRE(c.submit("geoat-2023", "", answers, "en", {}, {}, &second).is_ok());
  auto synced = c.sync({});
  REQUIRE(synced.is_ok());
  CHECK(synced->accepted == 1);
  // One row, the latest; its history on request.
  CHECK(exported(server, false) ==
        std::vector<std::pair<std::int64_t, std::string>>{{2, "Testland Customs"}});
  CHECK(exported(server, true) == std::vector<std::pair<std::int64_t, std::string>>{
                                      {1, "Customs of Somewhere"}, {2, "Testland Customs"}});

  // An anonymous response is never revised, on the collector or in an export.
  std::string climate = R"({"consent_ack":true,"eng_proud":"4"})";
  const collector::Revises anon{SubmissionId::random(), 2};
  auto refused = c.submit("staff-climate", "", climate, "en", {}, {}, &anon);
  CHECK(refused.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(refused.status().message(), Catch::Contains("not anonymous"));
  auto r = server_cli({"export", "--data-dir", server.dir().root.string(), "--form",
                       "staff-climate", "--all-revisions"});
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Catch::Contains("staff-climate is anonymous"));
  server.stop();
}
