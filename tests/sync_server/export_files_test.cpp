// `sync-server export` as an admin runs it: XLSX workbooks read back through
// their XML, files written 0600 and atomically, the BOM, and the audit log.
#include <sys/stat.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>
#include <sstream>

#include "equitas/forms/form_json.hpp"
#include "export_test_util.hpp"
#include "exporter.hpp"
#include "file_store.hpp"
#include "fixtures.hpp"
#include "process.hpp"

using namespace equitas;
using namespace equitas::server;
using namespace equitas::test;

namespace {

struct AuditEntry {
  std::string actor, action, detail;
};

std::vector<AuditEntry> export_audit(const TestServer& server) {
  auto store = server.open_store();
  auto st = store.db().prepare(
      "SELECT actor, action, detail FROM audit_log WHERE action = 'export' ORDER BY id");
  REQUIRE(st.is_ok());
  std::vector<AuditEntry> out;
  for (;;) {
    auto has = st->step();
    REQUIRE(has.is_ok());
    if (!*has) break;
    out.push_back({st->column_text(0), st->column_text(1), st->column_text(2)});
  }
  return out;
}

unsigned mode_of(const std::filesystem::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

// The index of `name` in a sheet's header row.
std::size_t sheet_column(const XlsxSheet& sheet, const std::string& name) {
  REQUIRE_FALSE(sheet.empty());
  for (std::size_t i = 0; i < sheet[0].size(); ++i) {
    if (sheet[0][i].value == name) return i;
  }
  FAIL("no column " << name);
  return 0;
}

const XlsxCell& at(const XlsxSheet& sheet, std::size_t row, std::size_t col) {
  static const XlsxCell kEmpty;
  return col < sheet.at(row).size() ? sheet.at(row)[col] : kEmpty;
}

}  // namespace

TEST_CASE("XLSX round trip: a data sheet that matches the store, numbers as numbers",
          "[server][export][xlsx]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  auto c = make_collector(tmp / "post", server.enroll("Airport"));
  submit_many(c, 24);
  auto synced = c.sync({});
  INFO(synced.status().to_string());
  REQUIRE(synced.is_ok());
  REQUIRE(synced->accepted == 24);
  server.stop();
  {
    auto store = server.open_store();
    auto dev = store.list_devices();
    REQUIRE(dev.is_ok());
    // The synced responses, relabelled to the named copy: this test is about
    // the workbook, not disclosure control.
    publish_named_climate(store);
    REQUIRE(store.db()
                .exec(std::string("UPDATE submissions SET form_id = '") + kNamedClimate + "'")
                .is_ok());
    add_submission(
        store, dev->at(0).id, kNamedClimate, "2026.1",
        R"j({"harass_channel":["hotline","other"],"comment":"=SUM(A1)","dem_sex":"male"})j");
  }

  const auto path = export_to_file(server, "xlsx", tmp / "sc.xlsx");
  CHECK(mode_of(path) == 0600);
  CHECK_FALSE(std::filesystem::exists(tmp / "sc.xlsx.partial"));
  const auto sheets = read_xlsx(path);
  REQUIRE(sheets.count("data") == 1);
  REQUIRE(sheets.count("codebook") == 1);
  const XlsxSheet& data = sheets.at("data");
  REQUIRE(data.size() == 26);  // header and 25 submissions
  CHECK(data.size() - 1 == exported_rows(server, kNamedClimate));

  const auto stored = stored_answers(server, kNamedClimate);
  const auto id = sheet_column(data, "submission_id"), sex = sheet_column(data, "dem_sex"),
             proud = sheet_column(data, "eng_proud"), comment = sheet_column(data, "comment"),
             revision = sheet_column(data, "revision"),
             hotline = sheet_column(data, "harass_channel_hotline"),
             hr = sheet_column(data, "harass_channel_hr");
  std::size_t numeric_codes = 0;
  for (std::size_t r = 1; r < data.size(); ++r) {
    const auto& answers = stored.at(at(data, r, id).value);
    CHECK(at(data, r, revision).type == 'n');
    CHECK(at(data, r, sex).value == answers.at("dem_sex").as_string().c_str());
    if (const auto* v = answers.if_contains("eng_proud")) {
      const std::string code(v->as_string());
      // Agree codes 1-5 are numbers; "dk" is a blank, its code beside it.
      CHECK(at(data, r, proud).value == (code == "dk" ? "" : code));
      CHECK(at(data, r, proud).type == (code == "dk" ? 0 : 'n'));
      CHECK(at(data, r, proud + 1).value == (code == "dk" ? "dk" : ""));
      numeric_codes += code != "dk";
    }
    if (const auto* v = answers.if_contains("comment")) {
      CHECK(at(data, r, comment).value ==
            v->as_string().c_str());  // exact: a text cell is never a formula
      CHECK(at(data, r, comment).type == 's');
    }
    const bool chose = answers.contains("harass_channel");
    CHECK(at(data, r, hotline).value == (chose ? "1" : ""));
    CHECK(at(data, r, hr).value == (chose ? "0" : ""));
  }
  CHECK(numeric_codes == 20);  // submit_many: one in six answers "dk"
}

TEST_CASE("the XLSX codebook lists questions, labels in each language, choices and rounds",
          "[server][export][xlsx]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  const std::string sdir = server.dir().root.string();
  for (const auto& [version, round] :
       {std::pair{"1", "2025-baseline"}, std::pair{"2", "2026-follow-up"}}) {
    REQUIRE(server_cli({"forms", "publish", "--data-dir", sdir,
                        write_text(tmp.path(), std::string("v") + version + ".json",
                                   post_check_form(version))
                            .string(),
                        "--round", round})
                .code == 0);
  }
  {
    auto store = server.open_store();
    const DeviceId dev = DeviceId::random();
    REQUIRE(store.add_pending_device(dev, "Port", {}, 0, 0).is_ok());
    add_submission(store, dev, "post-check", "1", R"({"lights_ok":"yes","tools":["radio"]})",
                   "2025-baseline");
    add_submission(store, dev, "post-check", "2", R"({"lights_ok":"no","team_size":4})",
                   "2026-follow-up");
  }
  const auto out = tmp / "pc.xlsx";
  const auto r = server_cli({"export", "--data-dir", sdir, "--form", "post-check", "--format",
                             "xlsx", "--labels", "--lang", "fr", "--out", out.string()});
  INFO(r.err);
  REQUIRE(r.code == 0);
  const auto sheets = read_xlsx(out);
  const XlsxSheet& data = sheets.at("data");
  REQUIRE(data.size() == 3);
  CHECK(at(data, 1, sheet_column(data, "lights_ok")).value == "Oui");
  CHECK(at(data, 2, sheet_column(data, "team_size")).type == 'n');
  CHECK(at(data, 2, sheet_column(data, "team_size")).value == "4");
  CHECK(at(data, 1, sheet_column(data, "tools_radio")).value == "1");

  const XlsxSheet& book = sheets.at("codebook");
  const auto col = sheet_column(book, "variable"), question = sheet_column(book, "question"),
             type = sheet_column(book, "type"), choice = sheet_column(book, "choice"),
             en = sheet_column(book, "label:en"), fr = sheet_column(book, "label:fr"),
             versions = sheet_column(book, "versions"), rounds = sheet_column(book, "rounds");
  auto find_row = [&](const std::string& q, const std::string& code) -> std::size_t {
    for (std::size_t i = 1; i < book.size(); ++i) {
      if (at(book, i, question).value == q && at(book, i, choice).value == code) return i;
    }
    FAIL("no codebook row for " << q << " " << code);
    return 0;
  };
  const auto lights = find_row("lights_ok", "");
  CHECK(at(book, lights, type).value == "select_one");
  CHECK(at(book, lights, en).value == "Lights work?");
  CHECK(at(book, lights, fr).value == "Les lumières fonctionnent ?");
  CHECK(at(book, lights, versions).value == "1, 2");
  CHECK(at(book, lights, rounds).value == "2025-baseline, 2026-follow-up");
  const auto yes = find_row("lights_ok", "yes");
  CHECK(at(book, yes, fr).value == "Oui");
  CHECK(at(book, find_row("team_size", ""), rounds).value == "2026-follow-up");
  CHECK(at(book, find_row("lights_ok_other", ""), type).value == "text");  // or_other in version 2
  CHECK(at(book, find_row("lights_ok", "other"), fr).value.empty());
  const auto tools = find_row("tools", "");
  CHECK(at(book, tools, type).value == "select_multiple");
  CHECK(at(book, tools, versions).value == "1");
  CHECK(at(book, tools, rounds).value == "2025-baseline");
  CHECK(at(book, find_row("tools", "scanner"), col).value == "tools_scanner");
  CHECK(at(book, 1, col).value == "submission_id");
  CHECK(at(book, 1, type).value == "meta");

  const auto audit = export_audit(server);
  REQUIRE(audit.size() == 1);
  CHECK_THAT(audit[0].detail, Catch::Contains("form=post-check format=xlsx rows=2 labels=fr"));
}

TEST_CASE("every export is audited with form, format, rows and destination", "[server][export]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  {
    auto store = server.open_store();
    const DeviceId dev = DeviceId::random();
    REQUIRE(store.add_pending_device(dev, "Port", {}, 0, 0).is_ok());
    for (int i = 0; i < 3; ++i)
      add_submission(store, dev, "staff-climate", "2026.1", R"({"eng_proud":"4"})");
  }
  const auto csv = export_to_file(server, "csv", tmp / "sc.csv", {}, "staff-climate");
  const std::string sdir = server.dir().root.string();
  const auto piped =
      server_cli({"export", "--data-dir", sdir, "--form", "staff-climate", "--format", "jsonl"});
  REQUIRE(piped.code == 0);
  CHECK_THAT(piped.err, Catch::Contains("exported 3 submissions"));

