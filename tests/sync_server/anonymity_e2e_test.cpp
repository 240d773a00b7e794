// Issue 14's end-to-end proof: 200 staff-climate responses from three posts
// travel over real sync (collectors on their own SQLite files, the server on
// loopback WebSocket); one post has a single woman senior manager who left a
// comment. Every path an analyst or a viewer has is then tried: the CLI
// export in each format, the API's download with each role, and the report
// as JSON from the CLI and the API. None may let her be singled out.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <sstream>

#include "export_test_util.hpp"
#include "report_test_util.hpp"

using namespace equitas;
using namespace equitas::test;
namespace http = boost::beast::http;

namespace {

const std::vector<std::string> kQuasi = {"unit",        "dem_sex",       "dem_age",
                                         "dem_grade",   "dem_role",      "dem_service",
                                         "dem_station", "dem_disability"};
const std::string kHerComment = "my supervisor at the island post keeps making remarks about me";

std::string last_line(const std::string& text) {
  std::istringstream in(text);
  std::string line, last;
  while (std::getline(in, line)) {
    if (!line.empty()) last = line;
  }
  return last;
}

// Rows (header first) as text cells, from a CSV export or a workbook's data sheet.
void check_rows(const CsvTable& table, const std::string& where) {
  INFO(where);
  REQUIRE(table.size() == 201);
  const auto& h = table[0];
  for (const char* gone :
       {"submission_id", "device_id", "site", "submitted_at", "received_at", "comment"}) {
    INFO(gone);
    CHECK(std::find(h.begin(), h.end(), gone) == h.end());
  }
  std::vector<std::size_t> qi;
  for (const auto& q : kQuasi) qi.push_back(column(h, q));
  std::map<std::vector<std::string>, int> combos;
  for (std::size_t r = 1; r < table.size(); ++r) {
    std::vector<std::string> key;
    for (std::size_t c : qi) key.push_back(table[r][c]);
    ++combos[key];
    // No row shows a woman senior manager, nor the island post.
    CHECK_FALSE((table[r][column(h, "dem_sex")] == "female" &&
                 table[r][column(h, "dem_grade")] == "senior_manager"));
    CHECK(table[r][column(h, "unit")] != "Island post");
    for (const auto& cell : table[r]) CHECK(cell.find("island post keeps") == std::string::npos);
  }
  // k-anonymity: every combination of unit and breakdown answers, blanks
  // (withheld) included as a value of their own, occurs at least k times.
  for (const auto& [key, n] : combos) {
    const bool all_blank =
        std::all_of(key.begin(), key.end(), [](const std::string& v) { return v.empty(); });
    INFO(n);
    CHECK((all_blank || n >= 10));
  }
}

}  // namespace

