// A relay that loses its standing, or turns hostile, must never make the
// post it relays for give up its responses (issue 17). Receipts name the
// exact envelope and its origin; the origin applies a verdict only to its
// own unaltered copy, and never a verdict about the carrier.
#include <catch2/catch.hpp>

#include "fixtures.hpp"

using namespace equitas;
using namespace equitas::test;

namespace {

struct Posts {
  TempDir tmp;
  TestServer server{tmp / "server"};
  collector::Collector north;
  collector::Collector south;

  Posts()
      : north([this] {
          server.start();
          return make_collector(tmp / "north", server.enroll("North"));
        }()),
        south(make_collector(tmp / "south", server.enroll("South"))) {
    REQUIRE(north.sync({}).is_ok());
    REQUIRE(south.sync({}).is_ok());
    submit_many(north, 3);
    REQUIRE(north.export_bundle(tmp / "north.eqb").is_ok());
    REQUIRE(collector_cli({"bundle", "import", "--data-dir", (tmp / "south").string(),
                           (tmp / "north.eqb").string()})
                .code == 0);
  }
  std::string sdir() const { return server.dir().root.string(); }
  // What South holds for North: (outbox seq, envelope bytes).
  std::vector<std::pair<std::int64_t, Bytes>> relayed_rows() {
    auto st = south.store().db().prepare(
        "SELECT seq, envelope FROM outbox WHERE relayed_from IS NOT NULL");
    REQUIRE(st.is_ok());
    std::vector<std::pair<std::int64_t, Bytes>> rows;
    while (*st->step()) rows.emplace_back(st->column_int64(0), st->column_blob(1));
    REQUIRE(rows.size() == 3);
    return rows;
  }
  // South carries North's envelopes to headquarters in a bundle of its own;
  // the receipt comes back to North.
  CliResult relay_by_usb_and_return_receipt() {
    REQUIRE(south.export_bundle(tmp / "south.eqb").is_ok());
    server_cli({"import", "--data-dir", sdir(), (tmp / "south.eqb").string(), "--receipt",
                (tmp / "r.eqr").string()});
    REQUIRE(std::filesystem::exists(tmp / "r.eqr"));
    return collector_cli(
        {"bundle", "import", "--data-dir", (tmp / "north").string(), (tmp / "r.eqr").string()});
  }
};

std::int64_t pending(collector::Collector& c) { return c.status()->counts.pending; }

}  // namespace

TEST_CASE("a revoked relay's receipt leaves the origin's responses pending",
          "[integration][relay]") {
  Posts p;
  const std::string south_id = (*p.south.enrollment())->device_id.to_string();
  REQUIRE(server_cli({"device", "revoke", "--data-dir", p.sdir(), south_id}).code == 0);

  auto applied = p.relay_by_usb_and_return_receipt();
  CHECK(applied.code == 3);
  CHECK_THAT(applied.out, Catch::Contains("3 submission(s) stay pending") &&
                              Catch::Contains("about the device that delivered them"));
  CHECK(pending(p.north) == 3);
  CHECK(p.north.status()->counts.rejected == 0);
  CHECK(exported_rows(p.server) == 0);
  // North still delivers them itself.
  auto r = p.north.sync({});
  REQUIRE(r.is_ok());
  CHECK(r->accepted == 3);
  CHECK(exported_rows(p.server) == 3);
}

TEST_CASE("a relay that flips bits in relayed envelopes cannot make the origin give up its copies",
          "[integration][relay]") {
  Posts p;
  // The hostile relay alters every envelope it holds for North.
  {
    for (auto& [seq, env] : p.relayed_rows()) {
      env[env.size() - 10] ^= 0x01;  // inside the signature
      auto up = p.south.store().db().prepare("UPDATE outbox SET envelope = ?2 WHERE seq = ?1");
      REQUIRE(up->bind(1, seq).bind(2, ByteView(env)).run().is_ok());
    }
  }
  SECTION("by USB: the receipt's verdicts are about other bytes") {
    auto applied = p.relay_by_usb_and_return_receipt();
    CHECK(applied.code == 3);
    CHECK_THAT(applied.out, Catch::Contains("3 verdict(s) were about altered copies"));
  }
  SECTION("online: the relay's sync is rejected, the origin is untouched") {
    auto r = p.south.sync({});
    REQUIRE(r.is_ok());
    CHECK(r->rejected == 3);
    CHECK_THAT(r->rejections.at(0), Catch::Contains("bad signature"));
  }
  CHECK(pending(p.north) == 3);
  CHECK(p.north.status()->counts.rejected == 0);
  auto r = p.north.sync({});
  REQUIRE(r.is_ok());
  CHECK(r->accepted == 3);
}

