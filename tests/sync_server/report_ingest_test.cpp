// The analysis store from the outside: submissions synced by a real
// collector to a running server show up in `sync-server report` (run while
// the server is still serving), and a database from before the analysis
// store, or from an older coding of it, is decoded when it is opened.
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include "report_test_util.hpp"

using namespace equitas;
using namespace equitas::server;
using namespace equitas::test;

namespace {

boost::json::object cli_report(const TestServer& server, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"report", "--data-dir",    server.dir().root.string(),
                                "--form", "staff-climate", "--json"};
  args.insert(args.end(), extra.begin(), extra.end());
  const auto r = server_cli(args);
  INFO(r.err);
  REQUIRE(r.code == 0);
  return boost::json::parse(r.out).as_object();
}

std::int64_t count_rows(ServerStore& store) {
  auto st = store.db().prepare("SELECT count(*) FROM analysis_rows");
  REQUIRE(st.is_ok());
  auto row = st->step();
  REQUIRE(row.is_ok());
  return st->column_int64(0);
}

}  // namespace

TEST_CASE("Submissions synced to a running server are in its report at once", "[report][e2e]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  auto collector = make_collector(tmp / "post", server.enroll("Northern land post"));
  submit_many(collector, 30);
  REQUIRE(collector.sync({}).is_ok());

  // serve is still running: the report reads through its own connection.
  const auto r = cli_report(server);
  const auto& survey = r.at("periods").at(0).at("survey").as_object();
  // staff-climate is anonymous: each count is the method's noisy figure
  // for the same responses (cell_key.hpp).
  std::vector<std::int64_t> all, answered, positive, negative, dk;
  {
    auto store = server.open_store();
    all = rowids_of(store, "staff-climate");
    answered = rowids_with(store, "staff-climate", "eng_proud", {"1", "2", "3", "4", "5"});
    positive = rowids_with(store, "staff-climate", "eng_proud", {"4", "5"});
    negative = rowids_with(store, "staff-climate", "eng_proud", {"1", "2"});
    dk = rowids_with(store, "staff-climate", "eng_proud", {"dk"});
    REQUIRE(all.size() == 30);
    // submit_many cycles eng_proud through 1..5 and dk: 5 of each.
    REQUIRE(answered.size() == 25);
    REQUIRE(dk.size() == 5);
    CHECK(survey.at("responses").at(0).at("n") == published_n(store, all));
    const auto& proud = item(survey, "eng_proud").at("groups").at(0).as_object();
    CHECK(proud.at("n") == published_n(store, answered));
    CHECK(proud.at("excluded") == published(store, dk));
    CHECK(proud.at("positive").as_double() ==
          Approx(percent_of(published(store, positive), published(store, answered))));
    CHECK(proud.at("negative").as_double() ==
          Approx(percent_of(published(store, negative), published(store, answered))));
    // Computed on ingest by the form engine, then decoded like any answer:
    // an indicator, blank here since no harassment item was answered, so
    // its group is empty and hidden.
    CHECK(item(survey, "harass_any").at("kind") == "indicator");
    CHECK(item(survey, "harass_any").at("groups").at(0).at("suppressed") == true);
    CHECK(item(survey, "comment").at("groups").at(0).at("answered") == published_n(store, all));
  }

  const auto& ops = r.at("operations").as_object();
  REQUIRE(ops.at("sites").as_array().size() == 1);
  CHECK(ops.at("sites").at(0).at("site") == "Northern land post");
  {
    // The post's 30, with the same noise as the report's total: the same responses.
    auto store = server.open_store();
    CHECK(ops.at("sites").at(0).at("responses") == published_n(store, all));
    REQUIRE(ops.at("devices").as_array().size() == 1);
    CHECK(ops.at("devices").at(0).at("responses") == published_n(store, all));
    // When the device's last response came is not said of an anonymous form.
    CHECK(ops.at("devices").at(0).at("last_response_day").is_null());
  }
  CHECK(ops.at("devices").at(0).at("stale") == false);
  CHECK(ops.at("not_seen_14_days").as_array().empty());

  // A device seen 15 days before "now" is listed as not seen for 14 days.
  const ManualClock later_clock(unix_now() + 15 * 24 * 3600);
  auto o = options("staff-climate");
  o.clock = &later_clock;
  auto store = server.open_store();
  const auto later = report_of(store, o);
  CHECK(later.at("operations").at("not_seen_14_days").as_array().size() == 1);

  const auto text = server_cli({"report", "--data-dir", server.dir().root.string(), "--form",
                                "staff-climate", "--by", "sex"});
  INFO(text.err);
  REQUIRE(text.code == 0);
  CHECK_THAT(text.out, Catch::Contains("Northern land post"));
  CHECK_THAT(text.out, Catch::Contains("eng_proud"));
  server.stop();
}

