// Reports on real server databases: Likert items and section indexes,
// breakdowns with suppression, the threshold flag, Arusha factors, GEOAT
// scoring (N/A and don't know left out), round comparison, revisions.
// End to end through a running server and backfill: report_ingest_test.cpp.
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "form_registry.hpp"
#include "report_test_util.hpp"

using namespace equitas;
using namespace equitas::server;
using namespace equitas::test;

TEST_CASE("Likert items: percent positive, neutral, negative, with don't know apart", "[report]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  auto store = server.open_store();
  const DeviceId dev = add_device(store, "North post");
  const char* answers[] = {"5", "5", "5", "4", "4", "4", "3", "3", "1", "2", "dk", "dk"};
  for (const char* a : answers) {
    add_response(store, dev, "staff-climate", "2026.1",
                 std::string(R"({"eng_proud":")") + a + R"(","comment":"x"})");
  }
  const auto r = report_of(store, options("staff-climate"));
  const auto& survey = r.at("periods").at(0).at("survey").as_object();
  // staff-climate is anonymous: every count carries its cell's noise
  // (cell_key.hpp), so each is compared with the method's own figure for
  // the same responses: 6 positive, 2 neutral, 2 negative, 2 "don't know".
  CHECK(r.at("form").at("perturbed").at("max_noise") == 5);
  const auto rows = rowids_of(store, "staff-climate");
  REQUIRE(rows.size() == 12);
  CHECK(survey.at("responses").at(0).at("n") == published_n(store, rows));
  const auto& proud = item(survey, "eng_proud");
  CHECK(proud.at("kind") == "likert");
  const auto& all = proud.at("groups").at(0).as_object();
  const std::int64_t n = published(store, slice(rows, 0, 10));  // percentages are of it
  CHECK(all.at("n") == std::max<std::int64_t>(n, 10));
  CHECK(all.at("excluded") == published(store, slice(rows, 10, 12)));
  const double positive = percent_of(published(store, slice(rows, 0, 6)), n);
  CHECK(all.at("positive").as_double() == Approx(positive));
  CHECK(all.at("neutral").as_double() ==
        Approx(percent_of(published(store, slice(rows, 6, 8)), n)));
  CHECK(all.at("negative").as_double() ==
        Approx(percent_of(published(store, slice(rows, 8, 10)), n)));
  // The engagement index: only eng_proud has 10 answers; the other items
  // (none) are hidden and left out of it.
  const auto& engagement = section(survey, "engagement");
  CHECK(engagement.at("groups").at(0).at("index").as_double() == Approx(positive));
  CHECK(engagement.at("groups").at(0).at("items") == 1);
  // Free text is counted, never shown.
  const auto& comment = item(survey, "comment");
  CHECK(comment.at("groups").at(0).at("answered") == published_n(store, rows));
  CHECK(boost::json::serialize(r).find("\"x\"") == std::string::npos);
}

TEST_CASE("a computed indicator is a prevalence by sex, published and suppressed like any cell",
          "[report][indicator]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  auto store = server.open_store();
  use_secret(store, 5);
  const DeviceId dev = add_device(store, "Airport");
  // 40 women, 14 of whom experienced harassment; 30 men, 6; 4 who prefer
  // not to say, 2; and 12 who answered none of the items (no value).
  auto add = [&](const char* sex, int n, int yes) {
    for (int i = 0; i < n; ++i) {
      add_response(store, dev, "staff-climate", "2026.2",
                   std::string(R"({"dem_sex":")") + sex + R"(","harass_any":")" +
                       (i < yes ? "yes" : "no") + R"("})",
                   "r1");
    }
  };
  add("female", 40, 14);
  add("male", 30, 6);
  add("pns", 4, 2);
  for (int i = 0; i < 12; ++i)
    add_response(store, dev, "staff-climate", "2026.2", R"({"dem_sex":"male"})", "r1");
  const auto rows = rowids_of(store, "staff-climate");
  REQUIRE(rows.size() == 86);
  auto o = options("staff-climate");
  o.by = {"sex"};
  const auto r = report_of(store, o);
  const auto& ind = item(r.at("periods").at(0).at("survey").as_object(), "harass_any");
  CHECK(ind.at("kind") == "indicator");
  CHECK(ind.at("label") == "Experienced at least one harassing behaviour in the last 12 months");
  CHECK(ind.at("choices").at(0).at("code") == "yes");
  const auto& groups = ind.at("groups").as_array();
  // Each shown group's share of "yes" is its published count over its
  // published n; the 12 without a value are in no denominator.
  const auto women = slice(rows, 0, 40), women_yes = slice(rows, 0, 14);
  const auto& w = group(groups, {{"dem_sex", "female"}});
  CHECK(w.at("n") == published_n(store, women));
  CHECK(w.at("percent").at("yes").as_double() ==
        Approx(percent_of(published(store, women_yes), published(store, women))));
  const auto men = slice(rows, 40, 70), men_yes = slice(rows, 40, 46);
  const auto& m = group(groups, {{"dem_sex", "male"}});
  CHECK(m.at("n") == published_n(store, men));
  CHECK(m.at("percent").at("yes").as_double() ==
        Approx(percent_of(published(store, men_yes), published(store, men))));
  // Four who prefer not to say: hidden, never a percentage.
  CHECK(group(groups, {{"dem_sex", "pns"}}).at("suppressed") == true);
  const auto& all = group(groups, {});
  CHECK(all.at("n") == published_n(store, slice(rows, 0, 74)));
  // The text report prints it with its choices' labels.
  const std::string text = report_text(r);
  CHECK_THAT(text, Catch::Contains("Experienced at least one harassing behaviour"));
}