TEST_CASE("an honest relay's receipt settles the origin's copies", "[integration][relay]") {
  Posts p;
  auto applied = p.relay_by_usb_and_return_receipt();
  INFO(applied.err);
  CHECK(applied.code == 0);
  CHECK_THAT(applied.out, Catch::Contains("3 submission(s) settled"));
  CHECK(pending(p.north) == 0);
  CHECK(p.north.status()->counts.synced == 3);
}

TEST_CASE("a receipt from a server older than the binding is refused, and nothing changes",
          "[integration][relay]") {
  Posts p;
  // Version 1 receipts named items by id and revision alone.
  auto keys = load_server_keys(p.server.dir().keys(), nullptr);
  REQUIRE(keys.is_ok());
  ByteWriter w;
  w.raw(kReceiptMagic);
  w.u8(1);
  w.raw(keys->sign.public_key());
  w.u64be(0);
  w.varint(0);
  Bytes body = w.take();
  Bytes signed_input(kReceiptSignContext.begin(), kReceiptSignContext.end());
  signed_input.insert(signed_input.end(), body.begin(), body.end());
  const Signature sig = keys->sign.sign(signed_input);
  body.insert(body.end(), sig.begin(), sig.end());
  REQUIRE(write_file_atomically(p.tmp / "old.eqr", body, 0600).is_ok());
  auto applied = collector_cli(
      {"bundle", "import", "--data-dir", (p.tmp / "north").string(), (p.tmp / "old.eqr").string()});
  CHECK(applied.code == 1);
  CHECK_THAT(applied.err, Catch::Contains("older server"));
  CHECK(pending(p.north) == 3);
}

namespace {

// The hostile relay signs North's sealed answers again as its own, with new
// submission ids or North's: the server must file them nowhere.
void resign_relayed_as_own(Posts& p, bool new_ids) {
  auto south_key = load_device_key(collector::DataDir{p.tmp / "south"}.key(), nullptr);
  REQUIRE(south_key.is_ok());
  const DeviceId south_id = (*p.south.enrollment())->device_id;
  auto keys = load_server_keys(p.server.dir().keys(), nullptr);
  REQUIRE(keys.is_ok());
  for (auto& [seq, bytes] : p.relayed_rows()) {
    auto e = decode_envelope(bytes);
    REQUIRE(e.is_ok());
    e->device_id = south_id;
    if (new_ids) e->submission_id = SubmissionId::random();
    e->signature = south_key->sign(envelope_signing_input(*e, keys->public_keys()));
    auto up = p.south.store().db().prepare(
        "UPDATE outbox SET envelope = ?2, submission_id = ?3, relayed_from = NULL WHERE seq = ?1");
    REQUIRE(up->bind(1, seq)
                .bind(2, ByteView(encode_envelope(*e)))
                .bind(3, ByteView(e->submission_id.bytes))
                .run()
                .is_ok());
  }
}

}  // namespace

TEST_CASE("a relay that signs the origin's sealed answers as its own gets nothing filed",
          "[integration][relay]") {
  Posts p;
  const bool new_ids = GENERATE(false, true);
  INFO((new_ids ? "new submission ids" : "the origin submission ids"));
  resign_relayed_as_own(p, new_ids);
  auto r = p.south.sync({});
  REQUIRE(r.is_ok());
  CHECK(r->accepted == 0);
  CHECK(r->rejected == 3);
  CHECK_THAT(r->rejections.at(0), Catch::Contains("belong to another device or submission"));
  CHECK(exported_rows(p.server) == 0);
  // The origin's own copies are accepted, under the origin.
  auto direct = p.north.sync({});
  REQUIRE(direct.is_ok());
  CHECK(direct->accepted == 3);
  auto store = p.server.open_store();
  auto st = store.db().prepare("SELECT COUNT(*) FROM submissions WHERE device_id = ?1");
  st->bind(1, ByteView((*p.north.enrollment())->device_id.bytes));
  REQUIRE(*st->step());
  CHECK(st->column_int64(0) == 3);
}