  const auto audit = export_audit(server);
  REQUIRE(audit.size() == 2);
  CHECK(audit[0].actor == "cli");
  // Three responses of one post: under k = 10, so every quasi-identifier
  // (the unit and 7 breakdown questions) is withheld in each row.
  CHECK(audit[0].detail ==
        "form=staff-climate format=csv rows=3 anonymous-form k=10 withheld=24 to=" +
            std::filesystem::absolute(csv).string());
  CHECK(audit[1].detail ==
        "form=staff-climate format=jsonl rows=3 anonymous-form k=10 withheld=24 to=stdout");

  // Refused exports write nothing and record nothing.
  CHECK(server_cli({"export", "--data-dir", sdir, "--form", "staff-climate", "--format", "xlsx"})
            .code == 1);
  CHECK(
      server_cli({"export", "--data-dir", sdir, "--form", "staff-climate", "--lang", "fr"}).code ==
      1);
  CHECK(server_cli(
            {"export", "--data-dir", sdir, "--form", "staff-climate", "--format", "jsonl", "--bom"})
            .code == 1);
  CHECK(export_audit(server).size() == 2);
}

TEST_CASE("CSV files are private, atomic, with a BOM only when asked", "[server][export]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  {
    auto store = server.open_store();
    const DeviceId dev = DeviceId::random();
    REQUIRE(store.add_pending_device(dev, "Port", {}, 0, 0).is_ok());
    add_submission(store, dev, kNamedClimate, "2026.1",
                   R"({"dem_sex":"female","comment":"élevé"})");
  }
  // A leftover from a crashed export, readable by all: replaced, not reused as it was.
  write_text(tmp.path(), "bom.csv.partial", "stale");
  ::chmod((tmp / "bom.csv.partial").c_str(), 0644);
  const std::string bom = read_text(export_to_file(server, "csv", tmp / "bom.csv", {"--bom"}));
  const std::string plain = read_text(export_to_file(server, "csv", tmp / "plain.csv"));
  CHECK(bom.rfind("\xEF\xBB\xBF"
                  "submission_id,",
                  0) == 0);
  CHECK(plain.rfind("submission_id,", 0) == 0);
  CHECK(bom.substr(3) == plain);
  CHECK(mode_of(tmp / "bom.csv") == 0600);
  CHECK(mode_of(tmp / "plain.csv") == 0600);
  CHECK_FALSE(std::filesystem::exists(tmp / "bom.csv.partial"));
  const auto table = parse_csv(bom);
  REQUIRE(table.size() == 2);
  CHECK(table[1][column(table[0], "comment")] == "élevé");
}

