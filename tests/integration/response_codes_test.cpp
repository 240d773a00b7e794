// One response per person (issue 14): HQ issues single-use response codes
// for a round, collectors receive them at sync and check a code offline,
// and the server keeps a code used twice across posts flagged and out of
// reports, never dropped. No store keeps a code beside the response it
// unlocked. Real server, real collectors, real sync over loopback.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "code_store.hpp"
#include "fixtures.hpp"

using namespace equitas;
using namespace equitas::test;

namespace {

// Every byte under `dir` (databases, their WAL files), for a needle.
bool anywhere_in(const std::filesystem::path& dir, const std::string& needle) {
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && file_text(e.path()).find(needle) != std::string::npos) return true;
  }
  return false;
}

// staff-climate as bundled, as a new version that asks for codes.
std::string coded_staff_climate(const std::string& sdir, const TempDir& tmp) {
  auto shown = server_cli({"forms", "show", "--data-dir", sdir, "staff-climate", "--json"});
  REQUIRE(shown.code == 0);
  auto form = boost::json::parse(shown.out).as_object();
  form["version"] = "2026.2-codes";
  form["response_codes"] = true;
  const auto path = tmp / "coded.json";
  std::ofstream(path) << boost::json::serialize(form);
  return path.string();
}

std::vector<std::string> csv_codes(const std::filesystem::path& csv) {
  std::istringstream in(file_text(csv));
  std::string line;
  std::vector<std::string> out;
  std::getline(in, line);
  CHECK(line == "code\r");
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

std::int64_t pending(collector::Collector& c) { return c.status()->counts.pending; }

constexpr const char* kAnswers = R"({"consent_ack":true,"dem_sex":"female","eng_proud":"4"})";

}  // namespace