namespace {

// Envelopes anyone can make: sealed to the server (its key is in every
// enrollment code) and signed by a key of the maker's own.
Bytes junk_bundle(const collector::Collector& relay_for, const DeviceId& claimed, int n,
                  const SigningKey& signer) {
  const auto enrolled = *const_cast<collector::Collector&>(relay_for).enrollment().value();
  Bundle b;
  b.device_id = claimed;
  b.server = enrolled.server.sign;
  b.created_at = unix_now();
  for (int i = 0; i < n; ++i) {
    const std::string payload = R"({"v":1,"answers":{"consent_ack":true}})";
    auto e = seal_envelope({claimed, SubmissionId::random(), 1, "staff-climate", "2026.1"},
                           as_bytes(payload), enrolled.server, signer);
    REQUIRE(e.is_ok());
    b.envelopes.push_back(encode_envelope(*e));
  }
  return encode_bundle(b, signer);
}

}  // namespace

TEST_CASE("junk envelopes are refused at the relay, before they cost any link",
          "[integration][relay]") {
  Posts p;
  const std::string south = (p.tmp / "south").string();
  const auto before = p.south.status()->counts.pending;
  SECTION("from a device the server does not know") {
    REQUIRE(write_file_atomically(
                p.tmp / "junk.eqb",
                junk_bundle(p.south, DeviceId::random(), 50, SigningKey::generate()), 0600)
                .is_ok());
    auto r =
        collector_cli({"bundle", "import", "--data-dir", south, (p.tmp / "junk.eqb").string()});
    CHECK(r.code == 1);
    CHECK_THAT(r.err, Catch::Contains("is not an active device") &&
                          Catch::Contains("nothing was changed"));
  }
  SECTION("claiming to be an active device, signed by another key") {
    const DeviceId north_id = (*p.north.enrollment())->device_id;
    REQUIRE(write_file_atomically(p.tmp / "junk.eqb",
                                  junk_bundle(p.south, north_id, 50, SigningKey::generate()), 0600)
                .is_ok());
    auto r =
        collector_cli({"bundle", "import", "--data-dir", south, (p.tmp / "junk.eqb").string()});
    CHECK(r.code == 1);
    CHECK_THAT(r.err, Catch::Contains("signature does not verify"));
  }
  SECTION("from a device revoked since the relay's last sync") {
    const std::string north_id = (*p.north.enrollment())->device_id.to_string();
    REQUIRE(server_cli({"device", "revoke", "--data-dir", p.sdir(), north_id}).code == 0);
    REQUIRE(p.south.sync({}).is_ok());  // brings the new list (and settles what it carried)
    submit_many(p.north, 2);
    REQUIRE(p.north.export_bundle(p.tmp / "again.eqb").is_ok());
    auto r =
        collector_cli({"bundle", "import", "--data-dir", south, (p.tmp / "again.eqb").string()});
    CHECK(r.code == 1);
    CHECK_THAT(r.err, Catch::Contains("is not an active device"));
  }
  CHECK(p.south.status()->counts.pending <= before);
}

TEST_CASE("a collector that never synced relays nothing, and a relay caps what it carries",
          "[integration][relay]") {
  Posts p;
  auto fresh = make_collector(p.tmp / "fresh", p.server.enroll("Fresh"));
  auto r = fresh.import_bundle_or_receipt(p.tmp / "north.eqb");
  REQUIRE_FALSE(r.is_ok());
  CHECK_THAT(r.status().message(),
             Catch::Contains("list of devices") && Catch::Contains("Sync once"));

  collector::RelayLimits tight;
  tight.max_envelopes_per_origin = 5;  // South already carries 3 of North's
  p.south.set_relay_limits(tight);
  submit_many(p.north, 2);
  REQUIRE(p.north.export_bundle(p.tmp / "more.eqb").is_ok());  // 5 pending at North: 3 old, 2 new
  auto capped = p.south.import_bundle_or_receipt(p.tmp / "more.eqb");
  REQUIRE_FALSE(capped.is_ok());
  CHECK_THAT(capped.status().message(),
             Catch::Contains("would exceed what this collector carries"));
  CHECK(p.south.store().relayed_pending(nullptr)->envelopes == 3);
  // Once delivered, there is room again.
  REQUIRE(p.south.sync({}).is_ok());
  CHECK(p.south.import_bundle_or_receipt(p.tmp / "more.eqb").is_ok());
}
