// Ingest of both payload encodings, and of envelopes checked ahead of the
// writer (prepare_envelope), on a real server database.
#include "intake.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include "equitas/forms/form_library.hpp"
#include "fixtures.hpp"
#include "form_registry.hpp"

using namespace equitas;
using namespace equitas::server;
using namespace equitas::test;

namespace {

constexpr const char* kAnswers =
    R"({"consent_ack":true,"dem_sex":"female","dem_age":"25_34","dem_grade":"officer",)"
    R"("dem_role":"frontline","dem_service":"2_5","dem_station":"hq","dem_disability":"no",)"
    R"("eng_proud":"4","eng_recommend":"5","eng_accomplishment":"dk","eng_motivated":"1"})";

struct Fixture {
  TempDir tmp;
  TestServer server{tmp / "server"};
  ServerStore store = server.open_store();
  ServerKeys keys = std::move(load_server_keys(server.dir().keys(), nullptr)).value();
  std::unique_ptr<FormRegistry> forms = std::move(FormRegistry::load(store)).value();
  std::shared_ptr<const FormSnapshot> snapshot = forms->snapshot();

  DeviceId add_device(const SigningKey& key) {
    const DeviceId id = DeviceId::random();
    REQUIRE(store.add_pending_device(id, "Post", {}, unix_now() + 60, unix_now()).is_ok());
    REQUIRE(store.activate_device(id, key.public_key(), unix_now()).is_ok());
    return id;
  }

  Bytes envelope(const DeviceId& dev, const SigningKey& key, bool v2,
                 SubmissionId sid = SubmissionId::random(),
                 const std::string& form = "staff-climate") {
    ResponsePayload p;
    p.answers = boost::json::parse(kAnswers).as_object();
    p.submitted_at = "2026-11-23";
    const PayloadLayout* layout = snapshot->layout("staff-climate", "2026.1");
    REQUIRE(layout != nullptr);
    const Bytes plain = v2 ? encode_payload(p, *layout) : encode_payload(p);
    auto e = seal_envelope({dev, sid, 1, form, "2026.1"}, plain, keys.public_keys(), key);
    REQUIRE(e.is_ok());
    return encode_envelope(*e);
  }

  ItemResult ingest(const Bytes& bytes, const DeviceId& by, PreparedEnvelope* prepared = nullptr) {
    Transaction tx(store.db());
    auto r =
        ingest_envelope(store, keys, *snapshot, bytes, by, unix_now(), snapshot.get(), prepared);
    REQUIRE(r.is_ok());
    REQUIRE(tx.commit().is_ok());
    return *r;
  }

  std::string stored_answers(const Bytes& bytes) {
    auto e = decode_envelope(bytes);
    auto st = store.db().prepare("SELECT answers FROM submissions WHERE submission_id = ?1");
    REQUIRE(st.is_ok());
    st->bind(1, ByteView(e->submission_id.bytes));
    REQUIRE(*st->step());
    return st->column_text(0);
  }
};

}  // namespace

TEST_CASE("the server takes v1 (JSON) and v2 (binary) payloads alike", "[server][intake]") {
  Fixture f;
  const SigningKey key = SigningKey::generate();
  const DeviceId dev = f.add_device(key);
  const Bytes v1 = f.envelope(dev, key, false);
  const Bytes v2 = f.envelope(dev, key, true);
  CHECK(v2.size() < 300);
  CHECK(v1.size() > v2.size() + 200);
  CHECK(f.ingest(v1, dev).status == ItemStatus::kAccepted);
  CHECK(f.ingest(v2, dev).status == ItemStatus::kAccepted);
  // The same answers are stored either way (calculations included).
  CHECK(f.stored_answers(v1) == f.stored_answers(v2));
  CHECK(f.ingest(v2, dev).status == ItemStatus::kDuplicate);
  // A v2 payload for a form the server does not know cannot even be read.
  const Bytes unknown = f.envelope(dev, key, true, SubmissionId::random(), "no-such-form");
  const ItemResult r = f.ingest(unknown, dev);
  CHECK(r.status == ItemStatus::kRejected);
  CHECK(r.reason == RejectReason::kUnknownForm);
  // A bundle import's path (the registry as validator, no snapshot given) reads v2 too.
  Transaction tx(f.store.db());
  auto batch =
      ingest_batch(f.store, f.keys, *f.forms, {f.envelope(dev, key, true)}, dev, unix_now());
  REQUIRE(batch.is_ok());
  CHECK((*batch)[0].status == ItemStatus::kAccepted);
}