TEST_CASE(
    "response codes: issued as slips, checked offline, a second use anywhere kept but not counted",
    "[integration][codes]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  const std::string sdir = server.dir().root.string();
  auto a = make_collector(tmp / "post-a", server.enroll("Post A"));
  auto b = make_collector(tmp / "post-b", server.enroll("Post B"));

  // A form that does not ask for codes gets none; nor does a round it lacks.
  auto refused = server_cli({"codes", "issue", "--data-dir", sdir, "--form", "staff-climate",
                             "--count", "5", "--out", (tmp / "slips").string()});
  CHECK(refused.code == 1);
  CHECK_THAT(refused.err, Catch::Contains("does not ask for response codes"));
  auto published = server_cli(
      {"forms", "publish", "--data-dir", sdir, coded_staff_climate(sdir, tmp), "--round", "r1"});
  INFO(published.err);
  REQUIRE(published.code == 0);
  auto no_round = server_cli({"codes", "issue", "--data-dir", sdir, "--form", "staff-climate",
                              "--round", "r9", "--count", "5", "--out", (tmp / "slips").string()});
  CHECK(no_round.code == 1);
  CHECK_THAT(no_round.err, Catch::Contains("its rounds: r1"));

  // The collectors get the form that asks for codes, but no codes yet: the
  // collector says so, and stores nothing.
  for (auto* c : {&a, &b}) {
    auto r = c->sync({});
    REQUIRE(r.is_ok());
    CHECK(r->codes_received.empty());
  }
  std::string answers = kAnswers;
  auto early = a.submit("staff-climate", "", answers, "en", {}, generate_response_code());
  CHECK(early.status().code() == StatusCode::kFailedPrecondition);
  CHECK_THAT(early.status().message(), Catch::Contains("sync first"));
  CHECK(pending(a) == 0);

  auto issued = server_cli({"codes", "issue", "--data-dir", sdir, "--form", "staff-climate",
                            "--round", "r1", "--count", "5", "--out", (tmp / "slips").string()});
  INFO(issued.err);
  REQUIRE(issued.code == 0);
  std::filesystem::path html, csv, batch;
  for (const auto& e : std::filesystem::directory_iterator(tmp / "slips")) {
    const auto ext = e.path().extension();
    (ext == ".html" ? html : ext == ".csv" ? csv : batch) = e.path();
    if (ext == ".batch") continue;  // digests only: nothing to keep secret
    // Readable by HQ's operator alone: until handed out, a slip is a vote.
    CHECK((std::filesystem::status(e.path()).permissions() & std::filesystem::perms::group_read) ==
          std::filesystem::perms::none);
  }
  REQUIRE(batch.extension() == ".batch");
  const auto codes = csv_codes(csv);
  REQUIRE(codes.size() == 5);
  const std::string sheet = file_text(html);
  for (const auto& c : codes) CHECK(sheet.find(c) != std::string::npos);
  CHECK(sheet.find("<svg") != std::string::npos);
  CHECK(sheet.find("Codes are handed out at random") != std::string::npos);
  CHECK(sheet.find("Les codes sont distribués au hasard") !=
        std::string::npos);  // the form's languages
  CHECK(sheet.find("dir=\"rtl\"") != std::string::npos);
  // The server keeps digests only: no code is anywhere in its folder.
  for (const auto& c : codes) {
    CHECK_FALSE(anywhere_in(server.dir().root, c));
    CHECK_FALSE(anywhere_in(server.dir().root, normalize_response_code(c).canonical));
  }

  for (auto* c : {&a, &b}) {
    auto r = c->sync({});
    INFO(r.status().to_string());
    REQUIRE(r.is_ok());
    REQUIRE(r->codes_received.size() == 1);
    CHECK_THAT(r->codes_received[0], Catch::Contains("5 response codes for staff-climate (r1)"));
  }

  // Offline checks on post A, each with nothing stored.
  const std::string canonical0 = normalize_response_code(codes[0]).canonical;
  std::string typo = canonical0;
  typo[3] = typo[3] == 'X' ? 'Y' : 'X';
  const std::string forged = generate_response_code();  // well formed, never issued
  const std::pair<std::string, std::string> bad[] = {{"", "asks for a response code"},
                                                     {typo, "typing mistake"},
                                                     {forged, "not issued for this survey"}};
  for (const auto& [code, why] : bad) {
    answers = kAnswers;
    auto r = a.submit("staff-climate", "", answers, "en", {}, code);
    INFO(code);
    REQUIRE_FALSE(r.is_ok());
    CHECK_THAT(r.status().message(), Catch::Contains(why));
  }
  CHECK(pending(a) == 0);
  answers = kAnswers;
  REQUIRE(a.submit("staff-climate", "", answers, "en", {}, codes[0])
              .is_ok());  // as printed, with dashes
  answers = kAnswers;
  auto twice = a.submit("staff-climate", "", answers, "en", {}, canonical0);
  CHECK(twice.status().code() == StatusCode::kAlreadyExists);
  CHECK(pending(a) == 1);

  // Post B cannot know that A used codes[0]: it takes it, and codes[1].
  answers = kAnswers;
  REQUIRE(b.submit("staff-climate", "", answers, "en", {}, codes[0]).is_ok());
  answers = kAnswers;
  REQUIRE(b.submit("staff-climate", "", answers, "en", {}, codes[1]).is_ok());
  REQUIRE(a.sync({})->accepted == 1);
  auto second = b.sync({});
  REQUIRE(second.is_ok());
  CHECK(second->accepted == 2);  // kept, never dropped: the collector's copies are done
  CHECK(second->rejected == 0);

  {
    auto store = server.open_store();
    auto st =
        store.db().prepare("SELECT code_flag, count(*) FROM submissions GROUP BY 1 ORDER BY 1");
    REQUIRE(st.is_ok());
    std::vector<std::pair<std::int64_t, std::int64_t>> flags;
    while (*st->step()) flags.emplace_back(st->column_int64(0), st->column_int64(1));
    CHECK(flags == std::vector<std::pair<std::int64_t, std::int64_t>>{{0, 2}, {1, 1}});
  }
  // Out of exports and reports; counted by `codes list`.
  CHECK(exported_rows(server) == 2);
  auto listed = server_cli({"codes", "list", "--data-dir", sdir});
  REQUIRE(listed.code == 0);
  CHECK_THAT(listed.out, Catch::Matches("(.|\\n)*staff-climate +r1 +5 +2 +1 +0 +0(.|\\n)*"));
  {
    // Reports read the analysis store only: the flagged response has no row there.
    auto store = server.open_store();
    auto st = store.db().prepare("SELECT count(*) FROM analysis_rows");
    REQUIRE(st.is_ok());
    REQUIRE(*st->step());
    CHECK(st->column_int64(0) == 2);
  }
  CHECK(
      server_cli({"report", "--data-dir", sdir, "--form", "staff-climate", "--round", "r1"}).code ==
      0);

  // A post that never connects: the batch file on a USB stick, checked
  // against the pinned server key; then its response travels by bundle.
  const std::string island = (tmp / "island").string();
  REQUIRE(collector_cli({"init", "--data-dir", island}).code == 0);
  REQUIRE(collector_cli({"enroll", "--data-dir", island, server.enroll("Island post")}).code == 0);
  {
    std::string tampered = file_text(batch);
    tampered[tampered.size() / 2] ^= 0x01;
    std::ofstream(tmp / "tampered.batch", std::ios::binary) << tampered;
  }
  auto forged_batch =
      collector_cli({"codes", "import", "--data-dir", island, (tmp / "tampered.batch").string()});
  CHECK(forged_batch.code == 1);
  CHECK_THAT(forged_batch.err, Catch::Contains("nothing was changed"));
  const auto forms_file = (tmp / "forms.eqf").string();
  REQUIRE(server_cli({"forms", "export", "--data-dir", sdir, "--out", forms_file}).code == 0);
  {
    // A definition changed on the stick: refused, the rest kept (none here).
    std::string text = file_text(forms_file);
    const auto at = text.find("response_codes");
    REQUIRE(at != std::string::npos);
    text[at] = 'R';
    std::ofstream(tmp / "altered.eqf", std::ios::binary) << text;
    auto altered =
        collector_cli({"forms", "import", "--data-dir", island, (tmp / "altered.eqf").string()});
    CHECK(altered.code == 3);
    CHECK_THAT(altered.out,
               Catch::Contains("Refused staff-climate 2026.2-codes (r1): bad signature"));
  }
  auto got_forms = collector_cli({"forms", "import", "--data-dir", island, forms_file});
  INFO(got_forms.err);
  REQUIRE(got_forms.code == 0);
  CHECK_THAT(got_forms.out, Catch::Contains("Imported form staff-climate 2026.2-codes (r1)"));
  auto imported = collector_cli({"codes", "import", "--data-dir", island, batch.string()});
  INFO(imported.err);
  REQUIRE(imported.code == 0);
  CHECK_THAT(imported.out, Catch::Contains("Imported 5 response codes for staff-climate (r1)"));
  CHECK(collector_cli({"codes", "import", "--data-dir", island, batch.string()}).code ==
        0);  // twice is harmless
  auto island_submit = collector_cli(
      {"submit", "--data-dir", island, "--form", "staff-climate", "--code", codes[2], "-"},
      kAnswers);
  INFO(island_submit.err);
  REQUIRE(island_submit.code == 0);
  const auto bundle = (tmp / "island.eqb").string();
  REQUIRE(collector_cli({"bundle", "export", "--data-dir", island, "--out", bundle}).code == 0);
  auto carried = server_cli({"import", "--data-dir", sdir, bundle});
  INFO(carried.out << carried.err);
  REQUIRE(carried.code == 0);
  {
    auto store = server.open_store();
    auto st = store.db().prepare("SELECT count(*) FROM submissions WHERE code_flag = 0");
    REQUIRE(st.is_ok());
    REQUIRE(*st->step());
    CHECK(st->column_int64(0) == 3);  // the island's response counts, by its own code
  }

  // Neither the collectors' files nor the server's hold a code in clear.
  for (const auto& c : {codes[0], codes[1], canonical0}) {
    CHECK_FALSE(anywhere_in(tmp / "post-a", c));
    CHECK_FALSE(anywhere_in(tmp / "post-b", c));
    CHECK_FALSE(anywhere_in(server.dir().root, c));
  }
}