TEST_CASE("A breakdown hides small groups, says so, and never shows them as zero", "[report]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  auto store = server.open_store();
  const DeviceId dev = add_device(store, "North post");
  auto add = [&](int n, const std::string& sex, const std::string& grade) {
    for (int i = 0; i < n; ++i) {
      add_response(
          store, dev, "staff-climate", "2026.1",
          R"({"dem_sex":")" + sex + R"(","dem_grade":")" + grade + R"(","eng_proud":"4"})");
    }
  };
  add(25, "female", "officer");
  add(12, "male", "officer");
  add(3, "pns", "supervisor");
  auto o = options("staff-climate");
  o.by = {"sex"};
  const auto r = report_of(store, o);
  const auto& responses = r.at("periods").at(0).at("survey").at("responses").as_array();
  // Noisy counts (the form is anonymous): the method's figures for the 25
  // women, the 12 men and all 40.
  const auto rows = rowids_of(store, "staff-climate");
  const std::int64_t women = published_n(store, slice(rows, 0, 25)),
                     men = published_n(store, slice(rows, 25, 37));
  CHECK(group(responses, {{"dem_sex", "female"}}).at("n") == women);
  CHECK(group(responses, {{"dem_sex", "male"}}).at("n") == men);
  CHECK(group(responses, {{"dem_sex", "pns"}}).at("suppressed") == true);
  CHECK_FALSE(group(responses, {{"dem_sex", "pns"}}).contains("n"));
  CHECK(group(responses, {{"dem_sex", "pns"}}).at("display") == "n<10");
  // Nobody skipped the question: that group is 0, under 10, so hidden too,
  // which leaves two hidden groups: neither is the total minus the others.
  CHECK(group(responses, {{"dem_sex", ""}}).at("suppressed") == true);
  CHECK(group(responses, {}).at("n") == published_n(store, rows));
  for_each_shown_n(r, [](std::int64_t n) { CHECK(n >= 10); });

  // Two dimensions: the lone small cell takes partners in its row and column.
  o.by = {"sex", "dem_grade"};
  const auto two = report_of(store, o);
  const auto& cells = two.at("periods").at(0).at("survey").at("responses").as_array();
  // The same 25 women: the same figure in another table.
  CHECK(group(cells, {{"dem_sex", "female"}, {"dem_grade", "officer"}}).at("n") == women);
  CHECK(group(cells, {{"dem_sex", "pns"}, {"dem_grade", "supervisor"}}).contains("suppressed"));
  for_each_shown_n(two, [](std::int64_t n) { CHECK(n >= 10); });
  const std::string text = report_text(two);
  CHECK_THAT(text, Catch::Contains("n<10"));
  CHECK_THAT(text, Catch::Contains("female / officer"));
}

TEST_CASE("the minimum cell option raises the threshold and cannot lower it, and --by is checked",
          "[report]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  auto store = server.open_store();
  const DeviceId dev = add_device(store, "North post");
  for (int i = 0; i < 25; ++i)
    add_response(store, dev, "staff-climate", "2026.1", R"({"dem_sex":"female","eng_proud":"4"})");
  auto registry = FormRegistry::load(store);
  REQUIRE(registry.is_ok());
  auto o = options("staff-climate");
  o.min_cell = 5;
  auto lowered = build_report(store.db(), (*registry)->library(), o);
  REQUIRE_FALSE(lowered.is_ok());
  CHECK_THAT(lowered.status().message(), Catch::Contains("only raise"));
  o.min_cell = 30;
  const auto raised = report_of(store, o);
  CHECK(raised.at("form").at("suppression_threshold") == 30);
  CHECK(raised.at("periods").at(0).at("survey").at("responses").at(0).at("display") == "n<30");

  o = options("staff-climate");
  o.by = {"eng_proud"};
  auto not_dim = build_report(store.db(), (*registry)->library(), o);
  REQUIRE_FALSE(not_dim.is_ok());
  CHECK_THAT(not_dim.status().message(), Catch::Contains("dem_sex"));
  o.by = {"sex", "grade", "age"};
  CHECK_FALSE(build_report(store.db(), (*registry)->library(), o).is_ok());
  o.by = {"sex", "dem_sex"};
  CHECK_FALSE(build_report(store.db(), (*registry)->library(), o).is_ok());
}

