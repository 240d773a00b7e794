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
// A collector that has never reached its server adds its registration
// (registration.hpp), so that the server learns the device's key from the
// bundle itself and can complete the enrollment offline.
//
// Bundles also carry the files their responses name (photos, documents;
// wire/file_transfer.hpp), as they were sealed at capture: the device that
// exports them cannot read them back, a relay cannot either, and the server
// checks every chunk against the key and hash inside the signed response,
// exactly as it does for chunks that arrive over a link.
//
// Bundle:  "EQB1" | u8 version (1; 2 with a registration; 3 with files) | 16 device id
//          | 32 server sign key (pinned) | u64be created_at | varint count | count x lp(envelope)
//          [version 2 and 3: | u8 has_registration | lp(registration) if 1]
//          [version 3: | varint files | files x (16 file id | 32 sha256 | varint size
//                      | 16 submission id | varint revision | varint chunks | chunks x lp(chunk))]
//          | 64 Ed25519 signature by the device over kBundleSignContext || all before it
// Receipt: "EQR1" | u8 version (2; 3 with files) | 32 server sign key | u64be created_at | varint
// count
//          | count x (16 submission id | varint revision | 16 origin device id
//                     | 32 envelope hash | u8 status [| u8 reason | lp detail])
//          [version 3: | varint files | files x (16 file id | u8 held [| lp detail if 0])]
//          | 64 Ed25519 signature by the server over kReceiptSignContext || all before it
//
// A receipt item names the exact envelope (BLAKE2b-256 of its bytes) and the
// device that signed it, so a collector applies a verdict only to its own,
// unaltered copy: a relay that altered, re-signed or lost its standing cannot
// make the origin give its responses up. Version 1 receipts (without that
// binding) are refused.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "equitas/crypto/keys.hpp"
#include "equitas/wire/envelope.hpp"
#include "equitas/wire/file_transfer.hpp"
#include "equitas/wire/ids.hpp"
#include "equitas/wire/sync_messages.hpp"

namespace equitas {

inline constexpr std::string_view kBundleMagic = "EQB1";
inline constexpr std::string_view kReceiptMagic = "EQR1";
inline constexpr std::string_view kBundleSignContext{"equitas/bundle/v1\0", 18};
inline constexpr std::string_view kReceiptSignContext{"equitas/receipt/v1\0", 19};
inline constexpr std::size_t kMaxBundleEnvelopes = 1'000'000;
inline constexpr std::size_t kMaxBundleFiles = 100'000;
// A bundle is read whole; no file in it can be larger.
inline constexpr std::uint64_t kMaxBundleBytes = 1ull << 30;

// A file as sealed at capture, with the response that names it (so that a
// relay can queue it behind that response).
struct BundleFile {
  FileId id{};
  FileHash sha256{};
  std::uint64_t size = 0;  // plaintext bytes
  SubmissionId submission_id;
  std::uint32_t revision = 1;
  std::vector<Bytes> chunks;  // chunks[0] = stream header || first chunk
  std::uint64_t sealed_bytes() const;
};

struct Bundle {
  DeviceId device_id;      // the device that exported it
  SignPublicKey server{};  // the server it is meant for
  std::int64_t created_at = 0;
  std::vector<Bytes> envelopes;
  std::optional<Bytes> registration;  // registration.hpp; only before the first contact
  std::vector<BundleFile> files;
};

struct ReceiptItem {
  SubmissionId submission_id;
  std::uint32_t revision = 1;
  DeviceId origin;               // the device that signed the envelope
  EnvelopeHash envelope_hash{};  // of the exact bytes the server decided on
  ItemResult result;
};

// What became of a file the bundle carried: held (checked and stored, now
// or before), or not, and why (its response was refused, a chunk did not
// check, the disk was full). A file not held stays on the collector.
struct ReceiptFile {
  FileId id{};
  bool held = false;
  std::string detail;  // when not held
};

struct Receipt {
  SignPublicKey server{};
  std::int64_t created_at = 0;
  std::vector<ReceiptItem> items;
  std::vector<ReceiptFile> files;
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
