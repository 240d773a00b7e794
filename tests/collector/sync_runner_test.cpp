// `collector serve --sync-every`: the background loop keeps what a failed
// sync could not send, retries with backoff, and delivers once the link is
// back. Real server, real WebSocket, a proxy that cuts the link.
#include "web/sync_runner.hpp"

#include <catch2/catch.hpp>
#include <thread>

#include "cutting_proxy.hpp"
#include "fixtures.hpp"

using namespace equitas;
using namespace equitas::collector;

namespace {
template <typename Pred>
bool eventually(Pred pred, std::chrono::seconds limit = std::chrono::seconds(30)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return pred();
}
}  // namespace

TEST_CASE("the background sync loop retries a dead link and delivers when it comes back",
          "[web][sync]") {
  test::TempDir tmp;
  test::TestServer server(tmp.path() / "server");
  server.start();
  test::CuttingProxy proxy(server.port());
  test::CuttingProxy::Plan dead;
  dead.cut_after = 0;  // the satellite link is down: every connection dies at once
  proxy.set_plan(dead);
  auto c = test::make_collector(
      tmp.path() / "c", server.enroll("Post B", "ws://127.0.0.1:" + std::to_string(proxy.port())));
  test::submit_many(c, 5);

  SyncOptions quick;
  quick.connect_timeout = std::chrono::seconds(2);
  quick.reply_timeout = std::chrono::seconds(2);
  // The loop's waits are by its clock: the test moves it, and nobody waits
  // the 30 s of the first retry.
  ManualClock clock(unix_now());
  SyncRunner runner(DataDir{tmp.path() / "c"}, std::chrono::minutes(5), quick,
                    {.unlocker = {}, .clock = &clock});
  REQUIRE(eventually([&] { return runner.snapshot().runs >= 1; }));
  auto failed = runner.snapshot();
  CHECK_FALSE(failed.last_ok);
  CHECK_THAT(failed.last_message,
             Catch::Contains("5 submission(s) kept on this collector, will retry"));
  CHECK(failed.last_finished_at == clock.now());
  CHECK(failed.next_attempt_at == clock.now() + 30);  // sooner than every 5 minutes
  CHECK(c.status()->counts.pending == 5);

  proxy.set_plan(test::CuttingProxy::Plan{});  // the link is back
  clock.advance(30);
  runner.wake();
  REQUIRE(eventually([&] { return runner.snapshot().last_ok; }));
  CHECK_THAT(runner.snapshot().last_message, Catch::Contains("5 accepted"));
  CHECK(c.status()->counts.pending == 0);
  CHECK(test::exported_rows(server) == 5);
  runner.stop();
}