TEST_CASE("The integrity survey has an index per Arusha factor, reversed items included",
          "[report]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  auto store = server.open_store();
  const DeviceId dev = add_device(store, "North post");
  // f02_3 is on the reversed scale: "1" (strongly disagree) is positive.
  for (int i = 0; i < 10; ++i) {
    add_response(store, dev, "integrity-perception", "2026.1",
                 R"({"f02_1":"5","f02_2":"4","f02_3":"1","f02_4":"2","f10_1":"3"})");
  }
  const auto r = report_of(store, options("integrity-perception"));
  const auto& survey = r.at("periods").at(0).at("survey").as_object();
  const auto& f02 = section(survey, "f02_regulatory");
  CHECK(f02.at("arusha_factor") == 2);
  CHECK(f02.at("groups").at(0).at("index").as_double() == Approx(75.0));  // 100, 100, 100, 0
  CHECK(item(survey, "f02_3").at("groups").at(0).at("positive").as_double() == Approx(100.0));
  // ... and says so, in the JSON and the text, so "100 % positive" is not
  // read as "100 % agree".
  CHECK(item(survey, "f02_3").at("reversed") == true);
  CHECK_FALSE(item(survey, "f02_1").contains("reversed"));
  CHECK_THAT(
      report_text(r),
      Catch::Contains("f02_3  " + std::string(item(survey, "f02_3").at("label").as_string()) +
                      "  [reverse-worded: % positive = % who disagree]"));
  const auto& f10 = section(survey, "f10_private_sector");
  CHECK(f10.at("arusha_factor") == 10);
  CHECK(f10.at("groups").at(0).at("index").as_double() == Approx(0.0));
  int factors = 0;
  for (const auto& s : survey.at("sections").as_array())
    factors += s.as_object().contains("arusha_factor") ? 1 : 0;
  CHECK(factors == 10);
  // A factor nobody answered has no item shown, so no index either.
  CHECK(section(survey, "f01_leadership").at("groups").at(0).as_object().contains("suppressed"));
}

TEST_CASE("GEOAT: percent of maximum over applicable indicators, weakest element first",
          "[report][geoat]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  auto store = server.open_store();
  const DeviceId dev = add_device(store, "HQ");
  add_response(store, dev, "geoat-2023", "2023.1", R"({
      "admin_name": "Customs of Atlantis", "x_a_1": "4", "x_a_2": "2", "x_a_3": "na",
      "x_b_1": "dk", "x_b_2": "0",
      "action_plan": [{"ap_objective": "Adopt a GED policy", "ap_activity": "Draft it with HR",
                       "ap_owner": "HR director", "ap_deadline": "2027-03-31", "ap_status": "in_progress"}]})",
               "2026");
  const auto r = report_of(store, options("geoat-2023"));
  const auto& admins = r.at("periods").at(0).at("geoat").at("administrations").as_array();
  REQUIRE(admins.size() == 1);
  const auto& a = admins.at(0).as_object();
  CHECK(a.at("administration") == "Customs of Atlantis");
  CHECK(a.at("overall").at("percent").as_double() == Approx(50.0));  // 6 of 12
  CHECK(a.at("overall").at("applicable") == 3);
  CHECK(a.at("overall").at("excluded").at("na") == 1);
  CHECK(a.at("overall").at("excluded").at("dk") == 1);
  const auto& elements = a.at("elements").as_array();
  CHECK(elements.at(0).at("id") == "X.B");  // 0 %: the weakest first
  CHECK(elements.at(0).at("percent").as_double() == Approx(0.0));
  CHECK(elements.at(1).at("id") == "X.A");  // 6 of 8, N/A left out of the maximum
  CHECK(elements.at(1).at("percent").as_double() == Approx(75.0));
  CHECK(elements.at(2).at("percent").is_null());  // nothing applicable: last
  const auto& principles = a.at("principles").as_array();
  CHECK(principles.at(0).at("id") == "X");
  CHECK(principles.at(0).at("percent").as_double() == Approx(50.0));
  const auto& plan = a.at("action_plan").as_array();
  REQUIRE(plan.size() == 1);
  CHECK(plan.at(0).at("owner") == "HR director");
  CHECK(plan.at(0).at("deadline") == "2027-03-31");
  CHECK(plan.at(0).at("status") == "in_progress");
  CHECK(plan.at(0).at("status_label") == "In progress");
  CHECK_THAT(report_text(r), Catch::Contains("HR director | 2027-03-31 | In progress"));
  // The status in the report's language, never its code.
  auto fr = options("geoat-2023");
  fr.lang = "fr";
  const auto rf = report_of(store, fr);
  CHECK(rf.at("periods")
            .at(0)
            .at("geoat")
            .at("administrations")
            .at(0)
            .at("action_plan")
            .at(0)
            .at("status_label") == "En cours");
}