TEST_CASE(
    "an anonymous form's export cannot single out the only woman senior manager of a small post",
    "[server][export][anonymity]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  const DeviceId airport = DeviceId::random(), north = DeviceId::random(),
                 island = DeviceId::random();
  const std::string her_comment = "My supervisor harassed me after the night shift";
  std::vector<std::string> submission_ids;
  {
    auto store = server.open_store();
    REQUIRE(store.add_pending_device(airport, "Airport", {}, 0, 0).is_ok());
    REQUIRE(store.add_pending_device(north, "Northern land post", {}, 0, 0).is_ok());
    REQUIRE(store.add_pending_device(island, "Island post", {}, 0, 0).is_ok());
    for (int i = 0; i < 40; ++i) {
      add_submission(store, airport, "staff-climate", "2026.1",
                     std::string(R"({"dem_sex":")") + (i % 2 == 0 ? "female" : "male") +
                         R"(","dem_grade":"officer","eng_proud":"4","comment":"airport comment )" +
                         std::to_string(i) + R"("})");
    }
    // One male senior manager at the airport: rare there too.
    add_submission(store, airport, "staff-climate", "2026.1",
                   R"({"dem_sex":"male","dem_grade":"senior","eng_proud":"3"})");
    for (int i = 0; i < 12; ++i) {
      add_submission(store, north, "staff-climate", "2026.1",
                     R"({"dem_sex":"male","dem_grade":"officer","eng_proud":"5"})");
    }
    add_submission(store, island, "staff-climate", "2026.1",
                   R"({"dem_sex":"female","dem_grade":"senior","eng_proud":"1","comment":")" +
                       her_comment + R"("})");
    for (const auto& [id, answers] : stored_answers(server, "staff-climate"))
      submission_ids.push_back(id);
  }
  REQUIRE(submission_ids.size() == 54);

  const std::string sdir = server.dir().root.string();
  const auto run = server_cli({"export", "--data-dir", sdir, "--form", "staff-climate", "--out",
                               (tmp / "sc.csv").string()});
  INFO(run.err);
  REQUIRE(run.code == 0);
  CHECK_THAT(run.err, Catch::Contains("is anonymous") && Catch::Contains("sc.comments.csv"));
  const std::string text = read_text(tmp / "sc.csv");
  const CsvTable table = parse_csv(text);
  REQUIRE(table.size() == 55);
  const auto& h = table[0];
  REQUIRE(h.size() > 4);
  // unit_miss says "withheld" where disclosure control blanked the unit.
  CHECK(std::vector<std::string>(h.begin(), h.begin() + 5) ==
        std::vector<std::string>{"row", "unit", "unit_miss", "form_version", "round"});
  for (const char* gone : {"submission_id", "device_id", "site", "submitted_at", "received_at",
                           "revision", "comment"}) {
    INFO(gone);
    CHECK(std::find(h.begin(), h.end(), gone) == h.end());
  }
  // Nothing that links a row to a device, a submission or the island.
  for (const DeviceId& d : {airport, north, island})
    CHECK(text.find(d.to_string()) == std::string::npos);
  for (const auto& id : submission_ids) CHECK(text.find(id) == std::string::npos);
  CHECK(text.find("Island post") == std::string::npos);
  CHECK(text.find(her_comment) == std::string::npos);
  CHECK(text.find("airport comment") == std::string::npos);

  // k-anonymity on the unit and the seven breakdown questions.
  std::vector<std::size_t> qi = {column(h, "unit")};
  for (const char* b : {"dem_sex", "dem_age", "dem_grade", "dem_role", "dem_service", "dem_station",
                        "dem_disability"}) {
    qi.push_back(column(h, b));
  }
  std::map<std::vector<std::string>, int> combos;
  for (std::size_t r = 1; r < table.size(); ++r) {
    std::vector<std::string> key;
    for (std::size_t c : qi) key.push_back(table[r][c]);
    ++combos[key];
    // She cannot be found: no row shows a woman senior manager.
    CHECK_FALSE((table[r][column(h, "dem_sex")] == "female" &&
                 table[r][column(h, "dem_grade")] == "senior"));
  }
  for (const auto& [key, n] : combos) {
    const bool all_blank =
        std::all_of(key.begin(), key.end(), [](const std::string& v) { return v.empty(); });
    INFO(n);
    CHECK((all_blank || n >= 10));
  }
  // The 40 airport officers keep their unit and sex: safe groups are untouched.
  int airport_women = 0;
  for (std::size_t r = 1; r < table.size(); ++r) {
    airport_women +=
        table[r][column(h, "unit")] == "Airport" && table[r][column(h, "dem_sex")] == "female" ? 1
                                                                                               : 0;
  }
  CHECK(airport_women == 20);
  // Not in arrival order (airport first, then north, then the island).
  std::vector<std::string> units;
  for (std::size_t r = 1; r < table.size(); ++r) units.push_back(table[r][column(h, "unit")]);
  CHECK_FALSE(std::is_sorted(
      units.begin(), units.begin() + 41,
      [](const std::string& a, const std::string& b) { return a == "Airport" && b != "Airport"; }));

  // The comments: a file of their own, private, only the airport's (a unit of
  // 41 responses); hers stays in the database.
  const auto comments_path = tmp / "sc.comments.csv";
  REQUIRE(std::filesystem::exists(comments_path));
  CHECK(mode_of(comments_path) == 0600);
  const CsvTable comments = parse_csv(read_text(comments_path));
  CHECK(comments[0] == std::vector<std::string>{"question", "answer"});
  CHECK(comments.size() == 41);
  for (std::size_t r = 1; r < comments.size(); ++r)
    CHECK(comments[r][1].rfind("airport comment ", 0) == 0);
  CHECK(read_text(comments_path).find(her_comment) == std::string::npos);

  // JSON Lines to stdout: the same protection, and no comments at all.
  const auto jsonl =
      server_cli({"export", "--data-dir", sdir, "--form", "staff-climate", "--format", "jsonl"});
  REQUIRE(jsonl.code == 0);
  CHECK_THAT(jsonl.err, Catch::Contains("free-text answer(s) not included"));
  std::istringstream lines(jsonl.out);
  int n = 0;
  for (std::string line; std::getline(lines, line); ++n) {
    const auto o = boost::json::parse(line).as_object();
    CHECK(o.size() == 5);
    CHECK(o.contains("row"));
    CHECK(o.contains("unit"));
    CHECK_FALSE(o.at("answers").as_object().contains("comment"));
    CHECK(line.find("Island post") == std::string::npos);
  }
  CHECK(n == 54);

  // The workbook's codebook says what was withheld.
  export_to_file(server, "xlsx", tmp / "sc.xlsx", {}, "staff-climate");
  const auto sheets = read_xlsx(tmp / "sc.xlsx");
  bool noted = false;
  for (const auto& row : sheets.at("codebook")) {
    for (const auto& cell : row)
      noted |= cell.value.find("withheld so that every combination") != std::string::npos;
  }
  CHECK(noted);

  // SPSS and Stata files: the same rows under the same protection. Nothing
  // in their bytes names her post, a device or a submission, or quotes her.
  for (const char* format : {"sav", "dta"}) {
    INFO(format);
    const auto file =
        export_to_file(server, format, tmp / (std::string("sc.") + format), {}, "staff-climate");
    const std::string bytes = read_text(file);
    CHECK(bytes.find("Island post") == std::string::npos);
    CHECK(bytes.find(her_comment) == std::string::npos);
    for (const DeviceId& d : {airport, north, island})
      CHECK(bytes.find(d.to_string()) == std::string::npos);
    for (const auto& id : submission_ids) CHECK(bytes.find(id) == std::string::npos);
  }
  if (!std::filesystem::exists("/usr/bin/Rscript") ||
      run_command({"/usr/bin/Rscript", "-e", "library(haven)"}).exit_code != 0) {
    WARN(
        "r-cran-haven is not installed: the k-anonymity check of the SAV and DTA files is skipped");
    return;
  }
  // As an analyst reads them: every combination of unit and demographics,
  // withheld values as blanks, occurs 10 times or more.
  const auto script = write_text(tmp.path(), "k.R", R"r(
suppressMessages(library(haven))
for (f in commandArgs(trailingOnly = TRUE)) {
  d <- if (grepl("sav$", f)) read_sav(f) else read_dta(f)
  stopifnot(nrow(d) == 54, !any(c("submission_id", "device_id", "site", "received_at", "comment") %in% names(d)))
  qi <- c("unit", "dem_sex", "dem_age", "dem_grade", "dem_role", "dem_service", "dem_station", "dem_disability")
  key <- do.call(paste, c(lapply(qi, function(q) { v <- as.character(zap_labels(d[[q]])); v[is.na(v)] <- ""; v }), sep = "|"))
  n <- table(key)
  blank <- names(n) == paste(rep("", length(qi)), collapse = "|")
  stopifnot(all(n[!blank] >= 10))
}
cat("ok\n")
)r");
  const auto k = run_command(
      {"/usr/bin/Rscript", script.string(), (tmp / "sc.sav").string(), (tmp / "sc.dta").string()});
  INFO(k.out << k.err);
  CHECK(k.exit_code == 0);
  CHECK(k.out == "ok\n");
}

