// End to end over real WebSocket connections on 127.0.0.1, with real SQLite
// files and real keys: the collector library talks to an in-process server.
#include <catch2/catch.hpp>

#include "equitas/wire/envelope.hpp"
#include "fixtures.hpp"

using namespace equitas;
using namespace equitas::test;

namespace {

std::int64_t pending(collector::Collector& c) {
  auto s = c.status();
  REQUIRE(s.is_ok());
  return s->counts.pending;
}

std::int64_t count_rows(server::ServerStore& store, const std::string& sql) {
  auto st = store.db().prepare(sql);
  REQUIRE(st.is_ok());
  auto row = st->step();
  REQUIRE(row.is_ok());
  REQUIRE(*row);
  return st->column_int64(0);
}

void flip_bit_in_outbox(collector::Collector& c, std::int64_t seq, std::size_t byte) {
  auto st = c.store().db().prepare("SELECT envelope FROM outbox WHERE seq = ?1");
  REQUIRE(st.is_ok());
  st->bind(1, seq);
  REQUIRE(*st->step());
  Bytes env = st->column_blob(0);
  REQUIRE(byte < env.size());
  env[byte] ^= 0x01;
  auto upd = c.store().db().prepare("UPDATE outbox SET envelope = ?2 WHERE seq = ?1");
  REQUIRE(upd.is_ok());
  REQUIRE(upd->bind(1, seq).bind(2, ByteView(env)).run().is_ok());
}

}  // namespace

TEST_CASE("100 responses sync once, and a second sync adds nothing", "[integration][sync]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  auto c = make_collector(tmp / "collector", server.enroll("Land post 7"));
  submit_many(c, 100);
  REQUIRE(pending(c) == 100);

  auto first = c.sync({});
  INFO(first.status().to_string());
  REQUIRE(first.is_ok());
  CHECK(first->registered_now);
  CHECK(first->sent == 100);
  CHECK(first->accepted == 100);
  CHECK(first->rejected == 0);
  CHECK(first->pending_after == 0);
  CHECK(exported_rows(server) == 100);

  auto second = c.sync({});
  REQUIRE(second.is_ok());
  CHECK(second->sent == 0);
  CHECK(pending(c) == 0);
  CHECK(exported_rows(server) == 100);

  auto store = server.open_store();
  CHECK(count_rows(
            store,
            "SELECT COUNT(*) FROM devices WHERE status = 'active' AND last_seen_at IS NOT NULL") ==
        1);
}

TEST_CASE("resending already-acknowledged envelopes gives duplicates, not new rows",
          "[integration][sync]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  auto c = make_collector(tmp / "collector", server.enroll("Airport"));
  submit_many(c, 20);
  REQUIRE(c.sync({}).is_ok());
  // As if the acks had been lost: the collector believes all 20 are pending.
  REQUIRE(c.store().db().exec("UPDATE outbox SET state = 'pending'").is_ok());
  auto again = c.sync({});
  REQUIRE(again.is_ok());
  CHECK(again->sent == 20);
  CHECK(again->duplicate == 20);
  CHECK(again->accepted == 0);
  CHECK(exported_rows(server) == 20);
}

TEST_CASE("a different response under an existing id and revision is kept as a conflict",
          "[integration][sync]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  auto c = make_collector(tmp / "collector", server.enroll("Port"));
  submit_many(c, 2);
  REQUIRE(c.sync({}).is_ok());
  // The first response comes back under the same id and revision with other
  // answers (a restored backup, a buggy client): a valid, signed envelope
  // whose bytes differ from what the server holds.
  auto row = c.store().db().prepare("SELECT envelope FROM outbox ORDER BY seq LIMIT 1");
  REQUIRE(row.is_ok());
  REQUIRE(*row->step());
  auto first_env = decode_envelope(row->column_blob(0));
  REQUIRE(first_env.is_ok());
  auto enrolled = c.enrollment();
  REQUIRE(enrolled.is_ok());
  const std::string other =
      R"({"v":1,"answers":{"consent_ack":true,"eng_proud":"2"},"submitted_at":"2026-01-01"})";
  auto conflicting =
      seal_envelope({first_env->device_id, first_env->submission_id, 1, "staff-climate", "2026.1"},
                    as_bytes(other), (*enrolled)->server, c.device_key());
  REQUIRE(conflicting.is_ok());
  auto upd = c.store().db().prepare(
      "UPDATE outbox SET envelope = ?1, state = 'pending' WHERE seq = (SELECT MIN(seq) FROM "
      "outbox)");
  REQUIRE(upd.is_ok());
  REQUIRE(upd->bind(1, ByteView(encode_envelope(*conflicting))).run().is_ok());

  auto r = c.sync({});
  INFO(r.status().to_string());
  REQUIRE(r.is_ok());
  CHECK(r->conflict == 1);
  CHECK(r->pending_after == 0);
  auto store = server.open_store();
  CHECK(count_rows(store, "SELECT COUNT(*) FROM submission_conflicts") == 1);
  CHECK(count_rows(store, "SELECT COUNT(*) FROM submissions WHERE conflict = 1") == 1);
  CHECK(exported_rows(server) == 2);
}