TEST_CASE("Two GEOAT assessments of one administration in one round are a conflict, never averaged",
          "[report][geoat]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  auto store = server.open_store();
  const DeviceId dev = add_device(store, "HQ");
  add_response(store, dev, "geoat-2023", "2023.1", R"({"admin_name":"A","x_a_1":"4","x_a_2":"2"})",
               "2026");
  add_response(store, dev, "geoat-2023", "2023.1", R"({"admin_name":"A","x_a_1":"0","x_a_2":"0"})",
               "2026");
  add_response(store, dev, "geoat-2023", "2023.1", R"({"admin_name":"B","x_a_1":"4","x_a_2":"4"})",
               "2026");
  auto o = options("geoat-2023");
  o.round = "2026";
  const auto r = report_of(store, o);
  const auto& admins = r.at("periods").at(0).at("geoat").at("administrations").as_array();
  REQUIRE(admins.size() == 2);
  const auto& a = admins.at(0).as_object();
  CHECK(a.at("administration") == "A");
  CHECK(a.at("conflict") == true);
  // Not the 37.5 % an average would give, anywhere.
  CHECK(a.at("overall").at("percent").is_null());
  CHECK(a.at("overall").at("score").is_null());
  for (const auto& e : a.at("elements").as_array()) CHECK(e.at("percent").is_null());
  for (const auto& p : a.at("principles").as_array()) CHECK(p.at("percent").is_null());
  // Each assessment, with its own score, to tell which to keep.
  const auto& each = a.at("submissions").as_array();
  REQUIRE(each.size() == 2);
  CHECK(each.at(0).at("overall").as_double() == Approx(75.0));
  CHECK(each.at(1).at("overall").as_double() == Approx(0.0));
  CHECK(each.at(0).at("submission_id").as_string().size() == 32);
  // Another administration in the same round is scored as usual.
  const auto& b = admins.at(1).as_object();
  CHECK_FALSE(b.contains("conflict"));
  CHECK(b.at("overall").at("percent").as_double() == Approx(100.0));
  const std::string text = report_text(r);
  CHECK_THAT(text, Catch::Contains("CONFLICT: 2 assessments of this administration in one round"));
  CHECK(text.find("37.5") == std::string::npos);
  // A's scores are not printed at all; B's are.
  CHECK(text.find("Key elements, weakest first") == text.rfind("Key elements, weakest first"));
}

namespace {

// The percent positive of eng_proud in a staff-climate comparison, and its change.
const boost::json::object& proud_change(const boost::json::object& report) {
  for (const auto& it : report.at("comparison").at("survey").at("items").as_array()) {
    if (it.at("name") == "eng_proud") return it.at("groups").at(0).as_object();
  }
  FAIL("no eng_proud in the comparison");
  throw std::logic_error("unreachable");
}

// What a round comparison shows for eng_proud when the form is anonymous:
// percentages of noisy counts (cell_key.hpp), from the method itself. The
// rows of each round are every other stored row, starting at `first`.
struct ExpectedRound {
  std::int64_t n = 0;
  double positive = 0;
};
ExpectedRound expected_round(ServerStore& store, std::size_t first, std::size_t positives) {
  const auto rows = rowids_of(store, "staff-climate");
  std::vector<std::int64_t> all, pos;
  for (std::size_t i = first; i < rows.size(); i += 2) {
    all.push_back(rows[i]);
    if (all.size() <= positives) pos.push_back(rows[i]);
  }
  return {published_n(store, all), percent_of(published(store, pos), published(store, all))};
}
// The report's two-proportion z-test at 95 % on shown figures.
bool beyond_noise(const ExpectedRound& a, const ExpectedRound& b) {
  const double x1 = a.positive / 100.0, x2 = b.positive / 100.0;
  const double n1 = static_cast<double>(a.n), n2 = static_cast<double>(b.n);
  const double pooled = (x1 * n1 + x2 * n2) / (n1 + n2);
  const double se = std::sqrt(pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2));
  return se > 0 && std::abs(x2 - x1) / se >= 1.96;
}
std::string fixed1(double v, bool sign = false) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(1) << (sign && v > 0 ? "+" : "") << v;
  return s.str();
}

boost::json::object compared(ServerStore& store, const std::string& form, const std::string& round,
                             const std::string& other) {
  auto o = options(form);
  o.round = round;
  o.compare = other;
  return report_of(store, o);
}

// Which round the comparison took as the older and the newer, and how it told.
void check_order(const boost::json::object& report, const char* older, const char* newer,
                 const char* basis) {
  CHECK(report.at("comparison").at("older") == older);
  CHECK(report.at("comparison").at("newer") == newer);
  CHECK(report.at("comparison").at("order_by") == basis);
}

}  // namespace

