// CSV and JSON Lines exports: columns merged over form versions, 0/1 columns
// for select_multiple, codes or labels, formula defusing, a round trip
// through real collectors. XLSX and the CLI's files: export_files_test.cpp.
#include "exporter.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <map>
#include <sstream>

#include "export_test_util.hpp"
#include "export_variables.hpp"
#include "fixtures.hpp"

using namespace equitas;
using namespace equitas::server;
using namespace equitas::test;

namespace {

Result<std::string> export_text(ServerStore& store, ExportOptions opts) {
  std::ostringstream out;
  EQ_ASSIGN_OR_RETURN(std::size_t rows, export_submissions(store, opts, out));
  (void)rows;
  return out.str();
}

std::string csv_of(ServerStore& store, const std::string& form, bool labels = false,
                   const std::string& lang = "") {
  ExportOptions opts;
  opts.form_id = form;
  opts.labels = labels;
  opts.lang = lang;
  auto text = export_text(store, opts);
  INFO(text.status().to_string());
  REQUIRE(text.is_ok());
  return *text;
}

}  // namespace

TEST_CASE("CSV export quotes, keeps unknown answers and defuses formulas", "[server][export]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  auto store = server.open_store();
  const DeviceId dev = DeviceId::random();
  REQUIRE(store.add_pending_device(dev, "Post, \"North\"", {}, 0, 0).is_ok());
  // Version "1" is in no definition: its keys still get columns.
  add_submission(store, dev, kNamedClimate, "1",
                 R"({"q1":4,"channels":["hotline","manager"],"comment":"line one\nline \"two\""})");
  add_submission(store, dev, kNamedClimate, "1",
                 R"j({"q1":2,"comment":"=HYPERLINK(\"x\")","extra":-3})j");

  std::ostringstream out;
  ExportOptions opts;
  opts.form_id = kNamedClimate;
  opts.excel_bom = true;
  auto rows = export_submissions(store, opts, out);
  REQUIRE(rows.is_ok());
  CHECK(*rows == 2);
  const std::string csv = out.str();
  CHECK(csv.rfind("\xEF\xBB\xBF"
                  "submission_id,revision,device_id,site,",
                  0) == 0);
  // The definition's questions, in order, then what only the data holds.
  CHECK_THAT(csv, Catch::Contains(",conflict,consent_ack,dem_sex,"));
  CHECK_THAT(csv, Catch::Contains(",comment,q1,channels,extra\r\n"));
  CHECK_THAT(csv, Catch::Contains("\"Post, \"\"North\"\"\""));
  CHECK_THAT(csv, Catch::Contains(",\"line one\nline \"\"two\"\"\",4,hotline manager,\r\n"));
  CHECK_THAT(csv, Catch::Contains(",\"'=HYPERLINK(\"\"x\"\")\",2,,-3\r\n"));

  std::ostringstream none;
  opts.form_id = "no-such-form";
  CHECK(*export_submissions(store, opts, none) == 0);
}

TEST_CASE("select_multiple answers become 0/1 columns named question/code", "[server][export]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  auto store = server.open_store();
  const DeviceId dev = DeviceId::random();
  REQUIRE(store.add_pending_device(dev, "Port", {}, 0, 0).is_ok());
  add_submission(store, dev, kNamedClimate, "2026.1",
                 R"({"harass_channel":["hotline","hr"],"eng_proud":"4"})");
  add_submission(store, dev, kNamedClimate, "2026.1", R"({"harass_channel":[],"eng_proud":"dk"})");
  add_submission(store, dev, kNamedClimate, "2026.1", R"({"eng_proud":"2"})");  // not asked
  // A code no version's list has still gets its column.
  add_submission(store, dev, kNamedClimate, "2026.1", R"({"harass_channel":["carrier_pigeon"]})");

  const auto table = parse_csv(csv_of(store, kNamedClimate));
  REQUIRE(table.size() == 5);
  const auto& h = table[0];
  const char* codes[] = {"manager",           "hr",      "integrity_unit", "gender_focal_point",
                         "staff_association", "hotline", "external",       "other",
                         "carrier_pigeon"};
  std::size_t previous = 0;
  for (const char* code : codes) {
    // At most 32 characters: "harass_channel_gender_focal_poin".
    const std::size_t at = column(h, variable_name(std::string("harass_channel/") + code));
    CHECK(at > previous);  // the list's order, unknown codes last
    previous = at;
  }
  CHECK(std::find(h.begin(), h.end(), "harass_channel") == h.end());
  const auto hr = column(h, "harass_channel_hr"), hotline = column(h, "harass_channel_hotline"),
             manager = column(h, "harass_channel_manager"),
             pigeon = column(h, "harass_channel_carrier_pigeon");
  CHECK((table[1][hr] == "1" && table[1][hotline] == "1" && table[1][manager] == "0" &&
         table[1][pigeon] == "0"));
  CHECK((table[2][hr] == "0" && table[2][hotline] == "0"));    // answered: none chosen
  CHECK((table[3][hr].empty() && table[3][hotline].empty()));  // not answered: empty, not 0
  CHECK(table[4][pigeon] == "1");
  CHECK(table[1][column(h, "eng_proud")] == "4");
  CHECK(table[2][column(h, "eng_proud")].empty());  // "don't know" is no number
  CHECK(table[2][column(h, "eng_proud_miss")] == "dk");
}

