// Sync over a link that drops: a proxy on 127.0.0.1 cuts the connection
// after N bytes, for offsets spread across a whole sync of 50 submissions,
// in both directions. After every cut the next sync must end with exact
// counts: nothing lost, nothing stored twice, at most one batch resent.
#include <catch2/catch.hpp>

#include "cutting_proxy.hpp"
#include "equitas/wire/envelope.hpp"
#include "fixtures.hpp"

using namespace equitas;
using namespace equitas::test;

namespace {

constexpr int kPerSync = 50;
constexpr std::size_t kBatch = 10;

// 50 valid responses, sealed and queued in one transaction (fast enough to
// repeat hundreds of times).
void queue_responses(collector::Collector& c, int& serial) {
  auto e = c.enrollment();
  REQUIRE(e.is_ok());
  Transaction tx(c.store().db());
  REQUIRE(tx.status().is_ok());
  for (int i = 0; i < kPerSync; ++i, ++serial) {
    const std::string payload = R"({"v":1,"answers":{"consent_ack":true,"eng_proud":")" +
                                std::to_string(1 + serial % 5) +
                                R"("},"submitted_at":"2026-11-23"})";
    const EnvelopeFields f{(*e)->device_id, SubmissionId::random(), 1, "staff-climate", "2026.1"};
    auto env = seal_envelope(f, as_bytes(payload), (*e)->server, c.device_key());
    REQUIRE(env.is_ok());
    REQUIRE(c.store()
                .add_to_outbox(f.submission_id, 1, f.form_id, f.form_version, encode_envelope(*env),
                               unix_now())
                .is_ok());
  }
  REQUIRE(tx.commit().is_ok());
}

std::int64_t scalar(server::ServerStore& s, const char* sql) {
  auto st = s.db().prepare(sql);
  REQUIRE(*st->step());
  return st->column_int64(0);
}

}  // namespace

TEST_CASE("a sync cut at any byte in either direction loses nothing and resends at most one batch",
          "[integration][fault]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  const auto port =
      static_cast<unsigned short>(std::stoi(server.url().substr(server.url().rfind(':') + 1)));
  CuttingProxy proxy(port);
  auto c = make_collector(
      tmp / "c", server.enroll("Satellite post", "ws://127.0.0.1:" + std::to_string(proxy.port())));
  collector::SyncOptions opts;
  opts.max_batch_items = kBatch;
  opts.connect_timeout = std::chrono::seconds(5);
  opts.reply_timeout = std::chrono::seconds(10);
  REQUIRE(c.sync(opts).is_ok());  // registration

  int serial = 0;
  std::int64_t expected = 0;
  // A clean sync of 50 to learn its size in each direction.
  queue_responses(c, serial);
  expected += kPerSync;
  auto clean = c.sync(opts);
  REQUIRE(clean.is_ok());
  REQUIRE(clean->accepted == kPerSync);
  const std::int64_t total_up = proxy.last_up(), total_down = proxy.last_down();
  INFO("a sync of 50 moves " << total_up << " bytes up and " << total_down << " down");
  REQUIRE(total_up > 1000);

  int cuts = 0, cut_failures = 0;
  for (const auto dir : {CuttingProxy::Direction::kUp, CuttingProxy::Direction::kDown}) {
    const std::int64_t total = dir == CuttingProxy::Direction::kUp ? total_up : total_down;
    for (int i = 0; i < 250; ++i) {
      const std::int64_t offset = 1 + (total - 2) * i / 249;
      queue_responses(c, serial);
      expected += kPerSync;
      proxy.set_plan({dir, offset, std::chrono::milliseconds(0), false});
      auto cut = c.sync(opts);
      ++cuts;
      if (!cut.is_ok()) {
        ++cut_failures;
        INFO("offset " << offset << ": " << cut.status().to_string());
        CHECK(cut.status().code() == StatusCode::kUnavailable);
      }
      proxy.set_plan({});
      auto resumed = c.sync(opts);
      INFO((dir == CuttingProxy::Direction::kUp ? "up" : "down")
           << " cut after " << offset << " bytes");
      REQUIRE(resumed.is_ok());
      CHECK(resumed->duplicate <= static_cast<std::int64_t>(kBatch));  // at most one batch resent
      CHECK(resumed->rejected == 0);
      CHECK(resumed->pending_after == 0);
    }
  }
  CHECK(cuts == 500);
  CHECK(cut_failures > 400);  // nearly every offset falls inside the sync
  auto store = server.open_store();
  CHECK(scalar(store, "SELECT COUNT(*) FROM submissions") == expected);
  CHECK(scalar(store, "SELECT COUNT(DISTINCT submission_id) FROM submissions") == expected);
  CHECK(c.status()->counts.synced == expected);
  CHECK(*store.db().integrity_check() == "ok");
  CHECK(*c.store().db().integrity_check() == "ok");
}

TEST_CASE("a link that delivers one byte at a time, slowly, still syncs exactly",
          "[integration][fault]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  const auto port =
      static_cast<unsigned short>(std::stoi(server.url().substr(server.url().rfind(':') + 1)));
  CuttingProxy proxy(port);
  auto c = make_collector(tmp / "c",
                          server.enroll("Post", "ws://127.0.0.1:" + std::to_string(proxy.port())));
  submit_many(c, 5);
  proxy.set_plan({CuttingProxy::Direction::kUp, -1, std::chrono::milliseconds(0), true});
  auto r = c.sync({});
  INFO(r.status().to_string());
  REQUIRE(r.is_ok());
  CHECK(r->accepted == 5);
  CHECK(exported_rows(server) == 5);
}
