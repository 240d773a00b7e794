// The offline registration document (registration.hpp) and the bundle that
// carries it: who can read it, and what an attacker can do with a copy.
#include "equitas/wire/registration.hpp"

#include <catch2/catch.hpp>

#include "equitas/wire/bundle.hpp"

using namespace equitas;

namespace {

struct Parties {
  ServerKeys server{SigningKey::generate(), BoxKey::generate()};
  SigningKey device = SigningKey::generate();
  DeviceId id = DeviceId::random();
  SecretBytes<kEnrollSecretBytes> secret;
  Parties() { random_fill(secret.span()); }
  Bytes document() const { return make_registration(id, device, server.public_keys(), secret); }
};

}  // namespace

TEST_CASE("a registration opens only at its server, and gives back the secret", "[registration]") {
  Parties p;
  const Bytes doc = p.document();
  CHECK(doc.size() < kMaxRegistrationBytes);
  auto reg = decode_registration(doc);
  REQUIRE(reg.is_ok());
  CHECK(reg->device_id == p.id);
  CHECK(reg->device_key == p.device.public_key());
  CHECK(reg->server == p.server.sign.public_key());
  auto secret = open_registration(*reg, p.server.box);
  REQUIRE(secret.is_ok());
  CHECK(secret->equals(p.secret.span()));
  // Nowhere in the document is the secret in clear.
  const std::string text(doc.begin(), doc.end());
  CHECK(text.find(std::string(p.secret.data(), p.secret.data() + kEnrollSecretBytes)) ==
        std::string::npos);

  const BoxKey other = BoxKey::generate();
  auto elsewhere = open_registration(*reg, other);
  CHECK(elsewhere.status().code() == StatusCode::kUnauthenticated);
}

TEST_CASE("an altered registration, or one moved to another key, is refused", "[registration]") {
  Parties p;
  const Bytes doc = p.document();
  SECTION("any flipped bit fails the device's signature or the structure") {
    for (std::size_t i = 0; i < doc.size(); i += 7) {
      Bytes bad = doc;
      bad[i] ^= 0x01;
      auto r = decode_registration(bad);
      if (r.is_ok()) {  // only if the flip stayed inside the sealed part and the signature:
                        // impossible
        FAIL("byte " << i << " could be altered");
      }
    }
  }
  SECTION("a thief re-signs the sealed secret under a key of its own") {
    auto reg = decode_registration(doc);
    REQUIRE(reg.is_ok());
    const SigningKey thief = SigningKey::generate();
    ByteWriter w;
    w.raw(kRegistrationMagic);
    w.u8(1);
    w.raw(p.id.bytes);
    w.raw(thief.public_key());
    w.raw(p.server.sign.public_key());
    w.lp(reg->sealed);
    Bytes forged = w.take();
    Bytes input(kRegistrationSignContext.begin(), kRegistrationSignContext.end());
    input.insert(input.end(), forged.begin(), forged.end());
    const Signature sig = thief.sign(input);
    forged.insert(forged.end(), sig.begin(), sig.end());
    auto decoded = decode_registration(forged);
    REQUIRE(decoded.is_ok());  // well formed and self-signed...
    auto opened = open_registration(*decoded, p.server.box);
    REQUIRE_FALSE(opened.is_ok());  // ...but the secret inside names the real key
    CHECK_THAT(opened.status().message(), Catch::Contains("another device or key"));
  }
  SECTION("oversized input is refused before any work") {
    CHECK(decode_registration(Bytes(kMaxRegistrationBytes + 1, 0)).status().code() ==
          StatusCode::kInvalidArgument);
    CHECK_FALSE(decode_registration(Bytes{}).is_ok());
  }
}

TEST_CASE("bundles carry a registration in version 2 and stay version 1 without one",
          "[registration][bundle]") {
  Parties p;
  Bundle b;
  b.device_id = p.id;
  b.server = p.server.sign.public_key();
  b.created_at = 1'800'000'000;
  b.envelopes = {Bytes{1, 2, 3}, Bytes(500, 9)};
  const Bytes plain = encode_bundle(b, p.device);
  CHECK(plain[kBundleMagic.size()] == 1);
  b.registration = p.document();
  const Bytes with = encode_bundle(b, p.device);
  CHECK(with[kBundleMagic.size()] == 2);
  for (const Bytes* bytes : {&plain, &with}) {
    auto d = decode_bundle(*bytes);
    REQUIRE(d.is_ok());
    CHECK(d->bundle.envelopes == b.envelopes);
    CHECK(verify_bundle(*d, p.device.public_key()).is_ok());
  }
  auto d = decode_bundle(with);
  REQUIRE(d->bundle.registration.has_value());
  CHECK(*d->bundle.registration == *b.registration);
  CHECK_FALSE(decode_bundle(plain)->bundle.registration.has_value());
  // The signature covers the registration.
  Bytes swapped = with;
  swapped[swapped.size() - 64 - 10] ^= 0x01;
  auto s = decode_bundle(swapped);
  REQUIRE(s.is_ok());
  CHECK_FALSE(verify_bundle(*s, p.device.public_key()).is_ok());
}

TEST_CASE("receipt items name the origin and the exact envelope", "[registration][receipt]") {
  Parties p;
  Receipt rc;
  rc.server = p.server.sign.public_key();
  rc.created_at = 1'800'000'000;
  const Bytes env{4, 5, 6};
  ItemResult refused;
  refused.status = ItemStatus::kRejected;
  refused.reason = RejectReason::kCarrierRefused;
  refused.detail = "the delivering device has been revoked";
  rc.items.push_back({SubmissionId::random(), 1, p.id, envelope_hash(env), {}});
  rc.items.push_back(
      {SubmissionId::random(), 2, DeviceId::random(), envelope_hash(Bytes{7}), refused});
  auto got = decode_receipt(encode_receipt(rc, p.server.sign), p.server.sign.public_key());
  REQUIRE(got.is_ok());
  REQUIRE(got->items.size() == 2);
  CHECK(got->items[0].origin == p.id);
  CHECK(got->items[0].envelope_hash == envelope_hash(env));
  CHECK(got->items[1].result.reason == RejectReason::kCarrierRefused);
  CHECK(got->items[1].revision == 2);
}