TEST_CASE("envelopes prepared ahead of the writer keep every check", "[server][intake]") {
  Fixture f;
  const SigningKey key = SigningKey::generate();
  const DeviceId dev = f.add_device(key);
  auto prepare = [&](const Bytes& bytes, const DeviceId& session_device,
                     const SigningKey& session_key) {
    return prepare_envelope(f.keys, *f.snapshot, *f.snapshot, bytes, session_device,
                            session_key.public_key());
  };

  SECTION("accepted once, then duplicate") {
    const Bytes e = f.envelope(dev, key, true);
    auto p = prepare(e, dev, key);
    REQUIRE(p.ready);
    CHECK(f.ingest(e, dev, &p).status == ItemStatus::kAccepted);
    auto again = prepare(e, dev, key);
    CHECK(f.ingest(e, dev, &again).status == ItemStatus::kDuplicate);
  }
  SECTION("a device revoked after the check is refused at commit") {
    const Bytes e = f.envelope(dev, key, true);
    auto p = prepare(e, dev, key);
    REQUIRE(p.ready);
    REQUIRE(f.store.revoke_device(dev, unix_now()).is_ok());
    const ItemResult r = f.ingest(e, dev, &p);
    CHECK(r.status == ItemStatus::kRejected);
    CHECK(r.reason == RejectReason::kRevokedDevice);
  }
  SECTION("a key other than the registered one proves nothing") {
    const SigningKey impostor = SigningKey::generate();
    const Bytes e = f.envelope(dev, impostor, true);
    auto p = prepare(e, dev, impostor);
    REQUIRE(p.ready);  // it does verify with the key that session claimed...
    const ItemResult r = f.ingest(e, dev, &p);
    CHECK(r.status == ItemStatus::kRejected);  // ...but not with the device's own
    CHECK(r.reason == RejectReason::kBadSignature);
  }
  SECTION("another device's submission id stays its own") {
    const SigningKey other_key = SigningKey::generate();
    const DeviceId other = f.add_device(other_key);
    const SubmissionId sid = SubmissionId::random();
    CHECK(f.ingest(f.envelope(dev, key, true, sid), dev).status == ItemStatus::kAccepted);
    const Bytes theirs = f.envelope(other, other_key, true, sid);
    auto p = prepare(theirs, other, other_key);
    REQUIRE(p.ready);
    const ItemResult r = f.ingest(theirs, other, &p);
    CHECK(r.status == ItemStatus::kRejected);
    CHECK(r.reason == RejectReason::kForeignSubmission);
  }
  SECTION("anything not fully checked is left to the writer, which gives the usual answer") {
    // Relayed: another device's envelope in this session.
    const SigningKey other_key = SigningKey::generate();
    const DeviceId other = f.add_device(other_key);
    const Bytes relayed = f.envelope(other, other_key, true);
    auto p = prepare(relayed, dev, key);
    CHECK_FALSE(p.ready);
    CHECK(f.ingest(relayed, dev, &p).status == ItemStatus::kAccepted);
    // Invalid answers.
    const Bytes unknown = f.envelope(dev, key, true, SubmissionId::random(), "no-such-form");
    auto q = prepare(unknown, dev, key);
    CHECK_FALSE(q.ready);
    CHECK(f.ingest(unknown, dev, &q).reason == RejectReason::kUnknownForm);
  }
}