TEST_CASE("an anonymous form's repeat rows lose their free text too",
          "[server][export][anonymity]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  {
    auto store = server.open_store();
    publish_json(store, R"({"id": "anon-repeat", "version": "1", "title": {"en": "Incidents"},
      "languages": ["en"], "anonymous": true, "lists": {},
      "items": [{"type": "integer", "name": "count"},
                {"type": "repeat", "name": "incidents", "items": [
                  {"type": "text", "name": "what"}, {"type": "integer", "name": "severity"}]}]})");
    const DeviceId dev = DeviceId::random();
    REQUIRE(store.add_pending_device(dev, "Port", {}, 0, 0).is_ok());
    for (int i = 0; i < 12; ++i) {
      add_submission(
          store, dev, "anon-repeat", "1",
          R"({"count": 1, "incidents": [{"what": "the chief at gate 3", "severity": 2}]})");
    }
  }
  const auto r = server_cli({"export", "--data-dir", server.dir().root.string(), "--form",
                             "anon-repeat", "--format", "jsonl"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("gate 3") == std::string::npos);
  CHECK_THAT(r.out, Catch::Contains("\"severity\":2"));
}

namespace {

constexpr const char* kRowPhotoForm =
    R"({"id": "row-photos", "version": "1", "title": {"en": "Seizure"},
  "languages": ["en"], "items": [{"type": "text", "name": "case_ref"},
    {"type": "repeat", "name": "items", "items": [
      {"type": "text", "name": "item_name"}, {"type": "image", "name": "item_photo", "file": {"max_files": 2}}]}]})";

