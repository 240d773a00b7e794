// Exports that analysis tools take as they are (issue 15): valid variable
// names, numbers only in numeric columns, 0/1 booleans, a reason for every
// blank, SPSS and Stata files with their labels. Read back by the real
// clients where they are installed: pandas (python3-pandas), R's haven
// (r-cran-haven) and LibreOffice (libreoffice-calc). A missing client skips
// its check with a warning; `./dev test` installs them all.
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <regex>
#include <set>

#include "equitas/forms/form_library.hpp"
#include "export_test_util.hpp"
#include "export_variables.hpp"
#include "fixtures.hpp"
#include "process.hpp"

using namespace equitas;
using namespace equitas::server;
using namespace equitas::test;

namespace {

bool have(const std::vector<std::string>& probe) {
  return std::filesystem::exists(probe.front()) && run_command(probe).exit_code == 0;
}

bool have_pandas() { return have({"/usr/bin/python3", "-c", "import pandas"}); }
bool have_haven() { return have({"/usr/bin/Rscript", "-e", "library(haven)"}); }
bool have_libreoffice() { return std::filesystem::exists("/usr/bin/soffice"); }

// Three officers at one post, chosen to exercise every reason for a blank:
//   1: no harassment (harass_reported is skipped), "don't know" on eng_recommend;
//   2: harassed once, left harass_reported blank (unanswered);
//   3: harassed, reported it to a manager, a comment with formula triggers.
void add_three(ServerStore& store, const std::string& form) {
  // The edition the named copy is published from: the bundled one. A
  // response under a version its form never had cannot have its blanks
  // explained (its skip logic is unknown), and every blank reads unanswered.
  auto library = forms::FormLibrary::with_bundled();
  REQUIRE(library.is_ok());
  const std::string version = library->current("staff-climate")->version;
  const DeviceId dev = DeviceId::random();
  REQUIRE(store.add_pending_device(dev, "Northern land post", {}, 0, 0).is_ok());
  add_submission(store, dev, form, version,
                 R"({"consent_ack":true,"dem_sex":"female","eng_proud":"4","eng_recommend":"dk",
                     "h_remarks":"never","h_contact":"never","comment":"x;=1+1"})");
  add_submission(store, dev, form, version,
                 R"({"consent_ack":true,"dem_sex":"male","eng_proud":"2","eng_recommend":"5",
                     "h_remarks":"once"})");
  add_submission(store, dev, form, version,
                 R"({"consent_ack":true,"dem_sex":"pns","eng_proud":"5","eng_recommend":"3",
                     "h_remarks":"more","harass_reported":"yes","harass_channel":["manager"],
                     "comment":" =2+3 and \uFF1D3+4"})");
}

// A server holding add_three()'s responses to the named staff-climate.
struct ThreeOfficers {
  TempDir tmp;
  TestServer server{tmp / "server"};
  ThreeOfficers() {
    auto store = server.open_store();
    add_three(store, kNamedClimate);
  }
};

// One GEOAT assessment from headquarters with a two-row action plan.
void add_action_plan(const TestServer& server, const std::string& first_objective) {
  auto store = server.open_store();
  const DeviceId dev = DeviceId::random();
  REQUIRE(store.add_pending_device(dev, "Headquarters", {}, 0, 0).is_ok());
  boost::json::object first{
      {"ap_objective", first_objective}, {"ap_budget", 2500}, {"ap_status", "not_started"}};
  boost::json::object second{{"ap_objective", "Search cubicles"},
                             {"ap_status", "in_progress"},
                             {"ap_deadline", "2027-03-31"}};
  const boost::json::object answers{{"action_plan", boost::json::array{first, second}}};
  add_submission(store, dev, "geoat-2023", "2023.1", boost::json::serialize(answers));
}

std::string run_checked(const std::vector<std::string>& argv, const std::string& input = "") {
  const RunResult r = run_command(argv, input);
  INFO(argv.front() << " said:\n" << r.out << r.err);
  REQUIRE(r.exit_code == 0);
  return r.out;
}

}  // namespace