TEST_CASE("compare puts two rounds side by side with the change, newer minus older in either order",
          "[report][geoat]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  auto store = server.open_store();
  const DeviceId dev = add_device(store, "HQ");
  // Never published: the baseline (2026) is told from the follow-up (2027)
  // by the day its responses began.
  auto add = [&](const std::string& form, const std::string& answers, const std::string& round) {
    add_response(store, dev, form, form == "geoat-2023" ? "2023.1" : "2026.1", answers, round,
                 std::nullopt, 1, round == "2026" ? "2026-03-02" : "2026-11-20");
  };
  add("geoat-2023", R"({"admin_name":"A","x_a_1":"4","x_a_2":"2"})", "2026");
  add("geoat-2023", R"({"admin_name":"A","x_a_1":"4","x_a_2":"4"})", "2027");
  for (int i = 0; i < 10; ++i) {
    add("staff-climate", R"({"eng_proud":")" + std::string(i < 5 ? "4" : "2") + "\"}", "2026");
    add("staff-climate", R"({"eng_proud":")" + std::string(i < 8 ? "4" : "2") + "\"}", "2027");
  }
  for (const auto& [round, compare] : {std::pair{"2027", "2026"}, std::pair{"2026", "2027"}}) {
    INFO("--round " << round << " --compare " << compare);
    const auto g = compared(store, "geoat-2023", round, compare);
    CHECK(g.at("periods").as_array().size() == 2);
    check_order(g, "2026", "2027", "first_response");
    CHECK(g.at("report_version") == 2);  // comparison.from and .to changed meaning
    const auto& a = g.at("comparison").at("geoat").at("administrations").at(0).as_object();
    CHECK(a.at("overall").at("from").as_double() == Approx(75.0));
    CHECK(a.at("overall").at("to").as_double() == Approx(100.0));
    CHECK(a.at("overall").at("change").as_double() == Approx(25.0));

    const auto s = compared(store, "staff-climate", round, compare);
    const auto& proud = proud_change(s);
    // 5 of 10 then 8 of 10, as noisy counts (the form is anonymous).
    const ExpectedRound older = expected_round(store, 0, 5), newer = expected_round(store, 1, 8);
    CHECK(proud.at("from").as_double() == Approx(older.positive));
    CHECK(proud.at("to").as_double() == Approx(newer.positive));
    // Newer minus older, whatever the order asked.
    CHECK(proud.at("change").as_double() ==
          Approx(std::round(10.0 * (newer.positive - older.positive)) / 10.0));
    CHECK(proud.at("beyond_noise") == beyond_noise(older, newer));
    CHECK(s.at("comparison")
              .at("survey")
              .at("noise_test")
              .as_string()
              .starts_with("two-proportion z-test"));
    const std::string text = report_text(s);
    CHECK_THAT(text, Catch::Contains("COMPARISON: 2026 -> 2027"));
    CHECK_THAT(text, Catch::Contains("Newer: 2027 (its first response is later)"));
    // The change comes before the rounds' own results.
    CHECK(text.find("COMPARISON") < text.find("=== Round"));
  }

  // Without --round, GEOAT scores are per round, not pooled.
  CHECK(report_of(store, options("geoat-2023")).at("periods").as_array().size() == 2);

  auto o = options("staff-climate");
  o.round = "2027";
  o.compare = "2030";
  auto registry = FormRegistry::load(store);
  REQUIRE(registry.is_ok());
  auto missing = build_report(store.db(), (*registry)->library(), o);
  REQUIRE_FALSE(missing.is_ok());
  CHECK_THAT(missing.status().message(), Catch::Contains("2026, 2027"));
}

