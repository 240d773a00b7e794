// ServerApp's team-assessment use cases (issue 16): each change is one
// transaction with its audit line, unknown administrations are refused by
// name, resolutions go through the form engine, and validation waits for
// every disagreement to be resolved.
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include "assessment_store.hpp"
#include "assessment_view.hpp"
#include "equitas/forms/form_engine.hpp"
#include "server_app.hpp"
#include "temp_dir.hpp"

using namespace equitas;
using namespace equitas::server;

namespace {

constexpr std::int64_t kNow = 1'790'000'000;

std::string state_of(ServerStore& store) {
  std::string out;
  for (const char* sql :
       {"SELECT count(*) FROM administrations", "SELECT count(*) FROM assessments",
        "SELECT coalesce(group_concat(state || revision || version, ';'), '') FROM assessments",
        "SELECT count(*) FROM assessment_events", "SELECT count(*) FROM assessment_reviews"}) {
    auto st = store.db().prepare(sql);
    REQUIRE(st.is_ok());
    REQUIRE(*st->step());
    out += st->column_text(0) + "\n";
  }
  return out;
}

// Two contributions from base 0 that disagree on x_a_1, stored as the
// writer would after ingest (the envelopes themselves are another test's).
void two_disagreeing(ServerStore& store, const std::string& id) {
  AssessmentStore assessments(store.db());
  for (const auto& [value, role] : {std::pair{"4", "hr"}, std::pair{"0", "integrity"}}) {
    auto a = assessments.find_assessment(id);
    REQUIRE(a.is_ok());
    REQUIRE(*a);
    ResponsePayload p;
    p.answers["x_a_1"] = value;
    p.submitted_at = "2026-12-01T10:00:00Z";
    p.contribution = ContributionMeta{id, role, 0, ""};
    auto seq = assessments.apply_event(
        **a,
        contribution_event(SubmissionId::random(), DeviceId::random(), "Land post", p, nullptr),
        std::nullopt);
    REQUIRE(seq.is_ok());
  }
}

}  // namespace