TEST_CASE("Variable names are valid in SPSS, Stata and R", "[server][export][analysis]") {
  CHECK(variable_name("harass_channel/manager") == "harass_channel_manager");
  CHECK(variable_name("1st_visit") == "v1st_visit");
  CHECK(variable_name("_private") == "v_private");
  CHECK(variable_name("if") == "if_");
  CHECK(variable_name("TO") == "TO_");
  CHECK(variable_name("caf\xC3\xA9_au_lait") == "caf_au_lait");
  CHECK(variable_name(std::string(40, 'a')).size() == 32);
}

TEST_CASE_METHOD(
    ThreeOfficers,
    "CSV columns are typed: numbers only, 0/1, and a reason beside every telling blank",
    "[server][export][analysis]") {
  const auto path = export_to_file(server, "csv", tmp / "climate.csv");
  const auto table = parse_csv(read_text(path));
  REQUIRE(table.size() == 4);
  const auto& h = table[0];

  // Every name is an identifier of at most 32 characters, unique ignoring case.
  const std::regex identifier("[A-Za-z][A-Za-z0-9_]{0,31}");
  std::set<std::string> seen;
  for (const auto& name : h) {
    CHECK(std::regex_match(name, identifier));
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    CHECK(seen.insert(lower).second);
  }
  std::map<std::string, std::vector<std::string>> col;
  for (std::size_t c = 0; c < h.size(); ++c) {
    for (std::size_t r = 1; r < table.size(); ++r) col[h[c]].push_back(table[r][c]);
  }
  // Rows arrive in the order stored (a named form's export is not shuffled).
  CHECK(col.at("consent_ack") == std::vector<std::string>{"1", "1", "1"});
  CHECK(col.at("eng_proud") == std::vector<std::string>{"4", "2", "5"});
  // "Don't know" is not a number: a blank, its code beside it.
  CHECK(col.at("eng_recommend") == std::vector<std::string>{"", "5", "3"});
  CHECK(col.at("eng_recommend_miss") == std::vector<std::string>{"dk", "", ""});
  // Not asked (no harassment) and asked-but-blank are told apart.
  CHECK(col.at("harass_reported") == std::vector<std::string>{"", "", "yes"});
  CHECK(col.at("harass_reported_miss") == std::vector<std::string>{"skipped", "unanswered", ""});
  CHECK(col.at("harass_channel_manager") == std::vector<std::string>{"", "", "1"});
  // Its gate, harass_reported, was left blank: officer 2 was not asked.
  CHECK(col.at("harass_channel_miss") == std::vector<std::string>{"skipped", "skipped", ""});
  CHECK(col.at("harass_outcome_miss") ==
        std::vector<std::string>{"skipped", "skipped", "unanswered"});
  // Every Likert item can be "don't know", so each has a companion; a
  // question that is never skipped and has no such choice has none: its
  // blank is unanswered.
  CHECK(col.at("eng_proud_miss") == std::vector<std::string>{"", "", ""});
  CHECK(col.count("dem_sex_miss") == 0);
  CHECK(col.count("consent_ack_miss") == 0);

  // pandas reads every Likert column as numbers and averages it.
  if (!have_pandas()) {
    WARN("python3-pandas is not installed: the pandas read-back is skipped");
    return;
  }
  const std::string script = R"py(
import sys, json, pandas as pd
df = pd.read_csv(sys.argv[1])
form = json.load(open(sys.argv[2]))
likert = []
def walk(items):
    for it in items:
        if it["type"] == "likert": likert.append(it["name"])
        walk(it.get("items", []))
walk(form["items"])
for name in likert:
    assert pd.api.types.is_numeric_dtype(df[name]), (name, df[name].dtype)
    df[name].mean()
assert pd.api.types.is_numeric_dtype(df["consent_ack"])
print(f"{df['eng_proud'].mean():.4f} {df['eng_recommend'].mean():.4f} {len(likert)}")
)py";
  const auto py = write_text(tmp.path(), "read.py", script);
  const std::string out = run_checked(
      {"/usr/bin/python3", py.string(), path.string(),
       (std::filesystem::path(EQUITAS_SOURCE_DIR) / "schema/forms/staff-climate.json").string()});
  CHECK(out == "3.6667 4.0000 35\n");
}

