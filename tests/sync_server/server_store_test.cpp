#include <catch2/catch.hpp>
#include <regex>

#include "fixtures.hpp"
#include "intake.hpp"

using namespace equitas;
using namespace equitas::server;
using namespace equitas::test;

TEST_CASE("device lifecycle: pending, active, revoked", "[server][store]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  auto store = server.open_store();
  const DeviceId id = DeviceId::random();
  SecretBytes<kEnrollSecretBytes> secret;
  random_fill(secret.span());
  REQUIRE(store
              .add_pending_device(id, "Port", enrollment_secret_hash(secret.span()),
                                  unix_now() + 60, unix_now())
              .is_ok());
  auto found = store.find_device(id);
  REQUIRE(found.is_ok());
  REQUIRE(found->has_value());
  CHECK((*found)->state == DeviceState::kPending);

  const SigningKey key = SigningKey::generate();
  ClientAuth auth;
  auth.device_id = id;
  auth.device_key = key.public_key();
  SECTION("no secret: refused") {
    auto d = decide_auth(store, auth, unix_now());
    REQUIRE(d.is_ok());
    CHECK_FALSE(d->ok);
    CHECK(d->error == SessionError::kAuthenticationFailed);
  }
  SECTION("wrong secret: refused") {
    auth.enroll_secret.emplace();
    random_fill(auth.enroll_secret->span());
    auto d = decide_auth(store, auth, unix_now());
    CHECK_FALSE(d->ok);
  }
  SECTION("right secret: registered once, then by key only; revoked for good") {
    auth.enroll_secret.emplace();
    std::memcpy(auth.enroll_secret->data(), secret.data(), kEnrollSecretBytes);
    auto d = decide_auth(store, auth, unix_now());
    REQUIRE(d->ok);
    CHECK(d->registered_now);
    CHECK(d->site == "Port");
    auto after = store.find_device(id);
    CHECK((*after)->state == DeviceState::kActive);
    // A second collector with the same (spent) code is told it was used.
    const SigningKey intruder = SigningKey::generate();
    ClientAuth reuse;
    reuse.device_id = id;
    reuse.device_key = intruder.public_key();
    reuse.enroll_secret.emplace();
    std::memcpy(reuse.enroll_secret->data(), secret.data(), kEnrollSecretBytes);
    CHECK(decide_auth(store, reuse, unix_now())->error == SessionError::kEnrollmentUsed);
    // Without the secret, a stranger learns nothing specific.
    reuse.enroll_secret.reset();
    auto stranger = decide_auth(store, reuse, unix_now());
    CHECK(stranger->error == SessionError::kAuthenticationFailed);
    // No dates (the message names the device id, whose hex may well hold "20").
    CHECK_FALSE(std::regex_search(stranger->message, std::regex(R"(\d{4}-\d{2}-\d{2})")));

    ClientAuth again;
    again.device_id = id;
    again.device_key = key.public_key();
    auto d2 = decide_auth(store, again, unix_now());
    REQUIRE(d2->ok);
    CHECK_FALSE(d2->registered_now);

    REQUIRE(store.revoke_device(id, unix_now()).is_ok());
    auto d3 = decide_auth(store, again, unix_now());
    CHECK_FALSE(d3->ok);
    CHECK(d3->error == SessionError::kRevoked);
  }
  CHECK(store.revoke_device(DeviceId::random(), unix_now()).code() == StatusCode::kNotFound);
}

TEST_CASE("intake rejects each kind of bad envelope with its own reason", "[server][intake]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  auto store = server.open_store();
  auto keys = load_server_keys(server.dir().keys(), nullptr);
  REQUIRE(keys.is_ok());
  const DeviceId id = DeviceId::random();
  const SigningKey key = SigningKey::generate();
  REQUIRE(store.add_pending_device(id, "Post", {}, unix_now() + 60, unix_now()).is_ok());
  REQUIRE(store.activate_device(id, key.public_key(), unix_now()).is_ok());
  AcceptAnyAnswers any;

  auto make = [&](std::string_view payload, const SigningKey& signer, const DeviceId& dev) {
    auto e = seal_envelope({dev, SubmissionId::random(), 1, "staff-climate", "1"},
                           as_bytes(payload), keys->public_keys(), signer);
    REQUIRE(e.is_ok());
    return encode_envelope(*e);
  };
  const std::string good = R"({"v":1,"answers":{"q":1},"submitted_at":"2026-11-23T00:00:00Z"})";
  auto reason = [&](ByteView bytes) {
    auto r = ingest_envelope(store, *keys, any, bytes, id, unix_now());
    REQUIRE(r.is_ok());
    REQUIRE(r->status == ItemStatus::kRejected);
    return r->reason;
  };
  CHECK(reason(Bytes{1, 2, 3}) == RejectReason::kMalformed);
  CHECK(reason(make(good, key, DeviceId::random())) == RejectReason::kUnknownDevice);
  CHECK(reason(make(good, SigningKey::generate(), id)) == RejectReason::kBadSignature);
  CHECK(reason(make("not json", key, id)) == RejectReason::kMalformed);
  CHECK(reason(make(R"({"v":1,"answers":[1]})", key, id)) == RejectReason::kMalformed);

  struct UnknownForms final : AnswerValidator {
    Status validate(std::string_view f, std::string_view, boost::json::object&) const override {
      return Status::not_found("form " + std::string(f) + " is not published on this server");
    }
  } unknown;
  auto r = ingest_envelope(store, *keys, unknown, make(good, key, id), id, unix_now());
  REQUIRE(r.is_ok());
  CHECK(r->reason == RejectReason::kUnknownForm);
  CHECK_THAT(r->detail, Catch::Contains("not published"));

  const Bytes ok = make(good, key, id);
  CHECK(ingest_envelope(store, *keys, any, ok, id, unix_now())->status == ItemStatus::kAccepted);
  CHECK(ingest_envelope(store, *keys, any, ok, id, unix_now())->status == ItemStatus::kDuplicate);
  REQUIRE(store.revoke_device(id, unix_now()).is_ok());
  CHECK(reason(ok) == RejectReason::kRevokedDevice);
}
