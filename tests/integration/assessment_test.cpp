// The GEOAT as a team assessment, end to end (issue 16): headquarters
// creates an assessment for a stable administration; three collectors at
// two sites receive it at sync, rate overlapping indicators, and sync over
// real WebSocket sessions on loopback; the server merges field by field,
// keeps the disagreement and every value's history; the team resolves,
// reviews and validates; scores go from provisional to official, with
// coverage; a late contribution is kept and flagged; kill -9 during a merge
// loses nothing.
#include <signal.h>

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <thread>

#include "fixtures.hpp"
#include "process.hpp"
#include "sample_files.hpp"
#include "server_app.hpp"
#include "team_fixtures.hpp"

using namespace equitas;
using namespace equitas::test;

namespace {

boost::json::object show(const TestServer& server, const std::string& id) {
  auto r =
      server_cli({"assessment", "show", "--data-dir", server.dir().root.string(), id, "--json"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  return boost::json::parse(r.out).as_object();
}

int contribute(const std::filesystem::path& dir, const std::string& id, const std::string& role,
               const std::string& answers, std::string* err = nullptr,
               const std::string& site = "") {
  std::vector<std::string> args{"submit",       "--data-dir", dir.string(), "--form", "geoat-2023",
                                "--assessment", id,           "--role",     role};
  if (!site.empty()) args.insert(args.end(), {"--site", site});
  args.emplace_back("-");
  auto r = collector_cli(args, answers);
  if (err != nullptr) *err = r.err;
  INFO(r.err);
  return r.code;
}

const boost::json::object& field(const boost::json::object& view, const char* name) {
  return view.at("fields").at(name).as_object();
}

}  // namespace

TEST_CASE(
    "GEOAT team assessment: three collectors at two sites, merged with disagreements and history, "
    "resolved, reviewed, validated: scores provisional then official with coverage",
    "[integration][assessment]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  const std::string data = server.dir().root.string();

  // An unknown administration is refused, naming the known ones.
  auto refused = server_cli({"assessment", "create", "--data-dir", data, "--form", "geoat-2023",
                             "--round", "R", "--administration", "Customs-of-Testland"});
  CHECK(refused.code == 1);
  CHECK_THAT(refused.err, Catch::Contains("none yet"));
  const std::string id = create_assessment(data);
  refused = server_cli({"assessment", "create", "--data-dir", data, "--form", "geoat-2023",
                        "--round", "R", "--administration", "Customs-of-Testland"});
  CHECK(refused.code == 1);
  CHECK_THAT(refused.err, Catch::Contains("known: TL (Testland Customs)"));

  server.start();
  auto a = make_collector(tmp / "a", server.enroll("Land post"));
  auto b = make_collector(tmp / "b", server.enroll("Land post"));
  auto c = make_collector(tmp / "c", server.enroll("Airport"));
  for (auto* col : {&a, &b, &c}) {
    auto r = col->sync({});
    INFO(r.status().to_string());
    REQUIRE(r.is_ok());
    REQUIRE(r->assessments_received.size() == 1);
  }
  auto listed = collector_cli({"assessment", "list", "--data-dir", (tmp / "a").string()});
  CHECK(listed.code == 0);
  CHECK_THAT(listed.out, Catch::Contains(id));
  CHECK_THAT(listed.out, Catch::Contains("Testland Customs"));

  // A partial contribution needs no name or date; a wrong role or an
  // unknown indicator is refused and nothing is stored.
  std::string err;
  CHECK(contribute(tmp / "a", id, "chef", R"({"x_a_1":"4"})", &err) == 1);
  CHECK_THAT(err, Catch::Contains("one of: gender_cell, hr"));
  CHECK(contribute(tmp / "a", id, "hr", R"({"x_a_9":"4"})", &err) == 1);
  REQUIRE(a.status()->counts.pending == 0);

  REQUIRE(contribute(tmp / "a", id, "hr",
                     R"({"x_a_1":"4","x_a_1_evidence":"GED policy signed 2024","p1_a_1":"3"})") ==
          0);
  REQUIRE(contribute(tmp / "b", id, "gender_cell", R"({"x_a_1":"0","x_b_1":"2"})") == 0);
  REQUIRE(contribute(tmp / "c", id, "integrity", R"({"p1_a_1":"3","p3_a_1":"dk","x_c_1":"na"})") ==
          0);
  for (auto* col : {&a, &b, &c}) {
    auto r = col->sync({});
    INFO(r.status().to_string());
    REQUIRE(r.is_ok());
    CHECK(r->accepted == 1);
  }

  auto view = show(server, id);
  CHECK(view.at("state") == "draft");
  CHECK(view.at("version") == 3);
  // Every value is there; the two statuses given to X.A.1 from the same
  // base are both kept, with who, where and when.
  const auto& xa = field(view, "x_a_1");
  CHECK(xa.at("disagreement") == true);
  CHECK_FALSE(xa.contains("value"));
  const auto& competing = xa.at("competing").as_array();
  REQUIRE(competing.size() == 2);
  CHECK(competing[0].at("value") == "4");
  CHECK(competing[0].at("author") == "hr");
  CHECK(competing[0].at("site") == "Land post");
  CHECK(competing[1].at("value") == "0");
  CHECK(competing[1].at("author") == "gender_cell");
  CHECK(field(view, "p1_a_1").at("value") == "3");  // two members agree
  CHECK(field(view, "p1_a_1").at("history").as_array().size() == 2);
  CHECK(field(view, "x_a_1_evidence").at("value") == "GED policy signed 2024");
  CHECK(field(view, "x_b_1").at("value") == "2");
  CHECK(field(view, "x_c_1").at("value") == "na");
  CHECK(field(view, "p3_a_1").at("value") == "dk");
  CHECK(view.at("disagreements").as_array().size() == 1);

  // Scores: provisional; "don't know" and the disagreement count as not yet
  // assessed, N/A leaves the indicator out; 2 rated of 59 applicable.
  const auto& overall = view.at("scores").at("overall").as_object();
  CHECK(view.at("scores").at("status") == "provisional");
  CHECK(overall.at("rated") == 2);
  CHECK(overall.at("applicable") == 59);
  CHECK(overall.at("not_applicable") == 1);
  CHECK(overall.at("not_assessed") == 57);
  CHECK(overall.at("disagreements") == 1);
  CHECK(overall.at("incomplete") == true);
  CHECK(overall.at("percent").as_double() == Approx(62.5));  // (3 + 2) of 8

  // The collectors get the merged state back at their next sync.
  REQUIRE(c.sync({}).is_ok());
  auto shown = collector_cli({"assessment", "show", "--data-dir", (tmp / "c").string(), id});
  CHECK(shown.code == 0);
  CHECK_THAT(shown.out, Catch::Contains("x_a_1: DISAGREEMENT \"4\" (hr, Land post"));
  CHECK_THAT(shown.out, Catch::Contains("p1_a_1: \"3\""));

  // Validation waits for every disagreement to be resolved.
  CHECK(
      server_cli({"assessment", "review", "--data-dir", data, id, "--comment", "ready for review"})
          .code == 0);
  auto early =
      server_cli({"assessment", "validate", "--data-dir", data, id, "--comment", "looks right"});
  CHECK(early.code == 1);
  CHECK_THAT(early.err, Catch::Contains("1 disagreement(s) remain"));
  auto resolved = server_cli({"assessment", "resolve", "--data-dir", data, id, "x_a_1", "--value",
                              "3", "--comment", "policy in place, monitoring not yet"});
  INFO(resolved.err);
  REQUIRE(resolved.code == 0);
  auto validated = server_cli(
      {"assessment", "validate", "--data-dir", data, id, "--comment", "agreed by the team"});
  INFO(validated.err);
  REQUIRE(validated.code == 0);

  view = show(server, id);
  CHECK(view.at("state") == "validated");
  CHECK(field(view, "x_a_1").at("value") == "3");
  const auto& history = field(view, "x_a_1").at("history").as_array();
  REQUIRE(history.size() == 3);  // 4, 0 and the resolution: nothing dropped
  CHECK(history[2].at("kind") == "resolution");
  CHECK(history[2].at("comment") == "policy in place, monitoring not yet");
  CHECK(view.at("scores").at("status") == "official");
  CHECK(view.at("scores").at("overall").at("rated") == 3);
  CHECK(view.at("workflow").as_array().size() == 2);

  // The report: the validated assessment's scores are official, with coverage.
  auto report = server_cli({"report", "--data-dir", data, "--form", "geoat-2023", "--json"});
  INFO(report.err);
  REQUIRE(report.code == 0);
  const auto rj = boost::json::parse(report.out).as_object();
  REQUIRE(rj.at("assessments").as_array().size() == 1);
  CHECK(rj.at("assessments").at(0).at("scores").at("status") == "official");
  CHECK(rj.at("assessments").at(0).at("scores").at("overall").at("rated") == 3);

  // A contribution after validation: kept and flagged, never merged, and
  // the collector says so, at submit (once a sync told it) and after its sync.
  REQUIRE(a.sync({}).is_ok());
  err.clear();
  REQUIRE(contribute(tmp / "a", id, "hr", R"({"x_d_1":"1"})", &err) == 0);
  CHECK_THAT(err, Catch::Contains("validated already"));
  auto late = a.sync({});
  REQUIRE(late.is_ok());
  CHECK(late->accepted == 1);
  REQUIRE(late->flagged_contributions.size() == 1);
  CHECK_THAT(late->flagged_contributions[0], Catch::Contains("did not merge it"));
  view = show(server, id);
  CHECK(view.at("flagged").as_array().size() == 1);
  CHECK(view.at("flagged").at(0).at("fields").at("x_d_1") == "1");
  CHECK_FALSE(view.at("fields").as_object().contains("x_d_1"));
  CHECK(view.at("version") == 4);  // 3 contributions and the resolution
  server.stop();
}

TEST_CASE(
    "per-site findings: a facility rated at two sites sits side by side, a site's own "
    "disagreement is resolved, the indicator stands at its weakest site until the team gives "
    "the administration's status",
    "[integration][assessment]") {
  TeamServer team;
  auto& [tmp, server, data, id] = team;
  auto a = make_collector(tmp / "a", server.enroll("Land post"));
  auto b = make_collector(tmp / "b", server.enroll("Land post"));
  auto c = make_collector(tmp / "c", server.enroll("Airport"));
  for (auto* col : {&a, &b, &c}) REQUIRE(col->sync({}).is_ok());

  // A site the server does not know is refused before anything is sealed,
  // naming the known ones; so is a site on a form part given per site nowhere.
  std::string err;
  CHECK(contribute(tmp / "c", id, "hr", R"({"p3_c_1":"4"})", &err, "Kigoma") == 1);
  CHECK_THAT(err,
             Catch::Contains("no site 'Kigoma'") && Catch::Contains("known: Airport, Land post"));
  REQUIRE(c.status()->counts.pending == 0);

  // P3.C.1 (toilets and changing rooms) at each site; X.A.1 (a policy) in
  // the same contribution stays the administration's.
  const auto photo = tmp / "toilet.jpg";
  std::ofstream(photo, std::ios::binary) << fake_jpeg(20 * 1024);
  REQUIRE(contribute(tmp / "a", id, "hr",
                     R"({"p3_c_1":"1","p3_c_1_evidence":"one toilet, shared","x_a_1":"3",)"
                     R"("p3_c_1_files":["@)" +
                         photo.string() + R"("]})",
                     nullptr, "Land post") == 0);
  REQUIRE(contribute(tmp / "b", id, "gender_cell", R"({"p3_c_1":"2"})", nullptr, "Land post") == 0);
  // The airport's member rates the airport, and the land post from a visit.
  REQUIRE(contribute(tmp / "c", id, "integrity",
                     R"({"p3_c_1":"4","p3_c_1_evidence":"separate, lockable"})", nullptr,
                     "Airport") == 0);
  for (auto* col : {&a, &b, &c}) REQUIRE(col->sync({})->accepted == 1);

  auto view = show(server, id);
  const auto& sites = view.at("sites").as_array();
  CHECK(sites == boost::json::array{"Airport", "Land post"});
  CHECK(field(view, "p3_c_1@Airport").at("value") == "4");
  CHECK(field(view, "p3_c_1_evidence@Airport").at("value") == "separate, lockable");
  CHECK(field(view, "p3_c_1_evidence@Land post").at("value") == "one toilet, shared");
  CHECK(field(view, "x_a_1").at("value") == "3");
  CHECK_FALSE(view.at("fields").as_object().contains("x_a_1@Land post"));
  // Two members at the land post disagree; the airport does not disagree with them.
  const auto& land = field(view, "p3_c_1@Land post");
  REQUIRE(land.at("competing").as_array().size() == 2);
  CHECK(view.at("disagreements").as_array().size() == 1);
  CHECK(view.at("disagreements").at(0).at("field") == "p3_c_1@Land post");
  // While a site disagrees, the indicator is not yet assessed.
  CHECK(field(view, "p3_c_1").at("site_disagreement") == boost::json::array{"Land post"});
  CHECK_FALSE(field(view, "p3_c_1").contains("value"));
  CHECK(view.at("scores").at("overall").at("rated") == 1);  // X.A.1
  CHECK(view.at("scores").at("overall").at("disagreements") == 1);

  // A site's finding is resolved like any field; a site the server does not
  // know, or an indicator not given per site, is refused.
  auto bad = server_cli({"assessment", "resolve", "--data-dir", data, id, "p3_c_1@Nowhere",
                         "--value", "1", "--comment", "x"});
  CHECK(bad.code == 1);
  CHECK_THAT(bad.err, Catch::Contains("no site 'Nowhere'"));
  bad = server_cli({"assessment", "resolve", "--data-dir", data, id, "x_a_1@Airport", "--value",
                    "1", "--comment", "x"});
  CHECK(bad.code == 1);
  CHECK_THAT(bad.err, Catch::Contains("x_a_1 is not given per site"));
  auto resolved = server_cli({"assessment", "resolve", "--data-dir", data, id, "p3_c_1@Land post",
                              "--value", "1", "--comment", "seen on 2 December: one shared"});
  INFO(resolved.err);
  REQUIRE(resolved.code == 0);

  // The indicator now stands at its weakest site: 1 at the land post.
  view = show(server, id);
  const auto& derived = field(view, "p3_c_1");
  CHECK(derived.at("value") == "1");
  CHECK(derived.at("from_sites") ==
        boost::json::parse(R"([{"site":"Airport","value":"4"},{"site":"Land post","value":"1"}])"));
  CHECK(view.at("scores").at("overall").at("rated") == 2);
  CHECK(view.at("scores").at("overall").at("disagreements") == 0);
  CHECK(view.at("scores").at("overall").at("score").as_double() == Approx(4.0));  // 3 + 1

  // The collectors see the sites side by side at their next sync.
  REQUIRE(a.sync({}).is_ok());
  auto shown = collector_cli({"assessment", "show", "--data-dir", (tmp / "a").string(), id});
  CHECK(shown.code == 0);
  CHECK_THAT(shown.out, Catch::Contains("p3_c_1@Airport: \"4\"") &&
                            Catch::Contains("p3_c_1@Land post: \"1\""));

  // The team's status for the administration takes over from the weakest site.
  REQUIRE(contribute(tmp / "a", id, "hr", R"({"p3_c_1":"2"})") == 0);
  REQUIRE(a.sync({})->accepted == 1);
  view = show(server, id);
  CHECK(field(view, "p3_c_1").at("value") == "2");
  CHECK_FALSE(field(view, "p3_c_1").contains("from_sites"));
  CHECK(field(view, "p3_c_1@Airport").at("value") == "4");  // the findings stay

  // The printable report sets the sites side by side, and tells how the
  // land post's two entries ended.
  const auto out = tmp / "rapport.html";
  auto printed = server_cli(
      {"assessment", "report", "--data-dir", data, id, "--lang", "fr", "--out", out.string()});
  INFO(printed.err);
  REQUIRE(printed.code == 0);
  const std::string html = file_text(out);
  const auto section = html.find("<h2>Constats par site</h2>");
  REQUIRE(section != std::string::npos);
  const std::string table = html.substr(section, html.find("</section>", section) - section);
  CHECK_THAT(table, Catch::Contains("<th><bdi>Airport</bdi></th><th><bdi>Land post</bdi></th>") &&
                        Catch::Contains("separate, lockable") &&
                        Catch::Contains("one toilet, shared") && Catch::Contains("P3.C.1"));
  CHECK_THAT(html, Catch::Contains("— <bdi>Land post</bdi>") &&
                       Catch::Contains("seen on 2 December: one shared"));
  CHECK(field(view, "p3_c_1_files@Land post").at("value").as_array().size() == 1);
  server.stop();

  // The land post's photo is among the evidence files, under its site, as
  // the dashboard lists them and links them from its printable report.
  auto app = server::ServerApp::open(server.dir());
  REQUIRE(app.is_ok());
  auto files = app->assessment_evidence(id, "fr");
  REQUIRE(files.is_ok());
  REQUIRE(files->size() == 1);
  CHECK(files->at(0).at("site") == "Land post");
  CHECK(files->at(0).at("held") == true);
  server::ReportEvidence evidence;  // every file held, linked under /api/v1/files/
  auto linked = app->assessment_report(id, "fr", &evidence);
  REQUIRE(linked.is_ok());
  CHECK_THAT(*linked, Catch::Contains("P3.C.1</span> <bdi>Land post</bdi>") &&
                          Catch::Contains("toilet.jpg"));
}