TEST_CASE_METHOD(
    ThreeOfficers,
    "SPSS and Stata files carry labels and declared missing values, as haven reads them",
    "[server][export][analysis]") {
  const auto sav = export_to_file(server, "sav", tmp / "climate.sav");
  const auto dta = export_to_file(server, "dta", tmp / "climate.dta");
  const auto fr = export_to_file(server, "sav", tmp / "climate-fr.sav", {"--lang", "fr"});
  CHECK(std::filesystem::file_size(sav) > 1000);
  CHECK(std::filesystem::file_size(dta) > 1000);
  if (!have_haven()) {
    WARN("r-cran-haven is not installed: the SAV and DTA read-back is skipped");
    return;
  }
  const std::string script = R"r(
suppressMessages(library(haven))
args <- commandArgs(trailingOnly = TRUE)
# The label of value v (Stata's tagged missing labels read as NA values).
label_of <- function(x, v) { l <- attr(x, "labels"); names(l)[which(!is.na(l) & l == v)] }
s <- read_sav(args[1], user_na = TRUE)
# Variable labels, value labels, the declared missing range.
stopifnot(attr(s$eng_proud, "label") == "I am proud to work for my administration.")
stopifnot(label_of(s$eng_proud, 5) == "Strongly agree")
stopifnot(identical(as.numeric(attr(s$eng_recommend, "na_range")), c(-99, -91)))
# Don't know is -95, skipped -99, unanswered -98: each labelled.
stopifnot(identical(as.numeric(s$eng_recommend), c(-95, 5, 3)))
stopifnot(identical(as.numeric(s$harass_reported[1:2]), c(-99, -98)))
stopifnot(label_of(s$harass_reported, -99) == "Skipped (not asked)")
# A select with text codes is a labelled number.
stopifnot(is.numeric(s$dem_sex), as.character(as_factor(s$dem_sex))[1] == "Female")
stopifnot(identical(as.numeric(s$consent_ack), c(1, 1, 1)))
# Read as analysts usually do, the reasons are NA and the mean is of answers.
d <- read_sav(args[1])
stopifnot(abs(mean(d$eng_recommend, na.rm = TRUE) - 4) < 1e-9, is.na(d$eng_recommend[1]))
stopifnot(s$comment[1] == "x;=1+1")
# Stata: tagged missing values .d (don't know), .s, .u.
t <- read_dta(args[2])
stopifnot(is_tagged_na(t$eng_recommend[1], "d"))
stopifnot(is_tagged_na(t$harass_reported[1], "s"), is_tagged_na(t$harass_reported[2], "u"))
stopifnot(label_of(t$eng_proud, 5) == "Strongly agree")
stopifnot(attr(t$harass_channel_manager, "label") != "")
stopifnot(abs(mean(t$eng_proud, na.rm = TRUE) - 11/3) < 1e-9)
# The submission's times are date-times in both formats, not text.
stopifnot(inherits(s$received_at, "POSIXct"), inherits(t$received_at, "POSIXct"), !anyNA(s$received_at))
stopifnot(abs(as.numeric(s$received_at[1]) - as.numeric(t$received_at[1])) < 1)
stopifnot(inherits(s$submitted_at, "POSIXct"), inherits(t$submitted_at, "POSIXct"))
# The language asked for.
f <- read_sav(args[3])
stopifnot(label_of(f$eng_proud, 5) == "Tout à fait d'accord")
cat(ncol(s), ncol(t), "\n")
)r";
  const auto r = write_text(tmp.path(), "read.R", script);
  const std::string out =
      run_checked({"/usr/bin/Rscript", r.string(), sav.string(), dta.string(), fr.string()});
  INFO(out);
  CHECK_FALSE(out.empty());
}