TEST_CASE("A database from before the analysis store is decoded when opened",
          "[report][backfill]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  {
    auto store = server.open_store();
    const DeviceId dev = add_device(store, "South post");
    for (int i = 0; i < 12; ++i)
      add_response(store, dev, "staff-climate", "2026.1", R"({"eng_proud":"5"})", "r1");
    // Back to schema 2: as if these submissions came in before migration 3.
    REQUIRE(
        store.db()
            .exec(
                "DROP TABLE analysis_rows; DROP TABLE analysis_codes; DROP TABLE analysis_columns; "
                "DROP TABLE analysis_rounds; DROP TABLE analysis_forms; DROP TABLE analysis_meta; "
                "ALTER TABLE admin_tokens DROP COLUMN role; "  // migration 4, re-applied too
                "DROP INDEX submissions_revised; "             // migration 9
                "DROP TABLE file_blobs; DROP TABLE files; "    // migration 10
                "DROP TABLE action_updates; DROP TABLE action_items; "           // migration 8
                "DROP TABLE assessment_reviews; DROP TABLE assessment_events; "  // and 5
                "DROP TABLE assessments; DROP TABLE administrations; "
                "DROP TABLE reporting_units; DROP TABLE headcounts; "  // and 6
                "DROP TABLE code_batches; DROP TABLE used_codes; "     // and 7
                "ALTER TABLE submissions DROP COLUMN code_flag; "
                "PRAGMA user_version = 2;")
            .is_ok());
  }
  {
    auto store = server.open_store();  // migrates, then catches up
    CHECK(count_rows(store) == 12);
    CHECK(store.analysis().catch_up(store.db()).value() == 0);  // nothing left to do
  }
  const auto r = cli_report(server, {"--round", "r1"});
  const auto& all =
      item(r.at("periods").at(0).at("survey").as_object(), "eng_proud").at("groups").at(0);
  auto store = server.open_store();
  CHECK(all.at("n") ==
        published_n(store, rowids_of(store, "staff-climate")));  // the 12, noisy (anonymous form)
  CHECK(all.at("positive").as_double() == Approx(100.0));
}

TEST_CASE("An analysis store written by another coding is rebuilt", "[report][backfill]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  {
    auto store = server.open_store();
    const DeviceId dev = add_device(store, "South post");
    for (int i = 0; i < 10; ++i)
      add_response(store, dev, "staff-climate", "2026.1", R"({"eng_proud":"2"})");
    REQUIRE(store.db()
                .exec("UPDATE analysis_meta SET value = 0 WHERE key = 'codec'; "
                      "UPDATE analysis_rows SET codes = x'ffff'")
                .is_ok());
  }
  auto store = server.open_store();
  CHECK(count_rows(store) == 10);
  const auto r = report_of(store, options("staff-climate"));
  const auto& all =
      item(r.at("periods").at(0).at("survey").as_object(), "eng_proud").at("groups").at(0);
  CHECK(all.at("negative").as_double() == Approx(100.0));
}

TEST_CASE("A rolled-back ingest leaves no code the database lacks", "[report][backfill]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  auto store = server.open_store();
  const DeviceId dev = add_device(store, "South post");
  {
    // The writer's group transaction fails after coding a new answer.
    Transaction tx(store.db());
    Envelope e;
    e.device_id = dev;
    e.submission_id = SubmissionId::random();
    e.form_id = "staff-climate";
    e.form_version = "2026.1";
    ResponsePayload p;
    p.answers = boost::json::parse(R"({"dem_sex":"male","eng_proud":"3"})").as_object();
    p.submitted_at = "2026-11-20";
    const Bytes bytes(e.submission_id.bytes.begin(), e.submission_id.bytes.end());
    REQUIRE(store.store_submission(e, bytes, p, std::nullopt, unix_now()).is_ok());
  }  // rolled back
  // Had the writer kept the rolled-back codes, "male" would be stored
  // under a code the dictionary does not have, and lost.
  for (int i = 0; i < 10; ++i)
    add_response(store, dev, "staff-climate", "2026.1", R"({"dem_sex":"male","eng_proud":"3"})");
  auto o = options("staff-climate");
  o.by = {"sex"};
  const auto r = report_of(store, o);
  const auto& responses = r.at("periods").at(0).at("survey").at("responses").as_array();
  // Staff climate is anonymous: its counts carry cell-key noise, the same for
  // the same ten responses whichever cell they are counted in.
  const std::int64_t ten = published_n(store, rowids_of(store, "staff-climate"));
  CHECK(group(responses, {}).at("n") == ten);
  CHECK(group(responses, {{"dem_sex", "male"}}).at("n") == ten);
  const auto& proud =
      item(r.at("periods").at(0).at("survey").as_object(), "eng_proud").at("groups").as_array();
  CHECK(group(proud, {}).at("neutral").as_double() == Approx(100.0));
}
