// `sync-server export` as an admin runs it: XLSX workbooks read back through
// their XML, files written 0600 and atomically, the BOM, and the audit log.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "export_test_util.hpp"
#include "exporter.hpp"
#include "fixtures.hpp"

using namespace equitas;
using namespace equitas::server;
using namespace equitas::test;

namespace {

struct AuditEntry {
  std::string actor, action, detail;
};

std::vector<AuditEntry> export_audit(const TestServer& server) {
  auto store = server.open_store();
  auto st = store.db().prepare("SELECT actor, action, detail FROM audit_log WHERE action = 'export' ORDER BY id");
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

TEST_CASE("XLSX round trip: a data sheet that matches the store, numbers as numbers", "[server][export][xlsx]") {
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
    add_submission(store, dev->at(0).id, "staff-climate", "2026.1",
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
  CHECK(data.size() - 1 == exported_rows(server));

  const auto stored = stored_answers(server, "staff-climate");
  const auto id = sheet_column(data, "submission_id"), sex = sheet_column(data, "dem_sex"),
             proud = sheet_column(data, "eng_proud"), comment = sheet_column(data, "comment"),
             revision = sheet_column(data, "revision"), hotline = sheet_column(data, "harass_channel/hotline"),
             hr = sheet_column(data, "harass_channel/hr");
  std::size_t numeric_codes = 0;
  for (std::size_t r = 1; r < data.size(); ++r) {
    const auto& answers = stored.at(at(data, r, id).value);
    CHECK(at(data, r, revision).type == 'n');
    CHECK(at(data, r, sex).value == answers.at("dem_sex").as_string().c_str());
    if (const auto* v = answers.if_contains("eng_proud")) {
      const std::string code(v->as_string());
      CHECK(at(data, r, proud).value == code);
      // Agree codes 1-5 are numbers; "dk" stays text.
      CHECK(at(data, r, proud).type == (code == "dk" ? 's' : 'n'));
      numeric_codes += code != "dk";
    }
    if (const auto* v = answers.if_contains("comment")) {
      CHECK(at(data, r, comment).value == v->as_string().c_str());  // exact: a text cell is never a formula
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
  for (const auto& [version, round] : {std::pair{"1", "2025-baseline"}, std::pair{"2", "2026-follow-up"}}) {
    REQUIRE(server_cli({"forms", "publish", "--data-dir", sdir,
                        write_text(tmp.path(), std::string("v") + version + ".json", post_check_form(version)).string(), "--round",
                        round}).code == 0);
  }
  {
    auto store = server.open_store();
    const DeviceId dev = DeviceId::random();
    REQUIRE(store.add_pending_device(dev, "Port", {}, 0).is_ok());
    add_submission(store, dev, "post-check", "1", R"({"lights_ok":"yes","tools":["radio"]})", "2025-baseline");
    add_submission(store, dev, "post-check", "2", R"({"lights_ok":"no","team_size":4})", "2026-follow-up");
  }
  const auto out = tmp / "pc.xlsx";
  const auto r = server_cli({"export", "--data-dir", sdir, "--form", "post-check", "--format", "xlsx", "--labels",
                             "--lang", "fr", "--out", out.string()});
  INFO(r.err);
  REQUIRE(r.code == 0);
  const auto sheets = read_xlsx(out);
  const XlsxSheet& data = sheets.at("data");
  REQUIRE(data.size() == 3);
  CHECK(at(data, 1, sheet_column(data, "lights_ok")).value == "Oui");
  CHECK(at(data, 2, sheet_column(data, "team_size")).type == 'n');
  CHECK(at(data, 2, sheet_column(data, "team_size")).value == "4");
  CHECK(at(data, 1, sheet_column(data, "tools/radio")).value == "1");

  const XlsxSheet& book = sheets.at("codebook");
  const auto col = sheet_column(book, "column"), question = sheet_column(book, "question"),
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
  CHECK(at(book, find_row("tools", "scanner"), col).value == "tools/scanner");
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
    REQUIRE(store.add_pending_device(dev, "Port", {}, 0).is_ok());
    for (int i = 0; i < 3; ++i) add_submission(store, dev, "staff-climate", "2026.1", R"({"eng_proud":"4"})");
  }
  const auto csv = export_to_file(server, "csv", tmp / "sc.csv");
  const std::string sdir = server.dir().root.string();
  const auto piped = server_cli({"export", "--data-dir", sdir, "--form", "staff-climate", "--format", "jsonl"});
  REQUIRE(piped.code == 0);
  CHECK_THAT(piped.err, Catch::Contains("exported 3 submissions"));

  const auto audit = export_audit(server);
  REQUIRE(audit.size() == 2);
  CHECK(audit[0].actor == "cli");
  CHECK(audit[0].detail == "form=staff-climate format=csv rows=3 anonymous-form to=" +
                               std::filesystem::absolute(csv).string());
  CHECK(audit[1].detail == "form=staff-climate format=jsonl rows=3 anonymous-form to=stdout");

  // Refused exports write nothing and record nothing.
  CHECK(server_cli({"export", "--data-dir", sdir, "--form", "staff-climate", "--format", "xlsx"}).code == 1);
  CHECK(server_cli({"export", "--data-dir", sdir, "--form", "staff-climate", "--lang", "fr"}).code == 1);
  CHECK(server_cli({"export", "--data-dir", sdir, "--form", "staff-climate", "--format", "jsonl", "--bom"}).code ==
        1);
  CHECK(export_audit(server).size() == 2);
}

TEST_CASE("CSV files are private, atomic, with a BOM only when asked", "[server][export]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  {
    auto store = server.open_store();
    const DeviceId dev = DeviceId::random();
    REQUIRE(store.add_pending_device(dev, "Port", {}, 0).is_ok());
    add_submission(store, dev, "staff-climate", "2026.1", R"({"dem_sex":"female","comment":"élevé"})");
  }
  // A leftover from a crashed export, readable by all: replaced, not reused as it was.
  write_text(tmp.path(), "bom.csv.partial", "stale");
  ::chmod((tmp / "bom.csv.partial").c_str(), 0644);
  const std::string bom = read_text(export_to_file(server, "csv", tmp / "bom.csv", {"--bom"}));
  const std::string plain = read_text(export_to_file(server, "csv", tmp / "plain.csv"));
  CHECK(bom.rfind("\xEF\xBB\xBF" "submission_id,", 0) == 0);
  CHECK(plain.rfind("submission_id,", 0) == 0);
  CHECK(bom.substr(3) == plain);
  CHECK(mode_of(tmp / "bom.csv") == 0600);
  CHECK(mode_of(tmp / "plain.csv") == 0600);
  CHECK_FALSE(std::filesystem::exists(tmp / "bom.csv.partial"));
  const auto table = parse_csv(bom);
  REQUIRE(table.size() == 2);
  CHECK(table[1][column(table[0], "comment")] == "élevé");
}
