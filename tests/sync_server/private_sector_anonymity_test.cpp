// The private-sector integrity survey (integrity-perception-private) is
// anonymous like the officials' one, and its quasi-identifiers are the
// business's banded facts: sector, size and how often it deals with customs.
// A trader community at a border office is small and known, so the one large
// customs broker there must not be found from an export or a report.
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include "export_test_util.hpp"
#include "report_test_util.hpp"

using namespace equitas;
using namespace equitas::test;

TEST_CASE(
    "private sector survey: the only large customs broker at a border office cannot be singled out",
    "[anonymity][export][report]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  const std::string his_comment =
      "As the only big broker here I pay the night shift to clear our trucks";
  const std::string form = "integrity-perception-private";
  {
    auto store = server.open_store();
    use_secret(store, 9);
    const DeviceId port = add_device(store, "Port office");
    const DeviceId airport = add_device(store, "Airport office");
    for (int i = 0; i < 30; ++i) {
      add_submission(store, port, form, "2026.1",
                     std::string(R"({"consent_ack":true,"biz_sector":"trader","biz_size":")") +
                         (i % 2 ? "lt10" : "10_49") +
                         R"(","biz_frequency":"weekly","t01_1":"4","comment":"trader )" +
                         std::to_string(i) + R"("})");
    }
    add_submission(
        store, port, form, "2026.1",
        R"({"consent_ack":true,"biz_sector":"broker","biz_size":"250p","biz_frequency":"daily",)"
        R"("t01_1":"1","comment":")" +
            his_comment + R"("})");
    for (int i = 0; i < 20; ++i) {
      add_submission(store, airport, form, "2026.1",
                     R"({"consent_ack":true,"biz_sector":"carrier_forwarder","biz_size":"10_49",)"
                     R"("biz_frequency":"monthly","t01_1":"3"})");
    }
  }
  const std::string dir = server.dir().root.string();
  const auto run =
      server_cli({"export", "--data-dir", dir, "--form", form, "--out", (tmp / "p.csv").string()});
  INFO(run.err);
  REQUIRE(run.code == 0);
  const std::string text = read_text(tmp / "p.csv");
  CHECK(text.find(his_comment) == std::string::npos);
  const CsvTable table = parse_csv(text);
  REQUIRE(table.size() == 52);
  const auto& h = table[0];
  std::vector<std::size_t> qi;
  for (const char* q : {"unit", "biz_sector", "biz_size", "biz_frequency"})
    qi.push_back(column(h, q));
  std::map<std::vector<std::string>, int> combos;
  for (std::size_t r = 1; r < table.size(); ++r) {
    std::vector<std::string> key;
    for (std::size_t c : qi) key.push_back(table[r][c]);
    ++combos[key];
    CHECK(table[r][column(h, "biz_sector")] != "broker");
    CHECK(table[r][column(h, "biz_size")] != "250p");
    CHECK(table[r][column(h, "biz_frequency")] != "daily");
  }
  for (const auto& [key, n] : combos) {
    const bool all_blank =
        std::all_of(key.begin(), key.end(), [](const std::string& v) { return v.empty(); });
    INFO(n);
    CHECK((all_blank || n >= 10));
  }
  // The thirty traders keep their facts: a safe group is never touched.
  int traders = 0;
  for (std::size_t r = 1; r < table.size(); ++r)
    traders += table[r][column(h, "biz_sector")] == "trader";
  CHECK(traders == 30);
  // His words leave only in the comments file: no other column, shuffled,
  // and never beside his business's facts.
  const CsvTable comments = parse_csv(read_text(tmp / "p.comments.csv"));
  CHECK(comments[0] == std::vector<std::string>{"question", "answer"});
  CHECK(comments.size() == 32);

  // Reports with every breakdown pair: no shown group under k, his cell hidden.
  for (const std::string by :
       {"biz_sector,biz_size", "biz_sector,biz_frequency", "biz_size", "biz_frequency"}) {
    INFO(by);
    const auto r = server_cli({"report", "--data-dir", dir, "--form", form, "--by", by, "--json"});
    REQUIRE(r.code == 0);
    const auto report = boost::json::parse(r.out);
    for_each_shown_n(report, [](std::int64_t n) { CHECK(n >= 10); });
    CHECK(r.out.find(his_comment) == std::string::npos);
  }
  const auto r =
      server_cli({"report", "--data-dir", dir, "--form", form, "--by", "biz_sector", "--json"});
  const auto report = boost::json::parse(r.out);
  const auto& groups = report.at("periods").at(0).at("survey").at("responses").as_array();
  CHECK(group(groups, {{"biz_sector", "broker"}}).at("suppressed") == true);
}