TEST_CASE(
    "the GEOAT is not a respondents' survey: a plain submission's scores are provisional, and "
    "contributions are not pooled as assessments of their own",
    "[integration][assessment]") {
  TeamServer team;
  auto& [tmp, server, data, id] = team;
  auto a = make_collector(tmp / "a", server.enroll("Land post"));
  REQUIRE(a.sync({}).is_ok());
  REQUIRE(contribute(tmp / "a", id, "hr", R"({"x_a_1":"4"})") == 0);
  auto plain = collector_cli(
      {"submit", "--data-dir", (tmp / "a").string(), "--form", "geoat-2023", "-"},
      R"({"admin_name":"Testland Customs","assessment_start":"2026-11-20","assessment_date":"2026-11-30"})");
  INFO(plain.err);
  REQUIRE(plain.code == 0);
  REQUIRE(a.sync({})->accepted == 2);
  auto report = server_cli({"report", "--data-dir", data, "--form", "geoat-2023", "--json"});
  INFO(report.err);
  REQUIRE(report.code == 0);
  const auto rj = boost::json::parse(report.out).as_object();
  const auto& admins = rj.at("periods").at(0).at("geoat").at("administrations").as_array();
  REQUIRE(admins.size() == 1);
  CHECK(admins[0].at("administration") == "Testland Customs");
  CHECK(admins[0].at("assessments") == 1);  // the contribution is not an assessment of its own
  CHECK(admins[0].at("status") == "provisional");
  CHECK(rj.at("assessments").at(0).at("scores").at("status") == "provisional");
  server.stop();
}