std::string row_ref(char id, char sha, bool with_key) {
  std::string s = R"({"id": ")" + std::string(32, id) + R"(", "sha256": ")" + std::string(64, sha) +
                  R"(", "size": 10, "type": "image/jpeg", "name": "p.jpg")";
  if (with_key) s += R"(, "key": ")" + std::string(64, 'e') + "\"";
  return s + "}";
}

}  // namespace

TEST_CASE("the server finds file references in repeat rows and stores them without keys",
          "[server][files]") {
  auto form = forms::load_form_json(kRowPhotoForm);
  REQUIRE(form.is_ok());
  const auto answers =
      boost::json::parse(R"({"case_ref": "C-1", "items": [{"item_photo": [)" +
                         row_ref('a', '1', true) +
                         R"(]}, {"item_name": "none"}, {"item_photo": [)" +
                         row_ref('b', '2', true) + ", " + row_ref('c', '3', true) + "]}]}")
          .as_object();
  auto files = server::answered_files(*form, answers);
  REQUIRE(files.is_ok());
  REQUIRE(files->size() == 3);
  CHECK((*files)[0].question == "items[0].item_photo");
  CHECK((*files)[1].question == "items[2].item_photo");
  CHECK((*files)[2].ref.id == std::string(32, 'c'));
  const auto stored = server::without_file_keys(*form, answers);
  CHECK(boost::json::serialize(stored).find("\"key\"") == std::string::npos);
  CHECK(server::answered_files(*form, stored, /*known_allowed=*/true).is_ok());
  // A row's reference without its key is refused, naming the row.
  auto keyless = server::answered_files(*form, stored);
  REQUIRE_FALSE(keyless.is_ok());
  CHECK_THAT(keyless.status().message(),
             Catch::Contains("items[0].item_photo") && Catch::Contains("has no key"));
}

