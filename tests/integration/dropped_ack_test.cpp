// A man-in-the-middle that swallows the server's Ack but passes pings and
// pongs, so that the connection looks alive: the collector must give up at
// its reply deadline with a retryable error, keep every item pending, and
// deliver them at the next sync without storing anything twice.
#include <catch2/catch.hpp>
#include <future>

#include "cutting_proxy.hpp"
#include "fixtures.hpp"

using namespace equitas;
using namespace equitas::test;

TEST_CASE("a dropped Ack with pings passing ends the sync at the reply deadline: nothing is lost",
          "[integration][fault][deadline]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  CuttingProxy proxy(server.port());
  auto c = make_collector(tmp / "c",
                          server.enroll("Post", "ws://127.0.0.1:" + std::to_string(proxy.port())));
  collector::SyncOptions opts;
  opts.connect_timeout = std::chrono::seconds(5);
  opts.reply_timeout = std::chrono::seconds(2);
  REQUIRE(c.sync(opts).is_ok());  // registration, and the forms

  // What a sync of one batch receives: the server's hello, the Welcome,
  // one FormsUpdate and one DevicesUpdate (nothing new), the Ack (the 5th),
  // then the assessments and codes updates the collector asks for after its
  // batches. The count pins the order the swallowing below relies on.
  CuttingProxy::Plan count_only;
  count_only.swallow_down_from = 1000;
  proxy.set_plan(count_only);
  submit_many(c, 1);
  REQUIRE(c.sync(opts).is_ok());
  REQUIRE(proxy.last_down_messages() == 7);

  submit_many(c, 3);
  CuttingProxy::Plan mitm;
  mitm.swallow_down_from = 5;  // the Ack, and what follows it
  proxy.set_plan(mitm);
  auto pending = std::async(std::launch::async, [&] { return c.sync(opts); });
  // Far beyond the 2 s deadline: this bounds a hang, it does not time one.
  if (pending.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
    FAIL_CHECK("the collector still waits for the swallowed Ack after 60 s");
    server.stop();  // ends the proxied connection, and the wait
  }
  auto r = pending.get();
  REQUIRE_FALSE(r.is_ok());
  INFO(r.status().to_string());
  CHECK(r.status().code() == StatusCode::kDeadlineExceeded);
  CHECK_THAT(r.status().message(),
             Catch::Contains("no reply from the server") && Catch::Contains("within 2 s") &&
                 Catch::Contains("nothing is lost") && Catch::Contains("will retry"));
  auto counts = c.store().counts();
  REQUIRE(counts.is_ok());
  CHECK(counts->pending == 3);

  // The link is honest again: the server had committed the batch, so the
  // resend is acknowledged as duplicates, and nothing is stored twice.
  proxy.set_plan({});
  auto again = c.sync(opts);
  INFO(again.status().to_string());
  REQUIRE(again.is_ok());
  CHECK(again->duplicate == 3);  // the swallowed message was the Ack: the batch was stored
  CHECK(c.store().counts()->pending == 0);
  CHECK(exported_rows(server) == 4);
}