TEST_CASE(
    "assessments: unknown administrations are refused by name, and each change is audited with it",
    "[server][assessment]") {
  test::TempDir tmp;
  ManualClock clock(kNow);
  auto made = ServerApp::init(DataDir{tmp / "server"}, {.unlocker = {}, .clock = &clock});
  REQUIRE(made.is_ok());
  ServerApp& app = made->app;

  CHECK(app.add_administration("Testland Customs", "Testland", "cli").code() ==
        StatusCode::kInvalidArgument);
  REQUIRE(app.add_administration("TL", "Testland Customs", "cli").is_ok());
  CHECK(app.add_administration("TL", "Customs of Testland", "cli").code() ==
        StatusCode::kAlreadyExists);
  auto unknown = app.create_assessment("geoat-2023", "2026-baseline", "CTL", "cli");
  REQUIRE_FALSE(unknown.is_ok());
  CHECK(unknown.status().code() == StatusCode::kNotFound);
  CHECK_THAT(unknown.status().message(), Catch::Contains("known: TL (Testland Customs)"));
  auto id = app.create_assessment("geoat-2023", "2026-baseline", "TL", "cli");
  REQUIRE(id.is_ok());
  CHECK(app.create_assessment("geoat-2023", "2026-baseline", "TL", "cli").status().code() ==
        StatusCode::kAlreadyExists);
  CHECK(app.create_assessment("no-such-form", "2026-baseline", "TL", "cli").status().code() ==
        StatusCode::kNotFound);

  two_disagreeing(app.store(), *id);
  auto view = app.show_assessment(*id);
  REQUIRE(view.is_ok());
  CHECK(view->at("disagreements").as_array().size() == 1);
  CHECK(view->at("scores").at("status") == "provisional");

  // A resolution goes through the form engine: no such field, no such choice.
  CHECK(app.resolve_field(*id, "x_a_9", "3", "typo", "cli").code() == StatusCode::kInvalidArgument);
  CHECK(app.resolve_field(*id, "x_a_1", "7", "out of scale", "cli").code() ==
        StatusCode::kInvalidArgument);
  CHECK(app.resolve_field(*id, "x_a_1", "3", "", "cli").code() == StatusCode::kInvalidArgument);
  // Validation needs a review first, then no disagreement left.
  CHECK(app.validate_assessment(*id, "too soon", "cli").code() == StatusCode::kFailedPrecondition);
  REQUIRE(app.review_assessment(*id, "all sites visited", "cli").is_ok());
  const Status early = app.validate_assessment(*id, "looks fine", "cli");
  CHECK(early.code() == StatusCode::kFailedPrecondition);
  CHECK_THAT(early.message(), Catch::Contains("1 disagreement(s) remain"));

  // An audit line that cannot be written: nothing changes.
  REQUIRE(app.store()
              .db()
              .exec("CREATE TRIGGER injected_audit_failure BEFORE INSERT ON audit_log "
                    "BEGIN SELECT RAISE(ABORT, 'injected audit failure'); END")
              .is_ok());
  const std::string before = state_of(app.store());
  auto failed = [](const Status& s) {
    INFO(s.to_string());
    CHECK_THAT(s.message(), Catch::Contains("injected audit failure"));
  };
  failed(app.add_administration("XL", "Exland Revenue", "cli"));
  failed(app.create_assessment("geoat-2023", "2027-followup", "TL", "cli").status());
  failed(app.resolve_field(*id, "x_a_1", "3", "agreed", "cli"));
  CHECK(state_of(app.store()) == before);
  REQUIRE(app.store().db().exec("DROP TRIGGER injected_audit_failure").is_ok());

  REQUIRE(app.resolve_field(*id, "x_a_1", "3", "agreed at the team meeting", "cli").is_ok());
  REQUIRE(app.validate_assessment(*id, "agreed by the team", "cli").is_ok());
  view = app.show_assessment(*id);
  REQUIRE(view.is_ok());
  CHECK(view->at("state") == "validated");
  CHECK(view->at("scores").at("status") == "official");
  CHECK(view->at("fields").at("x_a_1").at("value") == "3");
  CHECK(app.resolve_field(*id, "x_a_1", "2", "after the fact", "cli").code() ==
        StatusCode::kFailedPrecondition);
  auto log = app.store().audit_entries(INT64_MAX, 100);
  REQUIRE(log.is_ok());
  std::string actions;
  for (const auto& e : *log) actions += e.action + " ";
  for (const char* action : {"administration.add", "assessment.create", "assessment.resolve",
                             "assessment.review", "assessment.validate"}) {
    CHECK_THAT(actions, Catch::Contains(action));
  }
}