TEST_CASE(
    "kill -9 of the server during a merge leaves the previous merged state and every contribution",
    "[integration][assessment][crash]") {
  TempDir tmp;
  const std::string data = (tmp / "server").string();
  REQUIRE(run_command({bin_path("sync-server"), "init", "--data-dir", data}).exit_code == 0);
  const std::string id = create_assessment(data);
  std::string url;
  std::optional<collector::Collector> c;
  {
    ChildProcess server(
        {bin_path("sync-server"), "serve", "--data-dir", data, "--listen", "127.0.0.1:0"});
    url = announced_url(server).value_or("");
    REQUIRE_FALSE(url.empty());
    auto code = run_command({bin_path("sync-server"), "device", "enroll", "--data-dir", data,
                             "--site", "Port", "--url", url});
    REQUIRE(code.exit_code == 0);
    c.emplace(make_collector(tmp / "c", code.out));
    REQUIRE(c->sync({}).is_ok());
    REQUIRE(contribute(tmp / "c", id, "hr", R"({"x_a_1":"4"})") == 0);
    REQUIRE(c->sync({})->accepted == 1);
    server.kill(SIGTERM);
    REQUIRE(server.wait() == 0);
  }
  const auto before = run_command(
      {bin_path("sync-server"), "assessment", "show", "--data-dir", data, id, "--json"});
  REQUIRE(before.exit_code == 0);

  REQUIRE(contribute(tmp / "c", id, "integrity", R"({"x_a_1":"1","x_b_1":"2"})") == 0);
  const std::string listen = url.substr(std::string("ws://").size());
  {
    ChildProcess server({bin_path("sync-server"), "serve", "--data-dir", data, "--listen", listen},
                        {{"EQUITAS_FAULT", "crash-before-commit"}});
    REQUIRE(announced_url(server) == url);
    CHECK_FALSE(c->sync({}).is_ok());
    CHECK(server.wait() == 128 + SIGKILL);
  }
  // The merge died with its transaction: the merged state is the previous
  // one, byte for byte, and the contribution is still pending at the post.
  const auto after = run_command(
      {bin_path("sync-server"), "assessment", "show", "--data-dir", data, id, "--json"});
  REQUIRE(after.exit_code == 0);
  CHECK(after.out == before.out);
  CHECK(c->status()->counts.pending == 1);

  ChildProcess server({bin_path("sync-server"), "serve", "--data-dir", data, "--listen", listen});
  REQUIRE(announced_url(server) == url);
  auto r = c->sync({});
  REQUIRE(r.is_ok());
  CHECK(r->accepted == 1);
  server.kill(SIGTERM);
  CHECK(server.wait() == 0);
  const auto merged = boost::json::parse(
      run_command({bin_path("sync-server"), "assessment", "show", "--data-dir", data, id, "--json"})
          .out);
  // It had seen the first (its base was version 1): its value stands, and
  // both stay in the field's history.
  CHECK(merged.at("version") == 2);
  CHECK(merged.at("fields").at("x_a_1").at("value") == "1");
  CHECK(merged.at("fields").at("x_a_1").at("history").as_array().size() == 2);
  CHECK(merged.at("fields").at("x_b_1").at("value") == "2");
}