TEST_CASE("labels in French replace codes, and an unknown language is refused",
          "[server][export]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  auto store = server.open_store();
  const DeviceId dev = DeviceId::random();
  REQUIRE(store.add_pending_device(dev, "Port", {}, 0, 0).is_ok());
  add_submission(
      store, dev, kNamedClimate, "2026.1",
      R"({"dem_sex":"female","eng_proud":"4","harass_channel":["hr"],"comment":"Très bien"})");

  const auto fr = parse_csv(csv_of(store, kNamedClimate, true, "fr"));
  REQUIRE(fr.size() == 2);
  CHECK(fr[1][column(fr[0], "dem_sex")] == "Femme");
  CHECK(fr[1][column(fr[0], "eng_proud")] == "D'accord");
  CHECK(fr[1][column(fr[0], "harass_channel_hr")] == "1");  // still 0/1
  CHECK(fr[1][column(fr[0], "comment")] == "Très bien");    // free text as written
  const auto en = parse_csv(csv_of(store, kNamedClimate, true));
  CHECK(en[1][column(en[0], "dem_sex")] == "Female");
  const auto codes = parse_csv(csv_of(store, kNamedClimate));
  CHECK(codes[1][column(codes[0], "dem_sex")] == "female");

  ExportOptions opts;
  opts.form_id = kNamedClimate;
  opts.format = ExportFormat::kJsonl;
  opts.labels = true;
  opts.lang = "fr";
  auto jsonl = export_text(store, opts);
  REQUIRE(jsonl.is_ok());
  const auto v = boost::json::parse(*jsonl);
  CHECK(v.at("answers").at("dem_sex").as_string() == "Femme");
  CHECK(v.at("answers").at("harass_channel").at(0).as_string() == "Ressources humaines");

  opts.lang = "de";
  auto refused = export_text(store, opts);
  REQUIRE_FALSE(refused.is_ok());
  CHECK_THAT(refused.status().message(), Catch::Contains("no labels in 'de'"));
}

TEST_CASE("versions merge into one set of columns, and --round keeps one round",
          "[server][export]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  const std::string sdir = server.dir().root.string();
  for (const auto& [version, round] :
       {std::pair{"1", "2025-baseline"}, std::pair{"2", "2026-follow-up"}}) {
    const auto r = server_cli(
        {"forms", "publish", "--data-dir", sdir,
         write_text(tmp.path(), std::string("v") + version + ".json", post_check_form(version))
             .string(),
         "--round", round});
    INFO(r.err);
    REQUIRE(r.code == 0);
  }
  auto store = server.open_store();
  const DeviceId dev = DeviceId::random();
  REQUIRE(store.add_pending_device(dev, "Port", {}, 0, 0).is_ok());
  add_submission(store, dev, "post-check", "1", R"({"lights_ok":"yes","tools":["radio"]})",
                 "2025-baseline");
  add_submission(store, dev, "post-check", "2", R"({"lights_ok":"no","team_size":4})",
                 "2026-follow-up");

  const auto all = parse_csv(csv_of(store, "post-check"));
  REQUIRE(all.size() == 3);
  // Version 2's questions in its order, then what only version 1 asked.
  const auto& h = all[0];
  CHECK(column(h, "lights_ok") < column(h, "lights_ok_other"));
  CHECK(column(h, "lights_ok_other") < column(h, "team_size"));
  CHECK(column(h, "team_size") < column(h, "tools_radio"));
  CHECK(all[1][column(h, "round")] == "2025-baseline");
  CHECK(all[1][column(h, "tools_radio")] == "1");
  CHECK(all[1][column(h, "team_size")].empty());
  CHECK(all[2][column(h, "team_size")] == "4");
  CHECK(all[2][column(h, "tools_radio")].empty());

  ExportOptions opts;
  opts.form_id = "post-check";
  opts.round = "2026-follow-up";
  auto one = export_text(store, opts);
  REQUIRE(one.is_ok());
  const auto follow_up = parse_csv(*one);
  REQUIRE(follow_up.size() == 2);
  CHECK(follow_up[1][column(follow_up[0], "lights_ok")] == "no");
}

TEST_CASE("JSONL export has one object per submission with its answers", "[server][export]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  auto store = server.open_store();
  const DeviceId dev = DeviceId::random();
  REQUIRE(store.add_pending_device(dev, "Airport", {}, 0, 0).is_ok());
  add_submission(store, dev, kNamedClimate, "1", R"({"q1":"منصف"})");
  ExportOptions opts;
  opts.form_id = kNamedClimate;
  opts.format = ExportFormat::kJsonl;
  auto text = export_text(store, opts);
  REQUIRE(text.is_ok());
  auto v = boost::json::parse(*text);
  CHECK(v.at("site").as_string() == "Airport");
  CHECK(v.at("answers").at("q1").as_string() == "منصف");
  CHECK(v.at("conflict").as_bool() == false);
}

