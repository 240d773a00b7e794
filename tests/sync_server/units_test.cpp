// Reporting units and response rates (issue 14): HQ groups small posts into
// units, anonymous exports name the unit and never the post, and reports
// give respondents over headcounts per unit and sex, suppressed and
// perturbed like every other count. Through the real CLI, on real files.
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include "export_test_util.hpp"
#include "report_test_util.hpp"
#include "units_store.hpp"

using namespace equitas;
using namespace equitas::server;
using namespace equitas::test;

namespace {

std::int64_t audit_count(ServerStore& store, const std::string& action) {
  auto st = store.db().prepare("SELECT count(*) FROM audit_log WHERE action = ?1");
  REQUIRE(st.is_ok());
  st->bind(1, action);
  REQUIRE(*st->step());
  return st->column_int64(0);
}

const boost::json::object& unit_row(const boost::json::object& rates, const std::string& unit) {
  for (const auto& u : rates.at("units").as_array()) {
    if (u.at("unit") == unit.c_str()) return u.as_object();
  }
  FAIL("no unit " << unit << " in " << boost::json::serialize(rates));
  throw;
}

const boost::json::object& sex_cell(const boost::json::object& row, const std::string& sex) {
  for (const auto& c : row.at("by_sex").as_array()) {
    if (c.at("sex") == sex.c_str()) return c.as_object();
  }
  FAIL("no sex " << sex);
  throw;
}

double rate(std::int64_t responses, std::int64_t headcount) {
  return std::round(1000.0 * static_cast<double>(responses) / static_cast<double>(headcount)) /
         10.0;
}

}  // namespace

TEST_CASE("units and headcounts CSV: quotes, BOM and CRLF read: every mistake named by its line",
          "[units]") {
  auto units = parse_units_csv(
      "\xEF\xBB\xBFSite,Unit\r\n\"Port, north gate\",North\r\n\"The \"\"old\"\" "
      "post\",North\r\n\r\n");
  REQUIRE(units.is_ok());
  REQUIRE(units->size() == 2);
  CHECK(units->at(0).site == "Port, north gate");
  CHECK(units->at(1).site == "The \"old\" post");
  CHECK(units->at(1).unit == "North");

  auto heads = parse_headcounts_csv("unit,sex,headcount\nNorth,,40\nNorth,female,12\n");
  REQUIRE(heads.is_ok());
  CHECK(heads->at(0).sex.empty());
  CHECK(heads->at(1).headcount == 12);

  struct Bad {
    std::string text, says;
  };
  for (const Bad& bad : std::vector<Bad>{
           {"", "empty"},
           {"post,unit\nA,B\n", "line 1 must be the header site,unit"},
           {"site,unit\nA,North\nB\n", "line 3 has 1 fields"},
           {"site,unit\nA,North\nA,South\n", "line 3 names site 'A' again (first on line 2)"},
           {"site,unit\nA,\n", "line 2 needs both a site and a unit"},
           {"site,unit\n\"A,North\n", "never closed"},
       }) {
    INFO(bad.text);
    auto r = parse_units_csv(bad.text);
    REQUIRE_FALSE(r.is_ok());
    CHECK_THAT(r.status().message(), Catch::Contains(bad.says));
  }
  for (const Bad& bad : std::vector<Bad>{
           {"unit,sex,headcount\nNorth,,forty\n",
            "line 2: the headcount 'forty' is not a whole number"},
           {"unit,sex,headcount\nNorth,,-3\n", "line 2: the headcount '-3'"},
           {"unit,sex,headcount\nNorth,,4\nNorth,,5\n", "line 3 repeats unit 'North'"},
           {"unit,headcount\nNorth,4\n", "header unit,sex,headcount"},
       }) {
    INFO(bad.text);
    auto r = parse_headcounts_csv(bad.text);
    REQUIRE_FALSE(r.is_ok());
    CHECK_THAT(r.status().message(), Catch::Contains(bad.says));
  }
}