TEST_CASE("A date question is a date in SPSS and Stata files, as haven reads it",
          "[server][export][analysis]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  {
    auto store = server.open_store();
    const DeviceId dev = DeviceId::random();
    REQUIRE(store.add_pending_device(dev, "Headquarters", {}, 0, 0).is_ok());
    add_submission(store, dev, "geoat-2023", "2023.1", R"({"assessment_start":"2026-11-02"})");
    add_submission(store, dev, "geoat-2023", "2023.1", R"({"assessment_start":"1999-12-31"})");
    add_submission(store, dev, "geoat-2023", "2023.1", R"({})");
  }
  const auto sav = export_to_file(server, "sav", tmp / "geoat.sav", {}, "geoat-2023");
  const auto dta = export_to_file(server, "dta", tmp / "geoat.dta", {}, "geoat-2023");
  if (!have_haven()) {
    WARN("r-cran-haven is not installed: the date read-back is skipped");
    return;
  }
  const auto r = write_text(tmp.path(), "read.R", R"r(
suppressMessages(library(haven))
args <- commandArgs(trailingOnly = TRUE)
for (x in list(read_sav(args[1]), read_dta(args[2]))) {
  stopifnot(inherits(x$assessment_start, "Date"))
  cat(format(x$assessment_start), "")
}
cat("\n")
)r");
  const std::string out = run_checked({"/usr/bin/Rscript", r.string(), sav.string(), dta.string()});
  CHECK(out == "2026-11-02 1999-12-31 NA 2026-11-02 1999-12-31 NA \n");
}

