// The stolen-laptop check with kill -9: the real collector binary submits a
// response holding a canary answer and is killed (SIGKILL) at many points
// during submit, from process start through sealing and the commit. After
// every kill, no file in the data folder (database, -wal, -shm, -journal)
// nor in SQLite's temporary folder holds the canary, and the database is
// intact. sync_test.cpp ("no answer text is left ...") checks the same
// in-process, after clean submits.
#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <thread>

#include "fixtures.hpp"
#include "process.hpp"

using namespace equitas;
using namespace equitas::test;

TEST_CASE("kill -9 during submit leaves the canary answer in none of the collector's files",
          "[integration][security][crash]") {
  TempDir tmp;
  const auto post = tmp / "post";
  const auto sqlite_tmp = tmp / "sqlite-tmp";
  std::filesystem::create_directories(sqlite_tmp);
  {
    TestServer server(tmp / "server");
    auto c = make_collector(post, server.enroll("Stolen post", "ws://127.0.0.1:9"));
  }
  const std::string canary = "CANARY-kill9-4d1f0a-answer";
  const auto answers = tmp / "answers.json";  // outside the data folder, as a USB stick would be
  std::ofstream(answers) << R"({"consent_ack":true,"dem_sex":"female","comment":")" << canary
                         << R"("})";
  const std::vector<std::string> argv{bin_path("collector"), "submit", "--data-dir",
                                      post.string(),         "--form", "staff-climate",
                                      answers.string()};
  const std::map<std::string, std::string> env{{"TMPDIR", sqlite_tmp.string()},
                                               {"SQLITE_TMPDIR", sqlite_tmp.string()}};

  // One undisturbed run gives the span to spread the kills over.
  const auto start = std::chrono::steady_clock::now();
  {
    ChildProcess full(argv, env);
    REQUIRE(full.wait() == 0);
  }
  const auto span = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - start);

  constexpr int kKills = 40;
  int killed = 0;
  for (int i = 0; i < kKills; ++i) {
    ChildProcess child(argv, env, true);
    std::this_thread::sleep_for(span * i / kKills);
    child.kill(SIGKILL);
    killed += child.wait() == 128 + SIGKILL;
    INFO("after a kill at " << i << "/" << kKills << " of the submit's run time");
    REQUIRE(read_all_files(post).find(canary) == std::string::npos);
    REQUIRE(read_all_files(sqlite_tmp).find(canary) == std::string::npos);
  }
  CHECK(killed > 0);  // some kills really landed mid-run

  auto db = Database::open(post / "collector.db");
  REQUIRE(db.is_ok());
  CHECK(*db->integrity_check() == "ok");
  CHECK(read_all_files(post).find("CANARY") == std::string::npos);
}