namespace {

boost::json::object cli_json(std::vector<std::string> args) {
  auto r = server_cli(std::move(args));
  INFO(r.err);
  REQUIRE(r.code == 0);
  return boost::json::parse(r.out).as_object();
}

const boost::json::object& item_of(const boost::json::array& items, const std::string& id) {
  for (const auto& v : items) {
    if (v.at("id").as_string() == id) return v.as_object();
  }
  FAIL("no item " << id);
  throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE(
    "the action plan between rounds: adopted at validation, updated between rounds, and shown as "
    "changed "
    "in the next round's comparison, in either argument order",
    "[integration][assessment][actions]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  const std::string data = server.dir().root.string();
  const std::string first = create_assessment(data);
  server.start();
  auto a = make_collector(tmp / "a", server.enroll("Land post"));
  REQUIRE(a.sync({}).is_ok());
  // Round 1: the team rates X.A.1 low and plans two actions, each linked to
  // indicators chosen from the form's list. An id the form does not have
  // is refused on the collector, naming the question, and nothing is queued.
  std::string refused;
  CHECK(contribute(tmp / "a", first, "gender_cell", R"({"action_plan":[
      {"ap_objective":"Recruitment","ap_activity":"Plain-language vacancy notices",
       "ap_indicators":["P1.A.1","Z.Z.9"]}]})",
                   &refused) != 0);
  CHECK_THAT(refused, Catch::Contains("ap_indicators"));
  std::string why;
  const int code =
      contribute(tmp / "a", first, "gender_cell", R"({"x_a_1":"1","p1_a_1":"2","action_plan":[
      {"ap_objective":"Facilities for women officers","ap_activity":"Open a lactation room at the land post",
       "ap_indicators":["X.A.1","P1.A.1"],"ap_owner":"Facilities unit","ap_deadline":"2027-03-31",
       "ap_status":"in_progress","ap_progress":"site chosen"},
      {"ap_objective":"Recruitment","ap_activity":"Publish vacancy notices in plain language",
       "ap_indicators":["P1.A.1"],"ap_owner":"HR","ap_deadline":"2026-12-15","ap_status":"not_started"}]})",
                 &why);
  INFO(why);
  REQUIRE(code == 0);
  REQUIRE(a.sync({})->accepted == 1);
  REQUIRE(
      server_cli({"assessment", "review", "--data-dir", data, first, "--comment", "ready"}).code ==
      0);
  // Nothing is adopted before validation.
  CHECK(cli_json({"action", "list", "--data-dir", data, "--json"}).at("items").as_array().empty());
  REQUIRE(server_cli({"assessment", "validate", "--data-dir", data, first, "--comment", "agreed"})
              .code == 0);

  auto plan = cli_json({"action", "list", "--data-dir", data, "--administration", "TL", "--json"});
  REQUIRE(plan.at("items").as_array().size() == 2);
  const auto& ap1 = item_of(plan.at("items").as_array(), "TL-AP1");
  CHECK(ap1.at("status") == "in_progress");
  CHECK(ap1.at("status_label") == "In progress");
  CHECK(ap1.at("round") == "2026-baseline");
  REQUIRE(ap1.at("indicators").as_array().size() == 2);
  CHECK(ap1.at("indicators").at(0).at("id") == "X.A.1");
  CHECK(ap1.at("history").at(0).at("note").as_string().find("site chosen") !=
        boost::json::string::npos);
  CHECK(item_of(plan.at("items").as_array(), "TL-AP2").at("deadline") == "2026-12-15");

  // Between rounds: bad updates are refused by name and change nothing.
  auto bad = server_cli({"action", "update", "--data-dir", data, "TL-AP1", "--status", "done"});
  CHECK(bad.code != 0);
  CHECK_THAT(bad.err, Catch::Contains("not_started, in_progress, completed, delayed"));
  bad =
      server_cli({"action", "update", "--data-dir", data, "TL-AP1", "--indicators", "X.A.1,Z.Z.9"});
  CHECK(bad.code != 0);
  CHECK_THAT(bad.err, Catch::Contains("'Z.Z.9' is not an indicator of geoat-2023"));
  bad = server_cli({"action", "update", "--data-dir", data, "TL-AP9", "--status", "completed"});
  CHECK(bad.code != 0);
  CHECK_THAT(bad.err, Catch::Contains("no action item TL-AP9"));
  CHECK(item_of(cli_json({"action", "list", "--data-dir", data, "--json"}).at("items").as_array(),
                "TL-AP1")
            .at("history")
            .as_array()
            .size() == 1);
  // A real update: completed, with a dated note, and the links chosen again.
  auto updated =
      server_cli({"action", "update", "--data-dir", data, "TL-AP1", "--status", "completed",
                  "--note", "room opened on 2027-02-10", "--indicators", "X.A.1"});
  INFO(updated.err);
  REQUIRE(updated.code == 0);
  auto listed = server_cli({"action", "list", "--data-dir", data});
  CHECK_THAT(listed.out, Catch::Contains("TL-AP1\tCompleted"));

  // Round 2: the follow-up rates X.A.1 again.
  auto made = server_cli({"assessment", "create", "--data-dir", data, "--form", "geoat-2023",
                          "--round", "2027-followup", "--administration", "TL"});
  REQUIRE(made.code == 0);
  const std::string second = made.out.substr(0, made.out.find('\n'));
  REQUIRE(a.sync({}).is_ok());
  REQUIRE(contribute(tmp / "a", second, "gender_cell", R"({"x_a_1":"3","p1_a_1":"2"})") == 0);
  REQUIRE(a.sync({})->accepted == 1);

  for (const auto& [round, compare] :
       {std::pair{"2027-followup", "2026-baseline"}, std::pair{"2026-baseline", "2027-followup"}}) {
    INFO(round << " compared with " << compare);
    auto report = cli_json({"report", "--data-dir", data, "--form", "geoat-2023", "--round", round,
                            "--compare", compare, "--json"});
    const auto& c = report.at("comparison").as_object();
    CHECK(c.at("older") == "2026-baseline");
    CHECK(c.at("newer") == "2027-followup");
    const auto& admins = c.at("geoat").at("actions").as_array();
    REQUIRE(admins.size() == 1);
    CHECK(admins[0].at("administration").at("id") == "TL");
    const auto& items = admins[0].at("items").as_array();
    REQUIRE(items.size() == 2);
    const auto& moved = item_of(items, "TL-AP1");
    CHECK(moved.at("status").at("from") == "in_progress");
    CHECK(moved.at("status").at("to") == "completed");
    CHECK(moved.at("status").at("changed") == true);
    CHECK(moved.at("updates_between") == 1);
    REQUIRE(moved.at("indicators").as_array().size() == 1);
    CHECK(moved.at("indicators").at(0).at("from") == "1");
    CHECK(moved.at("indicators").at(0).at("to") == "3");
    CHECK(moved.at("indicators").at(0).at("change").to_number<double>() == 2.0);
    const auto& still = item_of(items, "TL-AP2");
    CHECK(still.at("status").at("changed") == false);
    CHECK(still.at("indicators").at(0).at("change").to_number<double>() == 0.0);
  }
  auto text = server_cli({"report", "--data-dir", data, "--form", "geoat-2023", "--round",
                          "2026-baseline", "--compare", "2027-followup"});
  INFO(text.err);
  REQUIRE(text.code == 0);
  CHECK_THAT(text.out, Catch::Contains("TL-AP1  Open a lactation room at the land post") &&
                           Catch::Contains("status: In progress -> Completed  CHANGED") &&
                           Catch::Contains("X.A.1: 1 – Planned -> 3 – Fully implemented (+2"));
  server.stop();
}