TEST_CASE("units set refuses a file naming unknown sites, lists them, and changes nothing",
          "[units]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  {
    auto store = server.open_store();
    add_device(store, "Northern land post");
    add_device(store, "Island post");
  }
  const std::string dir = server.dir().root.string();
  const auto good = write_text(tmp.path(), "units.csv",
                               "site,unit\nNorthern land post,North\nIsland post,North\n");
  const auto bad =
      write_text(tmp.path(), "bad.csv",
                 "site,unit\nNorthern land post,North\nIsland pst,North\nAirport,South\n");
  auto r = server_cli({"units", "set", "--data-dir", dir, "--file", bad.string()});
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Catch::Contains("'Airport', 'Island pst'") &&
                        Catch::Contains("nothing was changed") &&
                        Catch::Contains("known sites: 'Island post', 'Northern land post'"));
  r = server_cli({"units", "list", "--data-dir", dir});
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("Island post") && Catch::Contains("(its own)"));
  CHECK_THAT(r.out, !Catch::Contains("North\n"));

  r = server_cli({"units", "set", "--data-dir", dir, "--file", good.string()});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("2 post(s) in 1 unit(s)"));
  r = server_cli({"units", "list", "--data-dir", dir});
  CHECK_THAT(r.out, !Catch::Contains("(its own)"));
  auto store = server.open_store();
  CHECK(audit_count(store, "units.set") == 1);

  // Headcounts name units; a post that was merged into one is no longer a unit.
  const auto heads =
      write_text(tmp.path(), "heads.csv", "unit,sex,headcount\nIsland post,,5\nNorth,Female,3\n");
  r = server_cli({"headcounts", "set", "--data-dir", dir, "--file", heads.string()});
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Catch::Contains("no reporting unit 'Island post'") &&
                        Catch::Contains("units: 'North'"));
  const auto sex = write_text(tmp.path(), "sex.csv", "unit,sex,headcount\nNorth,Female,3\n");
  r = server_cli({"headcounts", "set", "--data-dir", dir, "--file", sex.string()});
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Catch::Contains("sex 'Female' is not a code") && Catch::Contains("'female'"));
  r = server_cli({"headcounts", "list", "--data-dir", dir});
  CHECK_THAT(r.out, Catch::Contains("No headcounts yet"));
  CHECK(audit_count(store, "headcounts.set") == 0);
}

TEST_CASE("an anonymous export names the reporting unit, never the post", "[units][anonymity]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  {
    auto store = server.open_store();
    const DeviceId north = add_device(store, "Northern land post");
    const DeviceId island = add_device(store, "Island post");
    // Six responses at each post: under k = 10 each, twelve together.
    for (int i = 0; i < 6; ++i) {
      add_response(store, north, "staff-climate", "2026.1", R"({"dem_sex":"male","eng_proud":"4"})",
                   "r1");
      add_response(store, island, "staff-climate", "2026.1",
                   R"({"dem_sex":"male","eng_proud":"2"})", "r1");
    }
  }
  const std::string dir = server.dir().root.string();
  auto units_of_export = [&](const std::string& name) {
    const auto out = tmp / name;
    const auto r =
        server_cli({"export", "--data-dir", dir, "--form", "staff-climate", "--out", out.string()});
    INFO(r.err);
    REQUIRE(r.code == 0);
    const std::string text = read_text(out);
    CHECK(text.find("Northern land post") == std::string::npos);
    CHECK(text.find("Island post") == std::string::npos);
    const CsvTable table = parse_csv(text);
    REQUIRE(table.size() == 13);
    std::map<std::string, int> units;
    for (std::size_t i = 1; i < table.size(); ++i) ++units[table[i][column(table[0], "unit")]];
    return units;
  };
  // Each post alone is too small: its name is withheld from every row.
  CHECK(units_of_export("before.csv") == std::map<std::string, int>{{"", 12}});

  const auto file = write_text(tmp.path(), "units.csv",
                               "site,unit\nNorthern land post,North\nIsland post,North\n");
  const auto r = server_cli({"units", "set", "--data-dir", dir, "--file", file.string()});
  REQUIRE(r.code == 0);
  // Together they reach k: the unit is shown, and the posts still are not.
  CHECK(units_of_export("after.csv") == std::map<std::string, int>{{"North", 12}});
}