TEST_CASE("a file question in a repeat exports the files' names on each row in CSV and XLSX",
          "[server][export][files]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  {
    auto store = server.open_store();
    publish_json(store, kRowPhotoForm);
    const DeviceId dev = DeviceId::random();
    REQUIRE(store.add_pending_device(dev, "Port", {}, 0, 0).is_ok());
    add_submission(store, dev, "row-photos", "1",
                   R"({"case_ref": "C-1", "items": [{"item_name": "knife", "item_photo": [)" +
                       row_ref('a', '1', false) +
                       R"(]}, {"item_name": "watches", "item_photo": [)" +
                       row_ref('b', '2', false) + ", " + row_ref('c', '3', false) + "]}]}");
  }
  const std::string one = "files/" + std::string(64, '1') + ".jpg";
  const std::string two =
      "files/" + std::string(64, '2') + ".jpg " + "files/" + std::string(64, '3') + ".jpg";
  export_to_file(server, "csv", tmp / "rp.csv", {}, "row-photos");
  const CsvTable rows = parse_csv(read_text(tmp / "rp.items.csv"));
  REQUIRE(rows.size() == 3);
  const std::size_t photo = column(rows[0], "item_photo");
  CHECK(rows[1][photo] == one);
  CHECK(rows[2][photo] == two);
  CHECK(read_text(tmp / "rp.csv").find("\"key\"") == std::string::npos);
  CHECK(read_text(tmp / "rp.csv").find(one) !=
        std::string::npos);  // the JSON of the rows' cell too

  export_to_file(server, "xlsx", tmp / "rp.xlsx", {}, "row-photos");
  const auto sheets = read_xlsx(tmp / "rp.xlsx");
  REQUIRE(sheets.count("items") == 1);
  const XlsxSheet& items = sheets.at("items");
  const std::size_t col = sheet_column(items, "item_photo");
  CHECK(at(items, 1, col).value == one);
  CHECK(at(items, 2, col).value == two);
}