TEST_CASE("A Stata file keeps a free-text answer longer than 2,045 bytes whole, as a strL",
          "[server][export][analysis]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  std::string long_text;
  for (int i = 0; i < 700; ++i)
    long_text += "é" + std::to_string(i % 10);  // 1,400 characters, 2,100 bytes
  {
    auto store = server.open_store();
    auto library = forms::FormLibrary::with_bundled();
    REQUIRE(library.is_ok());
    const DeviceId dev = DeviceId::random();
    REQUIRE(store.add_pending_device(dev, "Northern land post", {}, 0, 0).is_ok());
    add_submission(store, dev, kNamedClimate, library->current("staff-climate")->version,
                   R"({"consent_ack":true,"dem_sex":"female","comment":")" + long_text + R"("})");
    add_submission(store, dev, kNamedClimate, library->current("staff-climate")->version,
                   R"({"consent_ack":true,"dem_sex":"male","comment":"short"})");
    add_submission(store, dev, kNamedClimate, library->current("staff-climate")->version,
                   R"({"consent_ack":true,"dem_sex":"male"})");  // no comment: an empty strL
  }
  const auto dta = export_to_file(server, "dta", tmp / "long.dta");
  CHECK(std::filesystem::file_size(dta) > long_text.size());
  if (!have_haven()) {
    WARN("r-cran-haven is not installed: the DTA read-back is skipped");
    return;
  }
  const auto r = write_text(tmp.path(), "read.R", R"r(
suppressMessages(library(haven))
args <- commandArgs(trailingOnly = TRUE)
t <- read_dta(args[1])
cat(nrow(t), nchar(t$comment[1], type = "bytes"), nchar(t$comment[1]), t$comment[2],
    is.na(t$comment[3]) || t$comment[3] == "", "
")
)r");
  const std::string out = run_checked({"/usr/bin/Rscript", r.string(), dta.string()});
  CHECK(out == "3 2100 1400 short TRUE \n");  // whole: over the 2,045 bytes of a str
}

TEST_CASE_METHOD(ThreeOfficers,
                 "LibreOffice opens the XLSX with typed cells, and a semicolon import of the CSV "
                 "runs no formula",
                 "[server][export][analysis]") {
  const auto csv = export_to_file(server, "csv", tmp / "climate.csv");
  const auto xlsx = export_to_file(server, "xlsx", tmp / "climate.xlsx");
  const std::string text = read_text(csv);
  // Every trigger that could start a field after a separator or blanks,
  // full-width ones included, is defused.
  CHECK_THAT(text, Catch::Contains("x;'=1+1"));
  CHECK_THAT(text, Catch::Contains(", '=2+3 and \xEF\xBC\x9D"
                                   "3+4\r\n"));
  const auto sheets = read_xlsx(xlsx);
  REQUIRE(sheets.count("data") == 1);
  REQUIRE(sheets.count("codebook") == 1);
  if (!have_libreoffice()) {
    WARN("libreoffice-calc is not installed: the LibreOffice checks are skipped");
    return;
  }
  const auto out = tmp / "lo";
  const std::string profile = "-env:UserInstallation=file://" + (tmp / "lo-profile").string();
  // A French Excel or LibreOffice splits a CSV at ';' whatever the quoting.
  run_checked({"/usr/bin/soffice", profile, "--headless", "--infilter=CSV:59,34,76,1",
               "--convert-to", "csv:Text - txt - csv (StarCalc):9,34,76,1", "--outdir",
               out.string(), csv.string()});
  const std::string split = read_text(out / "climate.csv");
  CHECK(split.find("'=1+1") != std::string::npos);
  CHECK(split.find("\t2\t") == std::string::npos);
  CHECK(split.find("\t2\n") == std::string::npos);
  // The workbook's first sheet, as LibreOffice computes it.
  std::filesystem::copy_file(xlsx, tmp / "book.xlsx");
  run_checked({"/usr/bin/soffice", profile, "--headless", "--convert-to",
               "csv:Text - txt - csv (StarCalc):44,34,76,1", "--outdir", out.string(),
               (tmp / "book.xlsx").string()});
  const auto sheet = parse_csv(read_text(out / "book.csv"));
  REQUIRE(sheet.size() == 4);
  const std::size_t comment = column(sheet[0], "comment"), proud = column(sheet[0], "eng_proud");
  CHECK(sheet[1][comment] == "x;=1+1");  // text, never a formula
  CHECK(sheet[1][proud] == "4");
  CHECK(sheet[0][column(sheet[0], "harass_reported_miss")] == "harass_reported_miss");
}

TEST_CASE(
    "An anonymous export never tells skipped from unanswered where that would reveal a withheld "
    "answer",
    "[server][export][analysis][anonymity]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  // `leave` is asked of women only. The post has one woman: k-anonymity
  // withholds her sex, and "unanswered" beside `leave` would give it back.
  const std::string form =
      R"({"id": "leave-check", "version": "1", "title": {"en": "Leave"}, "anonymous": true,
    "default_language": "en", "languages": ["en"],
    "lists": {"sex": [{"name": "female", "label": {"en": "Female"}}, {"name": "male", "label": {"en": "Male"}}],
              "grade": [{"name": "a", "label": {"en": "A"}}, {"name": "b", "label": {"en": "B"}}],
              "yn": [{"name": "yes", "label": {"en": "Yes"}}, {"name": "no", "label": {"en": "No"}}]},
    "items": [{"type": "select_one", "name": "sex", "list": "sex", "breakdown": true, "label": {"en": "Sex"}},
              {"type": "select_one", "name": "grade", "list": "grade", "breakdown": true, "label": {"en": "Grade"}},
              {"type": "select_one", "name": "leave", "list": "yn", "relevant": "${sex} = 'female'",
               "label": {"en": "Did you take maternity leave?"}}]})";
  const auto r = server_cli({"forms", "publish", "--data-dir", server.dir().root.string(),
                             write_text(tmp.path(), "leave.json", form).string()});
  INFO(r.err);
  REQUIRE(r.code == 0);
  {
    auto store = server.open_store();
    const DeviceId dev = DeviceId::random();
    REQUIRE(store.add_pending_device(dev, "Small post", {}, 0, 0).is_ok());
    for (int i = 0; i < 40; ++i) {
      add_submission(store, dev, "leave-check", "1",
                     std::string(R"({"sex":"male","grade":")") + (i % 2 == 0 ? "a" : "b") + "\"}");
    }
    add_submission(store, dev, "leave-check", "1", R"({"sex":"female","grade":"b"})");
  }
  const auto table =
      parse_csv(read_text(export_to_file(server, "csv", tmp / "leave.csv", {}, "leave-check")));
  REQUIRE(table.size() == 42);
  const auto& h = table[0];
  const std::size_t sex = column(h, "sex"), sex_miss = column(h, "sex_miss"),
                    leave_miss = column(h, "leave_miss");
  std::map<std::string, int> reasons;
  int withheld = 0;
  for (std::size_t i = 1; i < table.size(); ++i) {
    const auto& row = table[i];
    if (row[sex].empty()) {
      CHECK(row[sex_miss] == "withheld");
      CHECK(row[leave_miss] == "not released");
      ++withheld;
    } else {
      CHECK(row[sex] == "male");
      CHECK(row[leave_miss] == "skipped");
    }
    ++reasons[row[leave_miss]];
  }
  CHECK(withheld >= 1);
  // Nothing singles her out: no row says "unanswered".
  CHECK(reasons.count("unanswered") == 0);
}