TEST_CASE(
    "a collector updates an action between rounds: applied at sync with the unit and site, an "
    "unknown action refused, and every collector shown the plan as it now stands",
    "[integration][assessment][actions]") {
  TeamServer team;
  auto& [tmp, server, data, id] = team;
  auto a = make_collector(tmp / "a", server.enroll("Land post"));
  auto b = make_collector(tmp / "b", server.enroll("Airport"));
  REQUIRE(a.sync({}).is_ok());
  REQUIRE(contribute(tmp / "a", id, "gender_cell", R"({"x_a_1":"1","action_plan":[
      {"ap_objective":"Facilities for women officers","ap_activity":"Open a lactation room",
       "ap_indicators":["X.A.1"],"ap_owner":"Facilities unit","ap_status":"not_started"}]})") == 0);
  REQUIRE(a.sync({})->accepted == 1);
  REQUIRE(server_cli({"assessment", "review", "--data-dir", data, id, "--comment", "ready"}).code ==
          0);
  REQUIRE(
      server_cli({"assessment", "validate", "--data-dir", data, id, "--comment", "agreed"}).code ==
      0);
  // Both posts receive the plan with the assessment.
  auto plan_held = [](collector::Collector& c) {
    auto held = c.assessments();
    REQUIRE(held.is_ok());
    REQUIRE(held->size() == 1);
    return boost::json::parse(held->front().view).at("actions").as_array();
  };
  REQUIRE(a.sync({}).is_ok());
  REQUIRE(b.sync({}).is_ok());
  REQUIRE(plan_held(b).size() == 1);
  CHECK(plan_held(b).at(0).at("id") == "TL-AP1");
  CHECK(plan_held(b).at(0).at("status") == "not_started");

  // The airport's HR member reports progress from the collector.
  auto sent = collector_cli(
      {"submit", "--data-dir", (tmp / "b").string(), "--form", "geoat-action-update", "-"},
      R"({"action_id":"TL-AP1","ap_status":"in_progress",
                                "ap_progress":"Room chosen, works start in March","au_role":"hr"})");
  INFO(sent.err);
  REQUIRE(sent.code == 0);
  // A number the plan does not have is refused at sync, by name; the
  // collector keeps it, counted as rejected, and shows the reason.
  REQUIRE(collector_cli(
              {"submit", "--data-dir", (tmp / "b").string(), "--form", "geoat-action-update", "-"},
              R"({"action_id":"TL-AP9","ap_status":"completed"})")
              .code == 0);
  auto pushed = b.sync({});
  REQUIRE(pushed.is_ok());
  CHECK(pushed->accepted == 1);
  CHECK(pushed->rejected == 1);
  REQUIRE(pushed->rejections.size() == 1);
  CHECK_THAT(pushed->rejections[0], Catch::Contains("no action TL-AP9 on this server"));

  auto plan = cli_json({"action", "list", "--data-dir", data, "--json"});
  const auto& ap1 = item_of(plan.at("items").as_array(), "TL-AP1");
  CHECK(ap1.at("status") == "in_progress");
  CHECK(ap1.at("note") == "Room chosen, works start in March");
  const auto& last = ap1.at("history").as_array().back().as_object();
  CHECK_THAT(std::string(last.at("actor").as_string()), Catch::StartsWith("hr, Airport (device "));
  CHECK(ap1.at("history").as_array().size() == 2);

  // A post that syncs late does not overwrite a newer status: the land
  // post saves "delayed" now, HQ marks the action completed a second later,
  // and the land post's update, arriving after, takes its place in the
  // history by when it was saved.
  REQUIRE(collector_cli(
              {"submit", "--data-dir", (tmp / "a").string(), "--form", "geoat-action-update", "-"},
              R"({"action_id":"TL-AP1","ap_status":"delayed","au_role":"gender_cell"})")
              .code == 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // timestamps are in seconds
  REQUIRE(server_cli({"action", "update", "--data-dir", data, "TL-AP1", "--status", "completed",
                      "--note", "room opened"})
              .code == 0);
  REQUIRE(a.sync({})->accepted == 1);
  const auto now_plan = cli_json({"action", "list", "--data-dir", data, "--json"});
  const auto& now_ap1 = item_of(now_plan.at("items").as_array(), "TL-AP1");
  CHECK(now_ap1.at("status") == "completed");
  const auto& history = now_ap1.at("history").as_array();
  REQUIRE(history.size() == 4);
  CHECK(history.at(2).at("status") == "delayed");  // by when it was saved, before HQ's
  CHECK(history.at(3).at("status") == "completed");

  // The land post sees the plan as it now stands at its next sync; a sync
  // with nothing new applies nothing twice.
  REQUIRE(a.sync({}).is_ok());
  CHECK(plan_held(a).at(0).at("status") == "completed");
  CHECK(plan_held(a).at(0).at("note") == "room opened");
  REQUIRE(b.sync({}).is_ok());
  CHECK(item_of(cli_json({"action", "list", "--data-dir", data, "--json"}).at("items").as_array(),
                "TL-AP1")
            .at("history")
            .as_array()
            .size() == 4);
}
