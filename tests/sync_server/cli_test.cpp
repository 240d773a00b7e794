#include <sys/stat.h>

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <set>

#include "fixtures.hpp"
#include "server_cli.hpp"

using namespace equitas;
using namespace equitas::test;

TEST_CASE("sync-server commands explain themselves and reject bad usage", "[server][cli]") {
  CHECK(server_cli({}).code == 2);
  CHECK_THAT(server_cli({"--help"}).out, Catch::Contains("sync-server device enroll"));
  for (std::vector<std::string> cmd : {std::vector<std::string>{"init"},
                                       {"serve"},
                                       {"device", "enroll"},
                                       {"device", "list"},
                                       {"device", "revoke"},
                                       {"export"}}) {
    cmd.push_back("--help");
    auto h = server_cli(cmd);
    CHECK(h.code == 0);
    CHECK_THAT(h.out, Catch::Contains("sync-server " + cmd[0]));
  }
  CHECK(server_cli({"device", "destroy"}).code == 2);
  CHECK_THAT(server_cli({"devices", "list"}).err,
             Catch::Contains("unknown command 'devices' (did you mean 'device'?)"));
  CHECK_THAT(
      server_cli({"admin-token", "revok", "3"}).err,
      Catch::Contains("unknown command 'admin-token revok' (did you mean 'admin-token revoke'?)"));
  CHECK_THAT(server_cli({"export"}).err, Catch::Contains("--data-dir is required"));
}

// Derived from the program itself, so a command added later is walked too.
TEST_CASE("every sync-server command and group answers --help, and the usage names them all",
          "[server][cli]") {
  const std::string usage = server_cli({"--help"}).out;
  std::set<std::string> groups;
  for (const std::string& name : server::command_names()) {
    INFO(name);
    CHECK_THAT(usage, Catch::Contains("sync-server " + name + " "));
    const std::vector<std::string> words = command_words(name);
    if (words.size() > 1) groups.insert(words[0]);
    for (const char* flag : {"--help", "-h"}) {
      std::vector<std::string> args = words;
      args.push_back(flag);
      auto h = server_cli(args);
      CHECK(h.code == 0);
      CHECK_THAT(h.out, Catch::StartsWith("sync-server " + name));
      CHECK(h.err.empty());
    }
  }
  CHECK(groups == std::set<std::string>{"action", "admin-token", "administration", "assessment",
                                        "codes", "device", "forms", "headcounts", "key", "units"});
  for (const std::string& group : groups) {
    INFO(group);
    auto h = server_cli({group, "--help"});
    CHECK(h.code == 0);
    CHECK_THAT(h.out, Catch::Contains("sync-server " + group + " "));
    CHECK(h.err.empty());
    auto alone = server_cli({group});
    CHECK(alone.code == 2);
    CHECK(alone.out.empty());
    CHECK_THAT(alone.err, Catch::Contains("sync-server " + group + " "));
  }
  const std::string device = server_cli({"device", "-h"}).out;
  for (const char* sub : {"enroll", "list", "revoke"})
    CHECK_THAT(device, Catch::Contains(std::string("sync-server device ") + sub));
}

TEST_CASE("init creates private files once and prints the admin token once", "[server][cli]") {
  TempDir tmp;
  const std::string dir = (tmp / "s").string();
  auto r = server_cli({"init", "--data-dir", dir});
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("eqa_"));
  for (const char* f : {"server.key", "server.db"}) {
    struct stat st {};
    REQUIRE(::stat((tmp / "s" / f).c_str(), &st) == 0);
    CHECK((st.st_mode & 0077) == 0);
  }
  auto again = server_cli({"init", "--data-dir", dir});
  CHECK(again.code == 1);
  CHECK_THAT(again.err, Catch::Contains("refusing to overwrite"));
  // The token is stored only as a hash.
  CHECK(read_all_files(tmp / "s").find(r.out.substr(r.out.find("eqa_"), 30)) == std::string::npos);
}