TEST_CASE(
    "sync-server backup copies what was committed, restore makes a server of it, and neither "
    "overwrites",
    "[server][backup]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  auto store = server.open_store();
  const DeviceId dev = DeviceId::random();
  REQUIRE(store.add_pending_device(dev, "Port", {}, 0, 0).is_ok());
  for (int i = 0; i < 50; ++i)
    add_submission(store, dev, kNamedClimate, "2026.1", R"({"eng_proud":"4"})");
  const std::string sdir = server.dir().root.string();
  const auto folder = tmp / "backups" / "2026-12-02";
  server.start();  // while serve runs
  {
    const auto r = server_cli({"backup", "--data-dir", sdir, "--out", folder.string()});
    INFO(r.err);
    REQUIRE(r.code == 0);
    CHECK_THAT(r.out, Catch::Contains("Backed up 50 submissions"));
  }
  {
    // A writer that never lets go: the copy could be taken, but not
    // recorded, so nothing that looks like a backup is left.
    Transaction stuck(store.db());
    REQUIRE(stuck.status().is_ok());
    add_submission(store, dev, kNamedClimate, "2026.1", R"({"eng_proud":"5"})");
    const auto other = tmp / "backups" / "stuck";
    const auto r = server_cli({"backup", "--data-dir", sdir, "--out", other.string()});
    CHECK(r.code != 0);
    CHECK_THAT(r.err, Catch::Contains("audit log"));
    CHECK_FALSE(std::filesystem::exists(other / "server.db"));
    CHECK_FALSE(std::filesystem::exists(other / "server.key"));
    CHECK_FALSE(std::filesystem::exists(other / "server.db.partial"));
  }
  CHECK(mode_of(folder) == 0700);
  CHECK(mode_of(folder / "server.db") == 0600);
  CHECK(mode_of(folder / "server.key") == 0600);
  CHECK(read_text(folder / "server.key") == read_text(server.dir().keys()));
  CHECK_FALSE(std::filesystem::exists(folder / "server.db.partial"));

  // The restore drill: a data folder made of the two files exports the 50.
  const auto restored = tmp / "restored";
  const auto restore =
      server_cli({"restore", "--from", folder.string(), "--data-dir", restored.string()});
  INFO(restore.err);
  REQUIRE(restore.code == 0);
  CHECK(mode_of(restored) == 0700);
  // Never over a server.
  const auto over = server_cli({"restore", "--from", folder.string(), "--data-dir", sdir});
  CHECK(over.code != 0);
  CHECK_THAT(over.err, Catch::Contains("holds a server already"));
  const auto r = server_cli({"export", "--data-dir", restored.string(), "--form", kNamedClimate});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(parse_csv(r.out).size() == 51);  // the header and 50 rows

  // Never over an earlier backup; the earlier one is untouched.
  const std::string before = read_text(folder / "server.db");
  const auto again = server_cli({"backup", "--data-dir", sdir, "--out", folder.string()});
  CHECK(again.code != 0);
  CHECK_THAT(again.err, Catch::Contains("holds a backup already"));
  CHECK(read_text(folder / "server.db") == before);
  // Audited in the live database.
  auto st = store.db().prepare("SELECT detail FROM audit_log WHERE action = 'backup'");
  REQUIRE(st.is_ok());
  REQUIRE(*st->step());
  CHECK_THAT(st->column_text(0), Catch::Contains("submissions=50"));
}