TEST_CASE(
    "action plan: adopted with the validation in one transaction, and an update without its audit "
    "line "
    "changes nothing",
    "[server][assessment][actions]") {
  test::TempDir tmp;
  ManualClock clock(kNow);
  auto made = ServerApp::init(DataDir{tmp / "server"}, {.unlocker = {}, .clock = &clock});
  REQUIRE(made.is_ok());
  ServerApp& app = made->app;
  REQUIRE(app.add_administration("TL", "Testland Customs", "cli").is_ok());
  auto id = app.create_assessment("geoat-2023", "2026-baseline", "TL", "cli");
  REQUIRE(id.is_ok());
  {
    AssessmentStore assessments(app.store().db());
    auto a = assessments.find_assessment(*id);
    REQUIRE(a.is_ok());
    ResponsePayload p;
    p.answers["x_a_1"] = "1";
    // Ids the way teams type them: Arabic comma, lower case, a typo.
    p.answers["action_plan"] = boost::json::array{
        boost::json::object{{"ap_objective", "Facilities"},
                            {"ap_activity", "Open a lactation room"},
                            {"ap_indicators", "x.a.1\xD8\x8C P1.A.1; Z.Z.9"},
                            {"ap_status", "in_progress"},
                            {"ap_deadline", "2027-03-31"}},
        boost::json::object{{"ap_objective", ""}, {"ap_activity", ""}}};  // an empty row: skipped
    p.submitted_at = "2026-12-01T10:00:00Z";
    p.contribution = ContributionMeta{*id, "hr", 0, ""};
    REQUIRE(assessments
                .apply_event(**a,
                             contribution_event(SubmissionId::random(), DeviceId::random(), "HQ", p,
                                                nullptr),
                             std::nullopt)
                .is_ok());
  }
  REQUIRE(app.review_assessment(*id, "ready", "cli").is_ok());
  const auto items = [&] {
    auto plan = app.action_plan("TL");
    REQUIRE(plan.is_ok());
    return plan->at("items").as_array();
  };
  const auto count = [&](const char* sql) {
    auto st = app.store().db().prepare(sql);
    REQUIRE(st.is_ok());
    REQUIRE(*st->step());
    return st->column_int64(0);
  };

  // A validation whose audit line fails adopts nothing either.
  REQUIRE(app.store()
              .db()
              .exec("CREATE TRIGGER injected_audit_failure BEFORE INSERT ON audit_log "
                    "BEGIN SELECT RAISE(ABORT, 'injected audit failure'); END")
              .is_ok());
  CHECK_THAT(app.validate_assessment(*id, "agreed", "cli").message(),
             Catch::Contains("injected audit failure"));
  CHECK(count("SELECT count(*) FROM action_items") == 0);
  CHECK(count("SELECT count(*) FROM action_updates") == 0);
  REQUIRE(app.store().db().exec("DROP TRIGGER injected_audit_failure").is_ok());

  REQUIRE(app.validate_assessment(*id, "agreed", "cli").is_ok());
  const boost::json::array adopted = items();
  REQUIRE(adopted.size() == 1);
  const auto& item = adopted.at(0).as_object();
  CHECK(item.at("id") == "TL-AP1");
  CHECK(item.at("indicators").as_array().size() == 2);  // X.A.1 and P1.A.1; Z.Z.9 named in the note
  CHECK_THAT(std::string(item.at("history").at(0).at("note").as_string()),
             Catch::Contains("left out: Z.Z.9"));
  CHECK(item.at("overdue") == false);  // due 2027-03-31; the clock says 2026-09

  // Past its deadline and not completed: overdue.
  clock.set(1'830'000'000);  // 2027-12
  CHECK(items().at(0).at("overdue") == true);

  // An update whose audit line fails changes nothing.
  REQUIRE(app.store()
              .db()
              .exec("CREATE TRIGGER injected_audit_failure BEFORE INSERT ON audit_log "
                    "BEGIN SELECT RAISE(ABORT, 'injected audit failure'); END")
              .is_ok());
  ServerApp::ActionChange done;
  done.status = "completed";
  done.indicators = std::vector<std::string>{"X.A.1"};
  CHECK_THAT(app.update_action("TL-AP1", done, "cli").message(),
             Catch::Contains("injected audit failure"));
  CHECK(items().at(0).at("status") == "in_progress");
  CHECK(items().at(0).at("indicators").as_array().size() == 2);
  REQUIRE(app.store().db().exec("DROP TRIGGER injected_audit_failure").is_ok());

  // Bad updates are refused by name.
  ServerApp::ActionChange bad;
  bad.status = "done";
  CHECK(app.update_action("TL-AP1", bad, "cli").code() == StatusCode::kInvalidArgument);
  CHECK(app.update_action("TL-AP1", ServerApp::ActionChange{}, "cli").code() ==
        StatusCode::kInvalidArgument);
  bad = {};
  bad.deadline = "31/03/2027";
  CHECK(app.update_action("TL-AP1", bad, "cli").code() == StatusCode::kInvalidArgument);
  CHECK(app.update_action("TL-AP7", done, "cli").code() == StatusCode::kNotFound);

  REQUIRE(app.update_action("TL-AP1", done, "cli").is_ok());
  CHECK(items().at(0).at("status") == "completed");
  CHECK(items().at(0).at("overdue") == false);
  CHECK(items().at(0).at("history").as_array().size() == 2);
  CHECK(count("SELECT count(*) FROM audit_log WHERE action IN ('action.adopt', 'action.update')") ==
        2);
}

namespace {

std::shared_ptr<const forms::Form> bundled_geoat() {
  auto all = forms::bundled_forms();
  REQUIRE(all.is_ok());
  for (const auto& f : *all) {
    if (f->id == "geoat-2023") return f;
  }
  FAIL("no bundled geoat-2023");
  return nullptr;
}

// A merged field as merged_to_json writes it, agreed or disputed.
boost::json::value agreed(const char* v) {
  return boost::json::object{{"value", v}, {"disagreement", false}, {"history", {}}};
}
boost::json::value disputed() {
  return boost::json::object{
      {"disagreement", true}, {"competing", boost::json::array{{}, {}}}, {"history", {}}};
}

}  // namespace

TEST_CASE(
    "per-site findings: a contribution naming a site keys only the per-site questions, and an "
    "indicator the team left to its sites stands at the weakest",
    "[assessment]") {
  const auto form = bundled_geoat();
  ResponsePayload p;
  p.answers = {{"p3_c_1", "2"},
               {"p3_c_1_evidence", "one toilet"},
               {"p3_c_1_action", "build"},
               {"x_a_1", "3"}};
  p.submitted_at = "2026-12-01T10:00:00Z";
  p.contribution = ContributionMeta{"asm-1", "hr", 0, "Kigoma"};
  const auto e =
      contribution_event(SubmissionId::random(), DeviceId::random(), "Airport", p, form.get());
  std::vector<std::string> keys;
  for (const auto& [k, v] : e.fields) keys.push_back(k);
  CHECK(keys == std::vector<std::string>{"p3_c_1@Kigoma", "p3_c_1_action", "p3_c_1_evidence@Kigoma",
                                         "x_a_1"});
  CHECK(e.site == "Airport");  // where it was entered stays the device's
  // Without a site, or without the form, nothing is keyed.
  p.contribution->site.clear();
  CHECK(contribution_event(SubmissionId::random(), DeviceId::random(), "Airport", p, form.get())
            .fields.count("p3_c_1") == 1);

  auto derived = [&](boost::json::object fields) {
    derive_site_statuses(*form, fields);
    return fields;
  };
  // The weakest site with points; "don't know" leaves the others to decide.
  auto f =
      derived({{"p3_c_1@A", agreed("3")}, {"p3_c_1@B", agreed("1")}, {"p3_c_1@C", agreed("dk")}});
  CHECK(f.at("p3_c_1").at("value") == "1");
  CHECK(f.at("p3_c_1").at("from_sites").as_array().size() == 3);
  // Not applicable only when every site says so.
  CHECK(
      derived({{"p3_c_1@A", agreed("na")}, {"p3_c_1@B", agreed("na")}}).at("p3_c_1").at("value") ==
      "na");
  CHECK(derived({{"p3_c_1@A", agreed("na")}, {"p3_c_1@B", agreed("2")}}).at("p3_c_1").at("value") ==
        "2");
  CHECK_FALSE(derived({{"p3_c_1@A", agreed("na")}, {"p3_c_1@B", agreed("dk")}}).contains("p3_c_1"));
  // A site in disagreement leaves the indicator undecided, counted as a disagreement.
  auto split = derived({{"p3_c_1@A", disputed()}, {"p3_c_1@B", agreed("4")}});
  CHECK(split.at("p3_c_1").at("site_disagreement") == boost::json::array{"A"});
  CHECK_FALSE(split.at("p3_c_1").as_object().contains("value"));
  const auto scores = assessment_scores(*form, split, false, "en");
  CHECK(scores.at("overall").at("disagreements") == 1);
  CHECK(scores.at("overall").at("rated") == 0);
  // A site still in disagreement holds back the team's own status too, as
  // validation does.
  auto held = derived({{"p3_c_1", agreed("2")}, {"p3_c_1@A", disputed()}});
  CHECK(held.at("p3_c_1").at("value") == "2");
  CHECK(held.at("p3_c_1").at("site_disagreement") == boost::json::array{"A"});
  CHECK(assessment_scores(*form, held, false, "en").at("overall").at("disagreements") == 1);
  // The team's own status for the administration is kept as it is.
  auto own = derived({{"p3_c_1", agreed("2")}, {"p3_c_1@A", agreed("0")}});
  CHECK(own.at("p3_c_1").at("value") == "2");
  CHECK_FALSE(own.at("p3_c_1").as_object().contains("from_sites"));
  // An indicator not given per site is never derived.
  CHECK_FALSE(derived({{"x_a_1@A", agreed("2")}}).contains("x_a_1"));
}