TEST_CASE("a revoked device is refused with a clear error and keeps its pending data",
          "[integration][sync]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  auto c = make_collector(tmp / "collector", server.enroll("Post 3"));
  submit_many(c, 3);
  REQUIRE(c.sync({}).is_ok());
  submit_many(c, 5);

  auto enrolled = c.enrollment();
  REQUIRE(enrolled.is_ok());
  const auto r = server_cli({"device", "revoke", "--data-dir", server.dir().root.string(),
                             (*enrolled)->device_id.to_string()});
  REQUIRE(r.code == 0);

  auto refused = c.sync({});
  REQUIRE_FALSE(refused.is_ok());
  CHECK(refused.status().code() == StatusCode::kPermissionDenied);
  CHECK_THAT(refused.status().message(), Catch::Contains("revoked"));
  CHECK_THAT(refused.status().message(), Catch::Contains("5 submissions kept"));
  CHECK(pending(c) == 5);
  CHECK(exported_rows(server) == 3);
}

TEST_CASE("a tampered envelope is rejected with its reason and the rest of the batch is accepted",
          "[integration][sync]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  auto c = make_collector(tmp / "collector", server.enroll("Post 9"));
  submit_many(c, 10);
  // Flip one bit inside the sealed payload of the fifth envelope.
  flip_bit_in_outbox(c, 5, 60);
  auto r = c.sync({});
  REQUIRE(r.is_ok());
  CHECK(r->accepted == 9);
  CHECK(r->rejected == 1);
  REQUIRE(r->rejections.size() == 1);
  CHECK_THAT(r->rejections[0], Catch::Contains("bad signature"));
  CHECK(exported_rows(server) == 9);
  auto s = c.status();
  REQUIRE(s.is_ok());
  CHECK(s->counts.rejected == 1);
  CHECK(s->counts.pending == 0);
}

TEST_CASE("a server whose key does not match the pinned key is refused", "[integration][sync]") {
  TempDir tmp;
  TestServer real(tmp / "real");
  TestServer impostor(tmp / "impostor");
  real.start();
  impostor.start();
  // The code pins the real server's keys but the URL leads to the impostor.
  auto c = make_collector(tmp / "collector", real.enroll("Post 1", impostor.url()));
  submit_many(c, 4);
  auto r = c.sync({});
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == StatusCode::kUnauthenticated);
  CHECK_THAT(r.status().message(), Catch::Contains("pinned"));
  CHECK(pending(c) == 4);
  CHECK(exported_rows(impostor) == 0);
  // The enrollment secret never reached the impostor in clear, and the real
  // server still accepts the collector.
  auto store = real.open_store();
  CHECK(count_rows(store, "SELECT COUNT(*) FROM devices WHERE status = 'pending'") == 1);
}

TEST_CASE("an expired enrollment code is refused", "[integration][sync]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  auto c = make_collector(tmp / "collector", server.enroll("Post 2"));
  {
    auto store = server.open_store();
    REQUIRE(store.db().exec("UPDATE devices SET enroll_expires_at = unixepoch() - 60").is_ok());
  }
  submit_many(c, 1);
  auto r = c.sync({});
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == StatusCode::kPermissionDenied);
  CHECK_THAT(r.status().message(), Catch::Contains("expired"));
  CHECK(pending(c) == 1);
}

TEST_CASE("an enrollment code used by one collector is refused to a second",
          "[integration][sync]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  const std::string code = server.enroll("Post 5");
  auto first = make_collector(tmp / "first", code);
  auto second = make_collector(tmp / "second", code);
  submit_many(first, 1);
  submit_many(second, 1);
  REQUIRE(first.sync({}).is_ok());
  auto r = second.sync({});
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == StatusCode::kPermissionDenied);
  CHECK_THAT(r.status().message(), Catch::Contains("already used"));
  CHECK(pending(second) == 1);
  CHECK(exported_rows(server) == 1);
}

TEST_CASE("a server that is down leaves everything pending with an actionable message",
          "[integration][sync]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  auto c = make_collector(tmp / "collector", server.enroll("Post 6"));
  submit_many(c, 37);
  server.stop();
  auto r = c.sync({});
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == StatusCode::kUnavailable);
  CHECK_THAT(r.status().message(), Catch::Contains("server unreachable"));
  CHECK_THAT(r.status().message(), Catch::Contains("37 submissions kept"));
  CHECK(pending(c) == 37);
  server.start();
}

TEST_CASE("no answer text is left in the collector's files after submit",
          "[integration][security]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  auto c = make_collector(tmp / "collector", server.enroll("Post 8"));
  const std::string canary = "CANARY-7f3e9b1c-answer";
  for (int i = 0; i < 20; ++i) {
    std::string answers =
        R"({"consent_ack":true,"comment":")" + canary + " " + std::to_string(i) + R"("})";
    REQUIRE(c.submit("staff-climate", "", answers).is_ok());
    CHECK(answers.empty());  // the caller's plaintext buffer was wiped
  }
  const std::string files = read_all_files(tmp / "collector");
  CHECK(files.find(canary) == std::string::npos);
  CHECK(files.find("CANARY") == std::string::npos);
  REQUIRE(c.sync({}).is_ok());
  CHECK(read_all_files(tmp / "collector").find("CANARY") == std::string::npos);
  // The server, which holds the key, can read it.
  CHECK(read_all_files(tmp / "server", "server.db").find(canary) != std::string::npos);
}
