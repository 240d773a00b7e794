// Single-use response codes: one response per person, unlinkable (issue 14).
//
// HQ issues a batch of codes for a form's round (`sync-server codes issue`)
// and hands the printed slips out at random, like ballots. A code is 16
// characters of Crockford's base32 (no I, L, O or U, so nothing reads as
// another letter): 15 random ones (75 bits) and a check character (Luhn
// mod 32), which catches every single mistyped character and most swaps of
// two neighbours before the code is looked up at all.
//
// The codes themselves are printed and never stored. A batch carries, for
// each code, a 16-byte BLAKE2b digest keyed with the batch's public salt and
// bound to the form and round, sorted, so it says nothing of the order the
// codes were printed in. The server signs the batch (context
// "equitas/codes/v1\0"); collectors receive it at sync and check a typed code
// offline: genuine (its digest is in a batch for this form and round) and
// not used on this collector. The server checks again across every
// collector (docs/security.md, "Response codes").
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "equitas/crypto/keys.hpp"
#include "equitas/status/status.hpp"
#include "equitas/util/bytes.hpp"

namespace equitas {

inline constexpr std::size_t kResponseCodeChars = 16;
inline constexpr std::size_t kCodeDigestBytes = 16;
inline constexpr std::size_t kCodeSaltBytes = 16;
inline constexpr std::size_t kCodeBatchIdBytes = 16;
// One batch fits a sync message with room to spare (16 bytes a code).
inline constexpr std::size_t kMaxCodesPerBatch = 20'000;
inline constexpr std::string_view kCodeBatchSignContext{"equitas/codes/v1\0", 17};

using CodeDigest = std::array<std::uint8_t, kCodeDigestBytes>;
using CodeSalt = std::array<std::uint8_t, kCodeSaltBytes>;
using CodeBatchId = std::array<std::uint8_t, kCodeBatchIdBytes>;

// A new random code, canonical (16 characters, no separators).
std::string generate_response_code();
// "K7QM-4XRT-9PZD-1C8W": as printed, in groups of four.
std::string format_response_code(std::string_view canonical);

// Why a typed code is not a code at all, before any lookup.
enum class CodeTypo : std::uint8_t { kNone = 0, kLength, kCharacter, kCheck };
struct NormalizedCode {
  std::string canonical;  // when typo == kNone
  CodeTypo typo = CodeTypo::kNone;
};
// Accepts what people type or a scanner reads: any case, spaces and
// hyphens anywhere, I and L for 1, O for 0.
NormalizedCode normalize_response_code(std::string_view typed);

// The digest of a canonical code in a batch: BLAKE2b-128 keyed with the
// batch's salt over a context, the form id, the round and the code.
CodeDigest code_digest(const CodeSalt& salt, std::string_view form_id, std::string_view round,
                       std::string_view canonical);

struct CodeBatch {
  CodeBatchId id{};
  std::string form_id;
  std::string round;
  CodeSalt salt{};
  std::vector<CodeDigest> digests;  // sorted, no repeats
  Signature signature{};

  bool contains(const CodeDigest& d) const;
};

// context || server sign key || id || lp(form) || lp(round) || salt ||
// varint(count) || digests
Bytes code_batch_signing_input(const CodeBatch& b, const SignPublicKey& server);
Bytes encode_code_batch(const CodeBatch& b);
// Structure only (sizes, order); verify_code_batch checks the signature.
Result<CodeBatch> decode_code_batch(ByteView bytes);
Status verify_code_batch(const CodeBatch& b, const SignPublicKey& server);
// Both, as a collector takes a batch from a sync or a file.
Result<CodeBatch> open_code_batch(ByteView bytes, const SignPublicKey& server);

}  // namespace equitas
