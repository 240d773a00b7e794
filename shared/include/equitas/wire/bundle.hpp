// USB bundles, for posts that never get a link.
//
// A bundle carries a collector's pending envelopes (already sealed and
// signed, byte for byte as they would go over the wire) under a manifest
// signed by the exporting device. The server imports it through the same
// intake as a sync session and answers with a receipt signed by its own key,
// which the collector imports to mark those envelopes synced. Another
// collector can relay a bundle: it queues the envelopes and uploads them at
// its next sync; the server still checks each envelope's own device.
//
// Bundle:  "EQB1" | u8 version=1 | 16 device id | 32 server sign key (pinned)
//          | u64be created_at | varint count | count x lp(envelope)
//          | 64 Ed25519 signature by the device over kBundleSignContext || all before it
// Receipt: "EQR1" | u8 version=1 | 32 server sign key | u64be created_at | varint count
//          | count x (16 submission id | varint revision | u8 status [| u8 reason | lp detail])
//          | 64 Ed25519 signature by the server over kReceiptSignContext || all before it
#pragma once

#include <string>
#include <vector>

#include "equitas/crypto/keys.hpp"
#include "equitas/wire/ids.hpp"
#include "equitas/wire/sync_messages.hpp"

namespace equitas {

inline constexpr std::string_view kBundleMagic = "EQB1";
inline constexpr std::string_view kReceiptMagic = "EQR1";
inline constexpr std::string_view kBundleSignContext{"equitas/bundle/v1\0", 18};
inline constexpr std::string_view kReceiptSignContext{"equitas/receipt/v1\0", 19};
inline constexpr std::size_t kMaxBundleEnvelopes = 1'000'000;

struct Bundle {
  DeviceId device_id;          // the device that exported it
  SignPublicKey server{};      // the server it is meant for
  std::int64_t created_at = 0;
  std::vector<Bytes> envelopes;
};

struct ReceiptItem {
  SubmissionId submission_id;
  std::uint32_t revision = 1;
  ItemResult result;
};

struct Receipt {
  SignPublicKey server{};
  std::int64_t created_at = 0;
  std::vector<ReceiptItem> items;
};

Bytes encode_bundle(const Bundle& b, const SigningKey& device_key);
// Structure only; the caller checks the signature with verify_bundle once it
// knows the device's key.
struct DecodedBundle {
  Bundle bundle;
  Bytes signed_part;  // what the signature covers, without the context
  Signature signature{};
};
Result<DecodedBundle> decode_bundle(ByteView bytes);
Status verify_bundle(const DecodedBundle& b, const SignPublicKey& device_key);

Bytes encode_receipt(const Receipt& r, const SigningKey& server_key);
// Checks structure and the server's signature against `pinned`.
Result<Receipt> decode_receipt(ByteView bytes, const SignPublicKey& pinned);

bool looks_like_bundle(ByteView bytes);
bool looks_like_receipt(ByteView bytes);

}  // namespace equitas