TEST_CASE(
    "200 responses over real sync: through every path, the only woman senior manager cannot be "
    "singled out",
    "[anonymity][integration]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  const std::string dir = server.dir().root.string();
  // 120 at the airport, 79 at the northern post, and her alone at the island.
  struct Post {
    std::string site;
    int responses;
  };
  const std::vector<Post> posts = {
      {"Airport", 120}, {"Northern land post", 79}, {"Island post", 1}};
  for (const auto& post : posts) {
    auto c = make_collector(tmp / post.site, server.enroll(post.site));
    for (int i = 0; i < post.responses; ++i) {
      std::string answers;
      if (post.site == "Island post") {
        answers =
            R"({"consent_ack":true,"dem_sex":"female","dem_grade":"senior_manager","dem_age":"45_54",)"
            R"("dem_station":"seaport","eng_proud":"1","comment":")" +
            kHerComment + R"("})";
      } else {
        // Officers and supervisors of both sexes; two men senior managers.
        const bool senior = post.site == "Airport" && i < 2;
        answers = std::string(R"({"consent_ack":true,"dem_sex":")") +
                  (senior || i % 3 ? "male" : "female") + R"(","dem_grade":")" +
                  (senior  ? "senior_manager"
                   : i % 4 ? "officer"
                           : "supervisor") +
                  R"(","dem_age":")" + (i % 2 ? "25_34" : "35_44") + R"(","eng_proud":")" +
                  std::to_string(1 + i % 5) + R"(","comment":"comment )" + std::to_string(i) +
                  " from " + post.site + R"("})";
      }
      auto id = c.submit("staff-climate", "", answers);
      INFO(id.status().to_string());
      REQUIRE(id.is_ok());
    }
    auto synced = c.sync({});
    INFO(synced.status().to_string());
    REQUIRE(synced.is_ok());
  }
  REQUIRE(exported_rows(server, "staff-climate") == 200);

  // The CLI export, to a file (CSV, with the comments beside it) and as a workbook.
  auto r = server_cli(
      {"export", "--data-dir", dir, "--form", "staff-climate", "--out", (tmp / "sc.csv").string()});
  INFO(r.err);
  REQUIRE(r.code == 0);
  check_rows(parse_csv(read_text(tmp / "sc.csv")), "CLI CSV");
  // Free text: a file of its own, answers only, and none from her post.
  const CsvTable comments = parse_csv(read_text(tmp / "sc.comments.csv"));
  CHECK(comments[0] == std::vector<std::string>{"question", "answer"});
  CHECK(comments.size() == 200);  // the 199 from the two large posts
  CHECK(read_text(tmp / "sc.comments.csv").find(kHerComment) == std::string::npos);
  r = server_cli({"export", "--data-dir", dir, "--form", "staff-climate", "--format", "xlsx",
                  "--out", (tmp / "sc.xlsx").string()});
  REQUIRE(r.code == 0);
  {
    CsvTable table;
    const auto sheets = read_xlsx(tmp / "sc.xlsx");
    for (const auto& row : sheets.at("data")) {
      std::vector<std::string> cells;
      for (const auto& c : row) cells.push_back(c.value);
      table.push_back(std::move(cells));
    }
    for (auto& row : table) row.resize(table[0].size());
    check_rows(table, "CLI XLSX");
  }
  r = server_cli({"export", "--data-dir", dir, "--form", "staff-climate", "--format", "jsonl"});
  REQUIRE(r.code == 0);
  CHECK(r.out.find(kHerComment) == std::string::npos);
  CHECK(r.out.find("Island post") == std::string::npos);

  // The API, as the dashboard calls it: a viewer gets no microdata, an
  // analyst gets the same protected export.
  const std::string viewer = last_line(server_cli({"admin-token", "create", "--data-dir", dir,
                                                   "--label", "viewer", "--role", "viewer"})
                                           .out);
  const std::string analyst = last_line(server_cli({"admin-token", "create", "--data-dir", dir,
                                                    "--label", "analyst", "--role", "analyst"})
                                            .out);
  namespace net = boost::asio;
  net::io_context ioc;
  auto fetch = [&](const std::string& target, const std::string& bearer) {
    net::ip::tcp::socket sock(ioc);
    sock.connect({net::ip::make_address("127.0.0.1"), server.port()});
    http::request<http::string_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "127.0.0.1:" + std::to_string(server.port()));
    req.set(http::field::authorization, "Bearer " + bearer);
    http::write(sock, req);
    boost::beast::flat_buffer buf;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    http::read(sock, buf, parser);
    return parser.release();
  };
  CHECK(fetch("/api/v1/exports/staff-climate?format=csv", viewer).result() ==
        http::status::forbidden);
  const auto csv = fetch("/api/v1/exports/staff-climate?format=csv", analyst);
  REQUIRE(csv.result() == http::status::ok);
  check_rows(parse_csv(csv.body()), "API CSV");
  CHECK(csv.body().find("comment 1 from") == std::string::npos);  // a download carries no free text

  // Reports, from the CLI and the API, with every breakdown she is in.
  for (const std::string by :
       {"dem_sex,dem_grade", "dem_grade", "dem_grade,dem_station", "dem_sex,dem_age"}) {
    INFO(by);
    r = server_cli({"report", "--data-dir", dir, "--form", "staff-climate", "--by", by, "--json"});
    REQUIRE(r.code == 0);
    const auto cli = boost::json::parse(r.out);
    const auto api = fetch("/api/v1/reports/staff-climate?by=" + by, viewer);
    REQUIRE(api.result() == http::status::ok);
    for (const auto& report : {cli, boost::json::parse(api.body())}) {
      for_each_shown_n(report, [](std::int64_t n) { CHECK(n >= 10); });
      CHECK(boost::json::serialize(report).find(kHerComment) == std::string::npos);
      // The operations block names the posts (devices sync from them), and
      // hides a post's count under k.
      const auto& ops = report.at("operations").at("sites").as_array();
      for (const auto& s : ops) {
        if (s.at("site") == "Island post") CHECK(s.at("responses").at("suppressed") == true);
      }
    }
    if (by == "dem_grade") {
      const auto& senior = group(cli.at("periods").at(0).at("survey").at("responses").as_array(),
                                 {{"dem_grade", "senior_manager"}});
      CHECK(senior.at("suppressed") == true);  // three senior managers in all
    }
  }
}