TEST_CASE(
    "The newer round is the one published later, whatever its name, its days, or the order asked",
    "[report]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  const std::string dir = server.dir().root.string();
  const auto shown = server_cli({"forms", "show", "--data-dir", dir, "staff-climate", "--json"});
  REQUIRE(shown.code == 0);
  const auto file = tmp / "sc.json";
  {
    std::ofstream out(file);
    out << shown.out;
  }
  // Published baseline first, follow-up second; their names sort the other
  // way, and the follow-up's collector has a clock a year behind (plausible,
  // so kept): only publication order tells them apart correctly.
  for (const char* round : {"z-baseline", "a-followup"}) {
    const auto pub =
        server_cli({"forms", "publish", "--data-dir", dir, "--round", round, file.string()});
    INFO(pub.err);
    REQUIRE(pub.code == 0);
  }
  {
    auto store = server.open_store();
    const DeviceId dev = add_device(store, "North post");
    for (int i = 0; i < 10; ++i) {
      add_response(store, dev, "staff-climate", "2026.1",
                   R"({"eng_proud":")" + std::string(i < 4 ? "4" : "2") + "\"}", "z-baseline",
                   std::nullopt, 1, "2026-11-20");
      add_response(store, dev, "staff-climate", "2026.1",
                   R"({"eng_proud":")" + std::string(i < 9 ? "5" : "1") + "\"}", "a-followup",
                   std::nullopt, 1, "2025-11-20");
    }
    for (const auto& [round, compare] :
         {std::pair{"a-followup", "z-baseline"}, std::pair{"z-baseline", "a-followup"}}) {
      INFO("--round " << round << " --compare " << compare);
      const auto r = compared(store, "staff-climate", round, compare);
      check_order(r, "z-baseline", "a-followup", "published");
      // 40 % -> 90 % of noisy counts: baseline rows first, follow-up second.
      const ExpectedRound older = expected_round(store, 0, 4), newer = expected_round(store, 1, 9);
      CHECK(proud_change(r).at("change").as_double() ==
            Approx(std::round(10.0 * (newer.positive - older.positive)) / 10.0));
      CHECK(proud_change(r).at("beyond_noise") == beyond_noise(older, newer));
    }
  }
  // The same through the command line, in both orders.
  std::string row;
  {
    auto store = server.open_store();
    const ExpectedRound older = expected_round(store, 0, 4), newer = expected_round(store, 1, 9);
    const double change = std::round(10.0 * (newer.positive - older.positive)) / 10.0;
    std::ostringstream s;
    s << fixed1(older.positive) << std::setw(8) << fixed1(newer.positive) << std::setw(8)
      << fixed1(change, true) << (beyond_noise(older, newer) ? " *" : "\n");
    row = s.str();
  }
  for (const auto& [round, compare] :
       {std::pair{"a-followup", "z-baseline"}, std::pair{"z-baseline", "a-followup"}}) {
    const auto cli = server_cli({"report", "--data-dir", dir, "--form", "staff-climate", "--round",
                                 round, "--compare", compare});
    INFO(cli.err);
    REQUIRE(cli.code == 0);
    CHECK_THAT(cli.out, Catch::Contains("COMPARISON: z-baseline -> a-followup"));
    CHECK_THAT(cli.out, Catch::Contains("Newer: a-followup (published later)"));
    // eng_proud's row: from (older), to (newer), change.
    CHECK_THAT(cli.out, Catch::Contains(row));
  }
}

TEST_CASE("Choices and breakdown categories come in the form's order, and sections by their label",
          "[report]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  auto store = server.open_store();
  const DeviceId dev = add_device(store, "North post");
  // The dictionary numbers codes as they first arrive: 25-34 first, then
  // under 25, 55 and over, 35-44; "once" before "never", "more" before "2_5".
  const std::pair<const char*, const char*> arrivals[] = {
      {"25_34", "once"}, {"u25", "never"}, {"55p", "more"}, {"35_44", "2_5"}};
  for (int i = 0; i < 12; ++i) {
    for (const auto& [age, freq] : arrivals) {
      add_response(store, dev, "staff-climate", "2026.1",
                   std::string(R"({"dem_age":")") + age + R"(","h_remarks":")" + freq +
                       R"(","eng_proud":"4"})");
    }
  }
  auto keys = [](const boost::json::object& o) {
    std::vector<std::string> out;
    for (const auto& [k, v] : o) out.emplace_back(k);
    return out;
  };
  auto o = options("staff-climate");
  o.by = {"age"};
  const auto r = report_of(store, o);
  const auto& survey = r.at("periods").at(0).at("survey").as_object();
  const auto& overall = [](const boost::json::object& it) -> const boost::json::object& {
    return group(it.at("groups").as_array(), {}).at("percent").as_object();
  };
  CHECK(keys(overall(item(survey, "dem_age"))) ==
        std::vector<std::string>{"u25", "25_34", "35_44", "55p"});
  CHECK(keys(overall(item(survey, "h_remarks"))) ==
        std::vector<std::string>{"never", "once", "2_5", "more"});
  // The breakdown's categories: the list's order, then one "(no answer)".
  std::vector<std::string> categories;
  for (const auto& c : r.at("breakdown").at(0).at("categories").as_array())
    categories.emplace_back(c.at("code").as_string());
  CHECK(categories == std::vector<std::string>{"u25", "25_34", "35_44", "45_54", "55p", "pns", ""});
  // The text report shows labels, in that order too.
  // Each choice is a quarter of the 48, as noisy counts (anonymous form):
  // arrival j is every fourth row from j.
  const auto rows = rowids_of(store, "staff-climate");
  REQUIRE(rows.size() == 48);
  auto share = [&](std::size_t j) {
    std::vector<std::int64_t> some;
    for (std::size_t i = j; i < rows.size(); i += 4) some.push_back(rows[i]);
    return fixed1(percent_of(published(store, some), published(store, rows))) + "%";
  };
  const std::string text = report_text(r);
  const auto under = text.find("Under 25 " + share(1)), next = text.find("25–34 " + share(0)),
             older = text.find("55 and over " + share(2));
  CHECK(under != std::string::npos);
  CHECK(under < next);
  CHECK(next < older);
  CHECK(text.find("Never " + share(1)) < text.find("Once " + share(0)));

  // Items carry their section's label in the report's language, for a page
  // to head the section with (never the internal name).
  auto fr = options("staff-climate");
  fr.lang = "fr";
  const auto rf = report_of(store, fr);
  const auto& sf = rf.at("periods").at(0).at("survey").as_object();
  CHECK(item(sf, "dem_age").at("section") == "demographics");
  CHECK(item(sf, "dem_age").at("section_label") == "À propos de vous");
  CHECK(item(sf, "h_remarks").at("section_label") ==
        "Harcèlement et discrimination au cours des 12 derniers mois");
  CHECK_THAT(report_text(rf), Catch::Contains("== À propos de vous =="));
}

