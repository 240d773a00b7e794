// Evidence files in a team assessment (issues 16 and 18): two members at
// two posts attach photos to the same GEOAT indicator at the same time;
// the merged record keeps both, each content once. A member then adds a
// third, saving the whole list (the others by reference, without keys), and
// the server takes the references it already holds; a reference to a file
// it never received is refused. The member's own unsynced entries keep no
// file key on the collector's disk.
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <set>

#include "fixtures.hpp"
#include "sample_files.hpp"
#include "team_fixtures.hpp"

using namespace equitas;
using namespace equitas::test;

namespace {

CliResult contribute(const std::filesystem::path& dir, const std::string& id,
                     const std::string& role, const std::string& answers) {
  return collector_cli({"submit", "--data-dir", dir.string(), "--form", "geoat-2023",
                        "--assessment", id, "--role", role, "-"},
                       answers);
}

boost::json::array merged_files(const TestServer& server, const std::string& id,
                                const char* field) {
  auto r =
      server_cli({"assessment", "show", "--data-dir", server.dir().root.string(), id, "--json"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  const auto view = boost::json::parse(r.out).as_object();
  const auto& f = view.at("fields").at(field).as_object();
  CHECK_FALSE(f.at("disagreement").as_bool());
  return f.at("value").as_array();
}

std::string write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
  return path.string();
}

}  // namespace

TEST_CASE(
    "team evidence files: concurrent photos are united, a member adds to the list by reference",
    "[integration][assessment][files]") {
  TeamServer team;
  auto& [tmp, server, data, id] = team;
  auto a = make_collector(tmp / "a", server.enroll("Land post"));
  auto b = make_collector(tmp / "b", server.enroll("Airport"));
  REQUIRE(a.sync({}).is_ok());
  REQUIRE(b.sync({}).is_ok());

  // Both from the same merged version: concurrent.
  const std::string room = fake_jpeg(90 * 1024, "CANARY-team-room-77a1");
  const std::string cubicle = fake_jpeg(60 * 1024);
  auto ra = contribute(
      tmp / "a", id, "hr",
      R"({"x_a_1": "3", "x_a_1_files": ["@)" + write_bytes(tmp / "room.jpg", room) + R"("]})");
  INFO(ra.err);
  REQUIRE(ra.code == 0);
  auto rb =
      contribute(tmp / "b", id, "gender_cell",
                 R"({"x_a_1_files": ["@)" + write_bytes(tmp / "cubicle.jpg", cubicle) + R"("]})");
  INFO(rb.err);
  REQUIRE(rb.code == 0);
  // The member's unsynced entries are readable on the collector; the file
  // key is not in them (it is only in the sealed envelope).
  {
    auto entries = a.store().unmerged_entries(id);
    REQUIRE(entries.is_ok());
    const auto files = std::find_if(entries->begin(), entries->end(),
                                    [](const auto& e) { return e.field == "x_a_1_files"; });
    REQUIRE(files != entries->end());
    CHECK(files->value.find("\"key\"") == std::string::npos);
    CHECK(files->value.find(sha256_hex(room)) != std::string::npos);
  }
  REQUIRE(a.sync({})->files_sent == 1);
  REQUIRE(b.sync({})->files_sent == 1);
  auto both = merged_files(server, id, "x_a_1_files");
  REQUIRE(both.size() == 2);

  // A adds a third: the list as merged (no keys) plus the new one.
  REQUIRE(a.sync({}).is_ok());  // the merged record
  const std::string policy = fake_pdf("lactation room policy");
  boost::json::array list = both;
  const std::string answers = R"({"x_a_1_files": )" +
                              boost::json::serialize(list).insert(
                                  1, "\"@" + write_bytes(tmp / "policy.pdf", policy) + "\",") +
                              "}";
  auto rc = contribute(tmp / "a", id, "hr", answers);
  INFO(rc.err);
  REQUIRE(rc.code == 0);
  auto synced = a.sync({});
  REQUIRE(synced.is_ok());
  CHECK(synced->accepted == 1);
  CHECK(synced->files_sent == 1);  // only the new one travels
  auto three = merged_files(server, id, "x_a_1_files");
  REQUIRE(three.size() == 3);
  std::set<std::string> shas;
  for (const auto& r : three) shas.insert(std::string(r.at("sha256").as_string()));
  CHECK(shas == std::set<std::string>{sha256_hex(room), sha256_hex(cubicle), sha256_hex(policy)});
  // And every one of them is held, byte for byte.
  const auto zip = tmp / "geoat.zip";
  auto ex = server_cli({"export", "--data-dir", data, "--form", "geoat-2023", "--with-files",
                        "--out", zip.string()});
  INFO(ex.err);
  REQUIRE(ex.code == 0);
  const auto entries = read_zip(zip);
  CHECK(entries.at("files/" + sha256_hex(room) + ".jpg") == room);
  CHECK(entries.at("files/" + sha256_hex(cubicle) + ".jpg") == cubicle);
  CHECK(entries.at("files/" + sha256_hex(policy) + ".pdf") == policy);

  // A reference to a file no response ever brought is refused, with why.
  boost::json::object forged = three.at(0).as_object();
  forged["id"] = std::string(32, 'a');
  forged["sha256"] = std::string(64, 'b');
  auto rd = contribute(tmp / "b", id, "gender_cell",
                       R"({"x_a_1_files": [)" + boost::json::serialize(forged) + "]}");
  REQUIRE(rd.code == 0);  // the collector cannot tell; the server can
  auto refused = b.sync({});
  REQUIRE(refused.is_ok());
  CHECK(refused->rejected == 1);
  REQUIRE_FALSE(refused->rejections.empty());
  CHECK_THAT(refused->rejections.front(), Catch::Contains("no earlier response brought it"));
  CHECK(merged_files(server, id, "x_a_1_files").size() == 3);
}