TEST_CASE(
    "the server's verdict on a code: counted once, then used before: forged, mistyped or missing",
    "[integration][codes]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  const std::string sdir = server.dir().root.string();
  REQUIRE(server_cli({"forms", "publish", "--data-dir", sdir, coded_staff_climate(sdir, tmp),
                      "--round", "r1"})
              .code == 0);
  auto issued = server_cli({"codes", "issue", "--data-dir", sdir, "--form", "staff-climate",
                            "--round", "r1", "--count", "3", "--out", (tmp / "slips").string()});
  REQUIRE(issued.code == 0);
  std::vector<std::string> codes;
  for (const auto& e : std::filesystem::directory_iterator(tmp / "slips")) {
    if (e.path().extension() == ".csv") codes = csv_codes(e.path());
  }
  REQUIRE(codes.size() == 3);
  auto store = server.open_store();
  server::CodeStore cs(store.db());
  using server::CodeFlag;
  CHECK(cs.spend("staff-climate", "r1", codes[0]).value() == CodeFlag::kCounted);
  CHECK(cs.spend("staff-climate", "r1", codes[0]).value() == CodeFlag::kUsedBefore);
  CHECK(cs.spend("staff-climate", "r1", normalize_response_code(codes[0]).canonical).value() ==
        CodeFlag::kUsedBefore);
  CHECK(cs.spend("staff-climate", "r2", codes[1]).value() ==
        CodeFlag::kNotIssued);  // another round's
  CHECK(cs.spend("staff-climate", "r1", generate_response_code()).value() == CodeFlag::kNotIssued);
  CHECK(cs.spend("staff-climate", "r1", "not a code").value() == CodeFlag::kNotIssued);
  CHECK(cs.spend("staff-climate", "r1", "").value() == CodeFlag::kMissing);
  CHECK(cs.spend("staff-climate", "r1", codes[1]).value() == CodeFlag::kCounted);
  // What the used-code table holds: a 16-byte keyed hash per code, nothing else.
  auto st =
      store.db().prepare("SELECT count(*), min(length(mac)), max(length(mac)) FROM used_codes");
  REQUIRE(st.is_ok());
  REQUIRE(*st->step());
  CHECK(st->column_int64(0) == 2);
  CHECK(st->column_int64(1) == 16);
  CHECK(st->column_int64(2) == 16);
}