TEST_CASE("The latest revision of a submission is the one counted", "[report]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  auto store = server.open_store();
  const DeviceId dev = add_device(store, "North post");
  std::vector<SubmissionId> ids;
  for (int i = 0; i < 10; ++i)
    ids.push_back(add_response(store, dev, "staff-climate", "2026.1", R"({"eng_proud":"1"})"));
  for (const auto& id : ids)
    add_response(store, dev, "staff-climate", "2026.1", R"({"eng_proud":"5"})", "", id, 2);
  // Revision 1 arriving after revision 2 changes nothing.
  const SubmissionId late = SubmissionId::random();
  add_response(store, dev, "staff-climate", "2026.1", R"({"eng_proud":"4"})", "", late, 2);
  add_response(store, dev, "staff-climate", "2026.1", R"({"eng_proud":"1"})", "", late, 1);
  const auto r = report_of(store, options("staff-climate"));
  const auto& all =
      item(r.at("periods").at(0).at("survey").as_object(), "eng_proud").at("groups").at(0);
  // The 11 latest revisions (the form is anonymous: their noisy count).
  const auto rows = rowids_of(store, "staff-climate");
  REQUIRE(rows.size() == 11);
  CHECK(all.at("n") == published_n(store, rows));
  CHECK(all.at("positive").as_double() == Approx(100.0));
}

TEST_CASE("The versions of a form merge into one dataset", "[report]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  // Version 2026.9 (the bundled editions are taken): staff-climate with one more engagement
  // statement.
  const auto shown = server_cli(
      {"forms", "show", "--data-dir", server.dir().root.string(), "staff-climate", "--json"});
  REQUIRE(shown.code == 0);
  auto def = boost::json::parse(shown.out).as_object();
  def["version"] = "2026.9";
  for (auto& g : def["items"].as_array()) {
    if (g.at("name") != "engagement") continue;
    auto extra = g.at("items").at(0).as_object();
    extra["name"] = "eng_new";
    g.as_object()["items"].as_array().push_back(extra);
  }
  const auto file = tmp / "v2.json";
  {
    std::ofstream out(file);
    out << boost::json::serialize(def);
  }
  const auto pub =
      server_cli({"forms", "publish", "--data-dir", server.dir().root.string(), file.string()});
  INFO(pub.err);
  REQUIRE(pub.code == 0);

  auto store = server.open_store();
  const DeviceId dev = add_device(store, "North post");
  for (int i = 0; i < 10; ++i)
    add_response(store, dev, "staff-climate", "2026.1", R"({"eng_proud":"5"})");
  for (int i = 0; i < 10; ++i)
    add_response(store, dev, "staff-climate", "2026.9", R"({"eng_proud":"1","eng_new":"4"})");
  const auto r = report_of(store, options("staff-climate"));
  // 2026.1 and 2026.2 (previous editions), 2026.3 (bundled) and the published 2026.9.
  CHECK(r.at("form").at("versions").as_array().size() == 4);
  const auto& survey = r.at("periods").at(0).at("survey").as_object();
  const auto& proud = item(survey, "eng_proud").at("groups").at(0);
  // Noisy counts (anonymous form): 20 answers, the first 10 positive.
  const auto rows = rowids_of(store, "staff-climate");
  REQUIRE(rows.size() == 20);
  CHECK(proud.at("n") == published_n(store, rows));
  CHECK(proud.at("positive").as_double() ==
        Approx(percent_of(published(store, slice(rows, 0, 10)), published(store, rows))));
  const auto& added = item(survey, "eng_new").at("groups").at(0);
  CHECK(added.at("n") == published_n(store, slice(rows, 10, 20)));
  CHECK(added.at("positive").as_double() == Approx(100.0));
}

