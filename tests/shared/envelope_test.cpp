#include "equitas/wire/envelope.hpp"

#include <catch2/catch.hpp>

using namespace equitas;

namespace {

struct Parties {
  ServerKeys server{SigningKey::generate(), BoxKey::generate()};
  SigningKey device = SigningKey::generate();
  DeviceId device_id = DeviceId::random();
};

Envelope make(const Parties& p, std::string_view payload = R"({"v":1,"answers":{"q":1}})") {
  auto e = seal_envelope({p.device_id, SubmissionId::random(), 1, "staff-climate", "2026.1"},
                         as_bytes(payload), p.server.public_keys(), p.device);
  REQUIRE(e.is_ok());
  return std::move(e).value();
}

// Decode, verify and open, as the server does. OK only if all three pass.
Status accept(const Parties& p, ByteView bytes) {
  auto e = decode_envelope(bytes);
  if (!e.is_ok()) return e.status();
  EQ_RETURN_IF_ERROR(verify_envelope(*e, p.device.public_key(), p.server.public_keys()));
  auto plain = open_envelope_payload(*e, p.server.box);
  return plain.status();
}

// The same sealed answers under another origin, signed by `signer`: what a
// hostile relay can make from an envelope it carries.
Envelope resigned(const Parties& p, const Envelope& e, const DeviceId& device,
                  const SubmissionId& id, const SigningKey& signer) {
  Envelope f = e;
  f.device_id = device;
  f.submission_id = id;
  f.signature = signer.sign(envelope_signing_input(f, p.server.public_keys()));
  return f;
}

}  // namespace

TEST_CASE("an envelope round-trips through its encoding", "[envelope]") {
  Parties p;
  const Envelope e = make(p);
  const Bytes bytes = encode_envelope(e);
  auto d = decode_envelope(bytes);
  REQUIRE(d.is_ok());
  CHECK(d->device_id == e.device_id);
  CHECK(d->submission_id == e.submission_id);
  CHECK(d->revision == 1);
  CHECK(d->form_id == "staff-climate");
  CHECK(d->form_version == "2026.1");
  CHECK(d->sealed_payload == e.sealed_payload);
  CHECK(encode_envelope(*d) == bytes);
  CHECK(accept(p, bytes).is_ok());
}

TEST_CASE("a flipped bit anywhere in an envelope is rejected", "[envelope]") {
  Parties p;
  const Bytes bytes = encode_envelope(make(p));
  // Every bit of every field: version, ids, revision, form id and version,
  // payload, signature.
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      Bytes t = bytes;
      t[i] ^= static_cast<std::uint8_t>(1u << bit);
      INFO("byte " << i << " bit " << bit);
      CHECK_FALSE(accept(p, t).is_ok());
    }
  }
}

TEST_CASE("truncated or extended envelopes do not decode", "[envelope]") {
  Parties p;
  const Bytes bytes = encode_envelope(make(p));
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    CHECK_FALSE(decode_envelope(ByteView(bytes).subspan(0, n)).is_ok());
  }
  Bytes longer = bytes;
  longer.push_back(0);
  CHECK(decode_envelope(longer).status().message() == "envelope has trailing bytes");
}

TEST_CASE("an envelope cannot pass as another device's or another server's", "[envelope]") {
  Parties p;
  Envelope e = make(p);
  // Another device's key does not verify it.
  const SigningKey other = SigningKey::generate();
  CHECK(verify_envelope(e, other.public_key(), p.server.public_keys()).code() ==
        StatusCode::kUnauthenticated);
  // Relabelled with another device id, the signature no longer matches.
  Envelope relabelled = e;
  relabelled.device_id = DeviceId::random();
  CHECK_FALSE(verify_envelope(relabelled, p.device.public_key(), p.server.public_keys()).is_ok());
  // Presented to a different server (same device key): the server keys are signed too.
  ServerKeys other_server{SigningKey::generate(), BoxKey::generate()};
  CHECK_FALSE(verify_envelope(e, p.device.public_key(), other_server.public_keys()).is_ok());
  // A new revision is a new signature.
  Envelope bumped = e;
  bumped.revision = 2;
  CHECK_FALSE(verify_envelope(bumped, p.device.public_key(), p.server.public_keys()).is_ok());
}

TEST_CASE("sealing refuses bad fields and oversized payloads", "[envelope]") {
  Parties p;
  const auto pk = p.server.public_keys();
  CHECK_FALSE(seal_envelope({p.device_id, SubmissionId::random(), 1, "", "1"},
                            as_bytes(std::string("{}")), pk, p.device)
                  .is_ok());
  CHECK_FALSE(seal_envelope({p.device_id, SubmissionId::random(), 0, "f", "1"},
                            as_bytes(std::string("{}")), pk, p.device)
                  .is_ok());
  const std::string huge(kMaxSealedPayload, 'x');
  CHECK_FALSE(seal_envelope({p.device_id, SubmissionId::random(), 1, "f", "1"}, as_bytes(huge), pk,
                            p.device)
                  .is_ok());
}

TEST_CASE("submission ids are version 4 UUIDs and parse back", "[envelope]") {
  const SubmissionId id = SubmissionId::random();
  const std::string text = id.to_string();
  CHECK(text.size() == 36);
  CHECK(text[14] == '4');
  CHECK(*SubmissionId::parse(text) == id);
  CHECK_FALSE(SubmissionId::parse("not-a-uuid").is_ok());
  const DeviceId d = DeviceId::random();
  CHECK(*DeviceId::parse(d.to_string()) == d);
}

TEST_CASE("sealed answers open only in the envelope they were sealed for", "[envelope]") {
  Parties p;
  const Envelope e = make(p);
  auto opened = open_envelope_payload(e, p.server.box);
  REQUIRE(opened.is_ok());
  CHECK(opened->tagged);
  CHECK(as_chars(opened->plain) == R"({"v":1,"answers":{"q":1}})");

  const SigningKey relay = SigningKey::generate();
  const DeviceId relay_id = DeviceId::random();
  SECTION("signed again by another device, same submission id") {
    const Envelope f = resigned(p, e, relay_id, e.submission_id, relay);
    CHECK(verify_envelope(f, relay.public_key(), p.server.public_keys())
              .is_ok());  // its signature is fine...
    auto r = open_envelope_payload(f, p.server.box);
    CHECK(r.status().code() ==
          StatusCode::kPermissionDenied);  // ...but the answers are not its own
  }
  SECTION("replayed under a new submission id, even by the same device") {
    const Envelope f = resigned(p, e, p.device_id, SubmissionId::random(), p.device);
    CHECK(open_envelope_payload(f, p.server.box).status().code() == StatusCode::kPermissionDenied);
  }
  SECTION("a higher revision of the same id") {
    Envelope f = e;
    f.revision = 2;
    f.signature = p.device.sign(envelope_signing_input(f, p.server.public_keys()));
    CHECK(open_envelope_payload(f, p.server.box).status().code() == StatusCode::kPermissionDenied);
  }
  SECTION("a payload sealed before origin tags still opens, untagged") {
    Envelope old = e;
    const std::string_view legacy = R"({"v":1,"answers":{"q":2}})";
    old.sealed_payload = seal_to(p.server.box.public_key(), as_bytes(legacy));
    auto r = open_envelope_payload(old, p.server.box);
    REQUIRE(r.is_ok());
    CHECK_FALSE(r->tagged);
    CHECK(as_chars(r->plain) == legacy);
  }
}