TEST_CASE(
    "The XLSX has widths, filters, a frozen header, and the GEOAT action plan as rows of its own "
    "sheet",
    "[server][export][analysis]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  add_action_plan(server, "Lactation room at the land post");
  const auto book = export_to_file(server, "xlsx", tmp / "geoat.xlsx", {}, "geoat-2023");
  const auto sheets = read_xlsx(book);
  REQUIRE(sheets.count("action_plan") == 1);
  const XlsxSheet& plan = sheets.at("action_plan");
  REQUIRE(plan.size() == 3);  // the header and two rows
  const XlsxSheet& data = sheets.at("data");
  auto col = [](const XlsxSheet& sheet, const std::string& name) {
    for (std::size_t i = 0; i < sheet[0].size(); ++i) {
      if (sheet[0][i].value == name) return i;
    }
    FAIL("no column " << name);
    return std::size_t{0};
  };
  // Linked to the submission by the data sheet's first column.
  CHECK(plan[0][0].value == "submission_id");
  CHECK(plan[1][0].value == data[1][col(data, "submission_id")].value);
  CHECK(plan[2][col(plan, "item")].value == "2");
  CHECK(plan[1][col(plan, "ap_objective")].value == "Lactation room at the land post");
  CHECK(plan[1][col(plan, "ap_budget")].type == 'n');
  CHECK(plan[2][col(plan, "ap_status")].value == "in_progress");
  // The data sheet: a width for every column, filter buttons, the header frozen.
  const std::string xml = xlsx_part(book, "xl/worksheets/sheet1.xml");
  CHECK_THAT(xml, Catch::Contains("<cols>") && Catch::Contains("<autoFilter ") &&
                      Catch::Contains("state=\"frozen\""));
}

TEST_CASE("A CSV export writes each repeat's rows to a file of its own, linked to the submission",
          "[server][export][analysis]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  add_action_plan(server, "=Lactation room");
  const auto main = export_to_file(server, "csv", tmp / "geoat.csv", {"--labels"}, "geoat-2023");
  const auto plan_file = tmp / "geoat.action_plan.csv";
  REQUIRE(std::filesystem::exists(plan_file));
  CHECK((std::filesystem::status(plan_file).permissions() & std::filesystem::perms::all) ==
        (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
  const auto rows = parse_csv(read_text(plan_file));
  const auto data = parse_csv(read_text(main));
  REQUIRE(rows.size() == 3);
  CHECK(rows[0][0] == "submission_id");
  CHECK(rows[1][0] == data[1][column(data[0], "submission_id")]);
  CHECK(rows[2][column(rows[0], "item")] == "2");
  CHECK(rows[1][column(rows[0], "ap_objective")] ==
        "'=Lactation room");  // defused, as in the main file
  CHECK(rows[1][column(rows[0], "ap_budget")] == "2500");
  CHECK(rows[2][column(rows[0], "ap_status")] == "In progress");  // --labels
  // The export and its repeat file are one audited export.
  auto store = server.open_store();
  auto st = store.db().prepare("SELECT detail FROM audit_log WHERE action = 'export'");
  REQUIRE(st.is_ok());
  REQUIRE(*st->step());
  CHECK_THAT(st->column_text(0), Catch::Contains("repeat=action_plan"));
}