TEST_CASE("Operations count a response on the day it arrived when the collector's clock is wrong",
          "[report]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  auto store = server.open_store();
  const DeviceId dev = add_device(store, "North post");
  const std::string before = iso8601_utc(unix_now()).substr(0, 10);
  add_response(store, dev, "staff-climate", "2026.1", R"({"eng_proud":"4"})", "", std::nullopt, 1,
               "1971-01-01");
  add_response(store, dev, "staff-climate", "2026.1", R"({"eng_proud":"4"})", "", std::nullopt, 1,
               "2026-11-20");
  const std::string after = iso8601_utc(unix_now()).substr(0, 10);
  const auto r = report_of(store, options("staff-climate"));
  const auto& days = r.at("operations").at("sites").at(0).at("days").as_array();
  REQUIRE(days.size() == 2);
  CHECK(days.at(0).at("day") == "2026-11-20");
  const std::string arrived(days.at(1).at("day").as_string());
  CHECK((arrived == before || arrived == after));
}

TEST_CASE("Who was responsible, by sex of respondent: shares per source, small groups hidden",
          "[report]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  auto store = server.open_store();
  const DeviceId dev = add_device(store, "North post");
  auto add = [&](int n, const std::string& sex, const std::string& sources) {
    for (int i = 0; i < n; ++i) {
      const std::string experienced = sources.empty()
                                          ? R"("h_contact":"never")"
                                          : R"("h_contact":"once","harass_source":)" + sources;
      add_response(store, dev, "staff-climate", "2026.2",
                   R"({"dem_sex":")" + sex + R"(",)" + experienced + "}");
    }
  };
  add(15, "female", R"(["colleague"])");
  add(5, "female", R"(["supervisor","traveller_trader"])");
  add(10, "female", "");  // nothing experienced: not asked, not in the shares
  add(6, "male", R"(["traveller_trader"])");
  add(6, "male", R"(["colleague","traveller_trader"])");
  add(4, "pns", R"(["senior_manager"])");
  auto o = options("staff-climate");
  o.by = {"sex"};
  const auto r = report_of(store, o);
  const auto& survey = r.at("periods").at(0).at("survey").as_object();
  const auto& source = item(survey, "harass_source");
  CHECK(source.at("kind") == "select_multiple");
  const auto& groups = source.at("groups").as_array();
  // An anonymous form: each figure is the published (cell-key) count of the
  // responses behind it. Rows in the order added: 15 + 5 women who named a
  // source, 10 who experienced nothing, 6 + 6 men, 4 who did not say.
  const auto rows = rowids_of(store, "staff-climate");
  REQUIRE(rows.size() == 46);
  const std::int64_t women_n = published(store, slice(rows, 0, 20));
  const auto& women = group(groups, {{"dem_sex", "female"}});
  CHECK(women.at("n") == published_n(store, slice(rows, 0, 20)));
  CHECK(women.at("percent").at("colleague").as_double() ==
        Approx(percent_of(published(store, slice(rows, 0, 15)), women_n)));
  CHECK(women.at("percent").at("supervisor").as_double() ==
        Approx(percent_of(published(store, slice(rows, 15, 20)), women_n)));
  CHECK(women.at("percent").at("traveller_trader").as_double() ==
        Approx(percent_of(published(store, slice(rows, 15, 20)), women_n)));
  const std::int64_t men_n = published(store, slice(rows, 30, 42));
  const auto& men = group(groups, {{"dem_sex", "male"}});
  CHECK(men.at("n") == published_n(store, slice(rows, 30, 42)));
  CHECK(men.at("percent").at("traveller_trader").as_double() == Approx(percent_of(men_n, men_n)));
  CHECK(men.at("percent").at("colleague").as_double() ==
        Approx(percent_of(published(store, slice(rows, 36, 42)), men_n)));
  // Four who preferred not to say their sex: hidden, like any cell under 10,
  // and not recoverable from the total (the empty group is hidden with it).
  CHECK(group(groups, {{"dem_sex", "pns"}}).at("suppressed") == true);
  CHECK_FALSE(group(groups, {{"dem_sex", "pns"}}).contains("percent"));
  CHECK(group(groups, {{"dem_sex", ""}}).at("suppressed") == true);
  auto everyone_asked = slice(rows, 0, 20);
  for (const auto id : slice(rows, 30, 46)) everyone_asked.push_back(id);
  CHECK(group(groups, {}).at("n") == published_n(store, everyone_asked));
  for_each_shown_n(r, [](std::int64_t n) { CHECK(n >= 10); });
  // The codes' labels travel with the item, so the dashboard names each source.
  bool labelled = false;
  for (const auto& c : source.at("choices").as_array()) {
    labelled = labelled || (c.at("code") == "traveller_trader" &&
                            c.at("label") == "A traveller, trader, customs broker or carrier");
  }
  CHECK(labelled);
  CHECK_THAT(report_text(r), Catch::Contains("harass_source"));
}