TEST_CASE(
    "response rates per unit and sex: published respondents over headcounts, small units hidden",
    "[units][report]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  std::vector<std::int64_t> rows;
  {
    auto store = server.open_store();
    use_secret(store, 3);
    const DeviceId north = add_device(store, "Northern land post");
    const DeviceId gate = add_device(store, "North gate");
    const DeviceId south = add_device(store, "South post");
    for (int i = 0; i < 12; ++i) {
      add_response(store, i % 2 ? north : gate, "staff-climate", "2026.1",
                   R"({"dem_sex":"female"})", "r1");
    }
    for (int i = 0; i < 18; ++i)
      add_response(store, north, "staff-climate", "2026.1", R"({"dem_sex":"male"})", "r1");
    for (int i = 0; i < 3; ++i)
      add_response(store, north, "staff-climate", "2026.1", R"({"dem_sex":"pns"})", "r1");
    for (int i = 0; i < 5; ++i)
      add_response(store, south, "staff-climate", "2026.1", R"({"dem_sex":"female"})", "r1");
    rows = rowids_of(store, "staff-climate");
  }
  REQUIRE(rows.size() == 38);
  const std::string dir = server.dir().root.string();
  // No headcounts: no rates, and nothing else changes.
  auto report = [&](std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"report",        "--data-dir", dir,  "--form",
                                  "staff-climate", "--round",    "r1", "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = server_cli(args);
    INFO(r.err);
    REQUIRE(r.code == 0);
    return boost::json::parse(r.out).as_object();
  };
  CHECK_FALSE(report().at("periods").at(0).as_object().contains("response_rates"));

  const auto units = write_text(tmp.path(), "units.csv",
                                "site,unit\nNorthern land post,North\nNorth gate,North\n");
  REQUIRE(server_cli({"units", "set", "--data-dir", dir, "--file", units.string()}).code == 0);
  const auto heads =
      write_text(tmp.path(), "heads.csv",
                 "unit,sex,headcount\nNorth,,60\nNorth,female,20\nNorth,male,40\nSouth post,,10\n");
  auto r = server_cli(
      {"headcounts", "set", "--data-dir", dir, "--file", heads.string(), "--round", "r1"});
  INFO(r.err);
  REQUIRE(r.code == 0);

  const auto rep = report();
  const auto& rates = rep.at("periods").at(0).at("response_rates").as_object();
  CHECK(rates.at("round") == "r1");
  auto store = server.open_store();
  const auto north_all = slice(rows, 0, 33), north_women = slice(rows, 0, 12),
             north_men = slice(rows, 12, 30);
  const auto& north = unit_row(rates, "North");
  const std::int64_t n_north = published_n(store, north_all);
  CHECK(north.at("headcount") == 60);
  CHECK(north.at("responses") == n_north);
  CHECK(north.at("rate").as_double() == Approx(rate(n_north, 60)));
  CHECK(sex_cell(north, "female").at("responses") == published_n(store, north_women));
  CHECK(sex_cell(north, "female").at("rate").as_double() ==
        Approx(rate(published_n(store, north_women), 20)));
  CHECK(sex_cell(north, "male").at("responses") == published_n(store, north_men));
  // Five at the south post: under k, hidden, and no rate to work it out from.
  const auto& south = unit_row(rates, "South post");
  CHECK(south.at("responses").at("suppressed") == true);
  CHECK(south.at("rate").is_null());
  CHECK(sex_cell(south, "female").at("rate").is_null());
  // The total is over every unit with a headcount: all 38 respondents, 70 staff.
  const auto& total = rates.at("total").as_object();
  CHECK(total.at("headcount") == 70);
  CHECK(total.at("responses") == published_n(store, rows));
  CHECK(total.at("rate").as_double() == Approx(rate(published_n(store, rows), 70)));
  // No shown count anywhere in the report is under k.
  for_each_shown_n(rep, [](std::int64_t n) { CHECK(n >= 10); });

  // The text report prints the same table.
  r = server_cli({"report", "--data-dir", dir, "--form", "staff-climate", "--round", "r1"});
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("RESPONSE RATES (round r1)") && Catch::Contains("South post") &&
                        Catch::Contains("n<10/10"));
  // Headcounts of another round do not apply to r1; the default ones do.
  const auto other = write_text(tmp.path(), "other.csv", "unit,sex,headcount\nNorth,,99\n");
  REQUIRE(server_cli(
              {"headcounts", "set", "--data-dir", dir, "--file", other.string(), "--round", "r2"})
              .code == 0);
  CHECK(unit_row(report().at("periods").at(0).at("response_rates").as_object(), "North")
            .at("headcount") == 60);
  CHECK(audit_count(store, "headcounts.set") == 2);
}
