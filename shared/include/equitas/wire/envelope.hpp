// The envelope: one finished response, sealed to the server and signed by the
// device that captured it. The exact byte layout is in docs/protocol.md.
//
// The collector stores the encoded bytes and re-sends exactly those bytes on
// every retry, so the server can tell a retry (identical bytes: duplicate)
// from a different response under the same id and revision (conflict).
#pragma once

#include <cstdint>
#include <string>

#include "equitas/crypto/keys.hpp"
#include "equitas/status/status.hpp"
#include "equitas/util/bytes.hpp"
#include "equitas/wire/ids.hpp"

namespace equitas {

inline constexpr std::uint8_t kEnvelopeVersion = 1;
inline constexpr std::size_t kMaxFormIdLength = 128;
inline constexpr std::size_t kMaxFormVersionLength = 64;
// A sealed payload above this is refused when sealing and when decoding.
inline constexpr std::size_t kMaxSealedPayload = 256 * 1024;
// Domain-separation prefix of every envelope signature.
inline constexpr std::string_view kEnvelopeSignContext{"equitas/envelope/v1\0", 20};

struct Envelope {
  DeviceId device_id;
  SubmissionId submission_id;
  std::uint32_t revision = 1;
  std::string form_id;
  std::string form_version;
  Bytes
      sealed_payload;  // crypto_box_seal(origin tag || payload, server box key); see seal_envelope
  Signature signature{};
};

// Everything but the signature, in wire order.
// BLAKE2b-256 of an envelope's bytes: how receipts and conflict records name
// one exact copy of a submission.
using EnvelopeHash = std::array<std::uint8_t, 32>;
EnvelopeHash envelope_hash(ByteView bytes);

Bytes encode_envelope_body(const Envelope& e);
Bytes encode_envelope(const Envelope& e);
// Strict decoder: unknown version, a field over its limit or trailing bytes
// are all corruption. Checks structure only; see verify_envelope.
Result<Envelope> decode_envelope(ByteView bytes);

// What the device signs: context || server sign key || server box key || body.
Bytes envelope_signing_input(const Envelope& e, const ServerPublicKeys& server);

struct EnvelopeFields {
  DeviceId device_id;
  SubmissionId submission_id;
  std::uint32_t revision = 1;
  std::string form_id;
  std::string form_version;
};

// Seals `payload` to the server and signs the result with the device key.
//
// The sealed plaintext starts with the envelope's origin, so that the
// answers cannot be moved into another envelope: kOriginTagMarker, then a
// 16-byte BLAKE2b of kOriginTagContext || device id || submission id ||
// u32be revision. The device's signature covers the sealed bytes, but
// anyone holding them could sign them again under another device or
// submission id (a hostile relay taking credit, or replaying one response
// under new ids); the tag, which only the server can read, says where they
// really belong. 17 bytes per envelope.
inline constexpr std::uint8_t kOriginTagMarker = 0xB1;
inline constexpr std::size_t kOriginTagBytes = 16;
inline constexpr std::string_view kOriginTagContext{"equitas/origin/v1\0", 18};
Result<Envelope> seal_envelope(EnvelopeFields fields, ByteView payload,
                               const ServerPublicKeys& server, const SigningKey& device_key);

// The server's side: opens the sealed payload and checks its origin tag
// against the envelope's device, submission id and revision.
//   unauthenticated     the box does not open with this key
//   permission_denied   the tag names another origin (re-signed or replayed)
// A payload sealed by a collector older than the tag has none; it is
// returned as it is, with `tagged` false. The plaintext is the caller's to wipe.
struct OpenedPayload {
  Bytes plain;
  bool tagged = false;
};
Result<OpenedPayload> open_envelope_payload(const Envelope& e, const BoxKey& server_box);

// Checks the device's signature. Unauthenticated when it does not verify.
Status verify_envelope(const Envelope& e, const SignPublicKey& device_key,
                       const ServerPublicKeys& server);

}  // namespace equitas