TEST_CASE("sync-server init refuses a collector's folder, and collector init a server's",
          "[server][cli]") {
  TempDir tmp;
  const std::string collector_dir = (tmp / "c").string(), server_dir = (tmp / "s").string();
  REQUIRE(collector_cli({"init", "--data-dir", collector_dir}).code == 0);
  auto server_there = server_cli({"init", "--data-dir", collector_dir});
  CHECK(server_there.code == 1);
  CHECK_THAT(
      server_there.err,
      Catch::Contains(collector_dir + " is a collector's data folder (it holds collector.db)"));
  CHECK_THAT(server_there.err, Catch::Contains("give sync-server init another --data-dir"));
  CHECK_FALSE(std::filesystem::exists(tmp / "c" / "server.key"));
  CHECK_FALSE(std::filesystem::exists(tmp / "c" / "server.db"));

  REQUIRE(server_cli({"init", "--data-dir", server_dir}).code == 0);
  auto collector_there = collector_cli({"init", "--data-dir", server_dir});
  CHECK(collector_there.code == 1);
  CHECK_THAT(collector_there.err,
             Catch::Contains(server_dir + " is a sync-server's data folder (it holds server.db)"));
  CHECK_THAT(collector_there.err, Catch::Contains("give collector init another --data-dir"));
  CHECK_FALSE(std::filesystem::exists(tmp / "s" / "device.key"));
  CHECK_FALSE(std::filesystem::exists(tmp / "s" / "collector.db"));

  // Only the key left (the database deleted): still refused.
  std::filesystem::remove(tmp / "c" / "collector.db");
  CHECK_THAT(server_cli({"init", "--data-dir", collector_dir}).err,
             Catch::Contains("(it holds device.key)"));
}

TEST_CASE("device enroll, list and revoke", "[server][cli]") {
  TempDir tmp;
  const std::string dir = (tmp / "s").string();
  REQUIRE(server_cli({"init", "--data-dir", dir}).code == 0);
  auto code = server_cli(
      {"device", "enroll", "--data-dir", dir, "--site", "Port of Entry 4", "--expires", "2d"});
  REQUIRE(code.code == 0);
  CHECK(code.out.rfind("EQ1-", 0) == 0);
  CHECK(std::count(code.out.begin(), code.out.end(), '\n') == 1);
  CHECK(server_cli({"device", "enroll", "--data-dir", dir, "--site", "X", "--expires", "soon"})
            .code == 1);
  CHECK(server_cli({"device", "enroll", "--data-dir", dir, "--site", "X", "--url", "http://x"})
            .code == 1);

  auto list = server_cli({"device", "list", "--data-dir", dir, "--json"});
  REQUIRE(list.code == 0);
  auto arr = boost::json::parse(list.out).as_array();
  REQUIRE(arr.size() == 1);
  CHECK(arr[0].at("state").as_string() == "pending");
  const std::string id(arr[0].at("device_id").as_string());

  CHECK(server_cli({"device", "revoke", "--data-dir", dir, "nothex"}).code == 1);
  CHECK_THAT(server_cli({"device", "revoke", "--data-dir", dir, std::string(32, 'a')}).err,
             Catch::Contains("no device"));
  REQUIRE(server_cli({"device", "revoke", "--data-dir", dir, id}).code == 0);
  CHECK_THAT(server_cli({"device", "list", "--data-dir", dir}).out, Catch::Contains("revoked"));
}

TEST_CASE("export writes a file atomically and refuses unknown formats", "[server][cli]") {
  TempDir tmp;
  const std::string dir = (tmp / "s").string();
  REQUIRE(server_cli({"init", "--data-dir", dir}).code == 0);
  CHECK(server_cli({"export", "--data-dir", dir, "--form", "f", "--format", "xml"}).code == 1);
  const std::string out = (tmp / "out.csv").string();
  auto r = server_cli({"export", "--data-dir", dir, "--form", "f", "--out", out});
  REQUIRE(r.code == 0);
  CHECK(std::filesystem::exists(out));
  CHECK_FALSE(std::filesystem::exists(out + ".partial"));
  CHECK(server_cli({"export", "--data-dir", (tmp / "nope").string(), "--form", "f"}).code == 1);
}