TEST_CASE("an export holds the latest revision of each submission, whichever arrived first",
          "[server][export]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  auto store = server.open_store();
  const DeviceId dev = DeviceId::random();
  REQUIRE(store.add_pending_device(dev, "Airport", {}, 0, 0).is_ok());
  const SubmissionId edited = SubmissionId::random(), late = SubmissionId::random();
  add_submission(store, dev, kNamedClimate, "1", R"({"q1":"first"})", "", edited, 1);
  add_submission(store, dev, kNamedClimate, "1", R"({"q1":"edited"})", "", edited, 2);
  add_submission(store, dev, kNamedClimate, "1", R"({"q1":"third"})", "", edited, 3);
  add_submission(store, dev, kNamedClimate, "1", R"({"q1":"second copy"})", "", late, 2);
  add_submission(store, dev, kNamedClimate, "1", R"({"q1":"first copy, arrived last"})", "", late,
                 1);
  add_submission(store, dev, kNamedClimate, "1", R"({"q1":"never revised"})");
  ExportOptions opts;
  opts.form_id = kNamedClimate;
  opts.format = ExportFormat::kJsonl;
  auto text = export_text(store, opts);
  REQUIRE(text.is_ok());
  std::map<std::string, std::pair<std::int64_t, std::string>> got;
  std::istringstream lines(*text);
  for (std::string line; std::getline(lines, line);) {
    auto v = boost::json::parse(line).as_object();
    got[std::string(v.at("submission_id").as_string())] = {
        v.at("revision").to_number<std::int64_t>(),
        std::string(v.at("answers").at("q1").as_string())};
  }
  REQUIRE(got.size() == 3);
  CHECK(got.at(edited.to_string()) == std::pair<std::int64_t, std::string>{3, "third"});
  CHECK(got.at(late.to_string()) == std::pair<std::int64_t, std::string>{2, "second copy"});
}

TEST_CASE("CSV round trip: what collectors sent is what the CSV holds", "[server][export]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  auto c = make_collector(tmp / "post", server.enroll("Northern land post"));
  submit_many(c, 30);
  auto synced = c.sync({});
  INFO(synced.status().to_string());
  REQUIRE(synced.is_ok());
  REQUIRE(synced->accepted == 30);
  server.stop();
  {
    // Relabelled to the named copy: this test is about the round trip, not
    // disclosure control (export_files_test.cpp has the anonymous export).
    auto store = server.open_store();
    publish_named_climate(store);
    REQUIRE(store.db()
                .exec(std::string("UPDATE submissions SET form_id = '") + kNamedClimate + "'")
                .is_ok());
  }

  const auto table = parse_csv(read_text(export_to_file(server, "csv", tmp / "sc.csv")));
  REQUIRE(table.size() == 31);
  CHECK(table.size() - 1 == exported_rows(server, kNamedClimate));
  const auto stored = stored_answers(server, kNamedClimate);
  REQUIRE(stored.size() == 30);
  const auto& h = table[0];
  for (std::size_t i = 1; i < table.size(); ++i) {
    const auto& row = table[i];
    REQUIRE(row.size() == h.size());
    const auto& answers = stored.at(row[column(h, "submission_id")]);
    CHECK(row[column(h, "site")] == "Northern land post");
    CHECK(row[column(h, "dem_sex")] == answers.at("dem_sex").as_string().c_str());
    // "Don't know" is no number: a blank, with its code in eng_proud_miss.
    const std::string proud(answers.at("eng_proud").as_string());
    CHECK(row[column(h, "eng_proud")] == (proud == "dk" ? "" : proud));
    CHECK(row[column(h, "eng_proud_miss")] == (proud == "dk" ? "dk" : ""));
    CHECK(row[column(h, "comment")] == answers.at("comment").as_string().c_str());
  }
}

TEST_CASE("a ranking's columns hold each choice's position, not 0/1", "[server][export]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  auto store = server.open_store();
  publish_json(store, R"json({"id": "priorities", "version": "1", "title": {"en": "Priorities"},
    "lists": {"p": [{"name": "staffing", "label": {"en": "Staffing"}}, {"name": "training", "label": {"en": "Training"}},
                    {"name": "equipment", "label": {"en": "Equipment"}}]},
    "items": [{"type": "select_multiple", "name": "order", "list": "p", "rank": true},
              {"type": "text", "name": "why"}]})json");
  const DeviceId dev = DeviceId::random();
  REQUIRE(store.add_pending_device(dev, "Port", {}, 0, 0).is_ok());
  add_submission(store, dev, "priorities", "1",
                 R"({"order": ["training", "equipment", "staffing"]})");
  add_submission(store, dev, "priorities", "1", R"({"why": "not asked"})");

  const auto table = parse_csv(csv_of(store, "priorities"));
  REQUIRE(table.size() == 3);
  const auto& h = table[0];
  const auto staffing = column(h, "order_staffing"), training = column(h, "order_training"),
             equipment = column(h, "order_equipment");
  CHECK((table[1][training] == "1" && table[1][equipment] == "2" && table[1][staffing] == "3"));
  CHECK((table[2][training].empty() && table[2][staffing].empty()));  // not answered
}
