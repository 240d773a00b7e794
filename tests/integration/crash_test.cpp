// kill -9 of the real sync-server binary between receiving a batch and
// acknowledging it: nothing acknowledged is lost, and the resync after a
// restart creates no duplicate.
#include <signal.h>

#include <catch2/catch.hpp>
#include <regex>

#include "fixtures.hpp"
#include "process.hpp"

using namespace equitas;
using namespace equitas::test;

namespace {

std::string start_and_get_url(ChildProcess& server) {
  auto line = server.read_line(std::chrono::seconds(10));
  REQUIRE(line.has_value());
  std::smatch m;
  REQUIRE(std::regex_search(*line, m, std::regex("(ws://[0-9.]+:[0-9]+)/sync")));
  return m[1];
}

void check_integrity(const std::filesystem::path& db_path) {
  auto db = Database::open(db_path);
  REQUIRE(db.is_ok());
  auto check = db->integrity_check();
  REQUIRE(check.is_ok());
  CHECK(*check == "ok");
}

}  // namespace

TEST_CASE("kill -9 of the server around the commit loses nothing and duplicates nothing",
          "[integration][crash]") {
  const std::string fault =
      GENERATE(std::string("crash-before-commit"), std::string("crash-after-commit"));
  INFO("fault point: " << fault);
  TempDir tmp;
  const std::string data = (tmp / "server").string();
  REQUIRE(run_command({bin_path("sync-server"), "init", "--data-dir", data}).exit_code == 0);

  std::string url;
  std::optional<collector::Collector> c;
  {
    ChildProcess server(
        {bin_path("sync-server"), "serve", "--data-dir", data, "--listen", "127.0.0.1:0"},
        {{"EQUITAS_FAULT", fault}});
    url = start_and_get_url(server);
    auto enroll = run_command({bin_path("sync-server"), "device", "enroll", "--data-dir", data,
                               "--site", "Crash post", "--url", url});
    REQUIRE(enroll.exit_code == 0);
    c.emplace(make_collector(tmp / "collector", enroll.out));
    submit_many(*c, 50);

    auto r = c->sync({});
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().code() == StatusCode::kUnavailable);
    CHECK(server.wait() == 128 + SIGKILL);
  }
  // Nothing was acknowledged, so everything is still pending here.
  REQUIRE(c->status()->counts.pending == 50);

  // Restart on the same port (the URL is pinned in the collector).
  const std::string listen = url.substr(std::string("ws://").size());
  ChildProcess server({bin_path("sync-server"), "serve", "--data-dir", data, "--listen", listen});
  REQUIRE(start_and_get_url(server) == url);
  auto r = c->sync({});
  INFO(r.status().to_string());
  REQUIRE(r.is_ok());
  CHECK(r->sent == 50);
  if (fault == "crash-after-commit") {
    CHECK(r->duplicate == 50);  // durable before the crash: recognised, not re-added
  } else {
    CHECK(r->accepted == 50);  // rolled back by the crash: stored now
  }
  CHECK(r->pending_after == 0);
  server.kill(SIGTERM);
  CHECK(server.wait() == 0);

  auto export_run = run_command({bin_path("sync-server"), "export", "--data-dir", data, "--form",
                                 "staff-climate", "--format", "jsonl"});
  REQUIRE(export_run.exit_code == 0);
  CHECK(std::count(export_run.out.begin(), export_run.out.end(), '\n') == 50);
  check_integrity(tmp / "server" / "server.db");
  check_integrity(tmp / "collector" / "collector.db");
}

TEST_CASE("sync --watch retries an unreachable server with backoff and syncs when it comes back",
          "[integration][watch]") {
  TempDir tmp;
  const std::string data = (tmp / "server").string();
  const std::string col = (tmp / "collector").string();
  REQUIRE(run_command({bin_path("sync-server"), "init", "--data-dir", data}).exit_code == 0);
  std::string url;
  {
    ChildProcess server(
        {bin_path("sync-server"), "serve", "--data-dir", data, "--listen", "127.0.0.1:0"});
    url = start_and_get_url(server);
    auto code = run_command({bin_path("sync-server"), "device", "enroll", "--data-dir", data,
                             "--site", "Post", "--url", url});
    REQUIRE(code.exit_code == 0);
    REQUIRE(run_command({bin_path("collector"), "init", "--data-dir", col}).exit_code == 0);
    REQUIRE(run_command({bin_path("collector"), "enroll", "--data-dir", col, code.out}).exit_code ==
            0);
    for (int i = 0; i < 3; ++i) {
      REQUIRE(run_command({bin_path("collector"), "submit", "--data-dir", col, "--form",
                           "staff-climate", "-"},
                          R"({"consent_ack":true,"eng_proud":"4"})")
                  .exit_code == 0);
    }
    server.kill(SIGTERM);
    REQUIRE(server.wait() == 0);
  }
  ChildProcess watcher(
      {bin_path("collector"), "sync", "--data-dir", col, "--watch", "--every", "1", "--json"});
  auto first = watcher.read_line(std::chrono::seconds(20));
  REQUIRE(first.has_value());
  CHECK_THAT(*first, Catch::Contains("\"event\":\"failed\""));
  CHECK_THAT(*first, Catch::Contains("\"retryable\":true"));

  const std::string listen = url.substr(std::string("ws://").size());
  ChildProcess server({bin_path("sync-server"), "serve", "--data-dir", data, "--listen", listen});
  REQUIRE(start_and_get_url(server) == url);
  bool progressed = false, done = false;
  for (int i = 0; i < 40 && !done; ++i) {
    auto line = watcher.read_line(std::chrono::seconds(20));
    REQUIRE(line.has_value());
    progressed = progressed || line->find("\"event\":\"progress\"") != std::string::npos;
    done = line->find("\"event\":\"done\"") != std::string::npos &&
           line->find("\"pending\":0") != std::string::npos;
  }
  CHECK(progressed);
  CHECK(done);
  watcher.kill(SIGTERM);
  CHECK(watcher.wait() == 0);
  auto status = run_command({bin_path("collector"), "status", "--data-dir", col, "--json"});
  CHECK_THAT(status.out, Catch::Contains("\"pending\":0"));
  CHECK_THAT(status.out, Catch::Contains("\"synced\":3"));
}
