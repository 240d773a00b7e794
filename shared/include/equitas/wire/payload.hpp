// The plaintext inside an envelope's sealed box. Only the server can read it.
// Two encodings, told apart by the first byte (docs/protocol.md, section 4):
//
//   v1  JSON: {"v":1, "answers":{...}, "submitted_at":"...", "round":"..."}
//       (first byte '{'). Written by older collectors; always accepted.
//   v2  binary (first byte 0x02): the same content, with each answer keyed
//       by its position in the form version's item list and each choice by
//       its position in the question's list. About a tenth of the size of v1
//       for a Likert survey. Decoding needs the PayloadLayout of the form
//       version the envelope names.
//
// Both decode to the same ResponsePayload: v2 is lossless, so the server
// stores and validates exactly what a v1 payload of the same answers gives.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "equitas/status/status.hpp"
#include "equitas/util/bytes.hpp"

namespace equitas {

// What makes a payload a contribution to a team assessment (the GEOAT as
// one shared record; forms/assessment_merge.hpp): its answers are partial,
// checked without "required", and merged into the assessment on ingest.
// Carried by v1 (JSON) payloads only, as "contribution": {...}; a server
// that predates it reads the answers as a plain submission.
struct ContributionMeta {
  std::string assessment;  // the assessment's id
  std::string role;        // the member's role in the team (team_role list)
  std::int64_t base = 0;   // the merged version the collector held
  // The site its per-site answers are about (forms::Item::per_site), one
  // the server knows; "" when it gives the administration's answers.
  std::string site;
  bool operator==(const ContributionMeta&) const = default;
};

struct ResponsePayload {
  boost::json::object answers;
  std::string submitted_at;  // ISO 8601 UTC; the day only ("2026-11-23") for anonymous forms
  std::string round;         // the publication round it answers, or "" (then omitted)
  std::optional<ContributionMeta> contribution;
  // The single-use response code that unlocked this response, for a form
  // that requires one (wire/response_codes.hpp). Carried by v1 (JSON)
  // payloads only, as "response_code"; the server checks it and never
  // stores it with the answers.
  std::string response_code;
};

inline constexpr std::uint8_t kPayloadV2 = 0x02;

// How one form version numbers its answers in a v2 payload: every item that
// takes an answer and is not inside a repeat, depth first (Form::walk order),
// with its choice names for select and Likert items. Immutable once built;
// safe to share between threads.
//
// A form's layout is built in the forms area, by forms::payload_layout
// (forms/payload_layout.hpp), which knows how a form is walked; this area
// only encodes and decodes against it.
class PayloadLayout {
 public:
  struct Key {
    std::string name;
    std::vector<std::string> choices;  // empty unless a select or Likert item
  };
  PayloadLayout() = default;
  // The keys in order. A name already taken keeps its first position, and a
  // choice repeated within a key keeps its first code.
  explicit PayloadLayout(std::vector<Key> keys);
  const std::vector<Key>& keys() const { return keys_; }
  // Position of `name` among keys(), or -1.
  int position(std::string_view name) const;
  // Position of `choice` in key `pos`'s list, or -1.
  int choice(std::size_t pos, std::string_view choice) const;

 private:
  std::vector<Key> keys_;
  std::unordered_map<std::string, std::uint32_t> positions_;
  std::vector<std::unordered_map<std::string, std::uint32_t>> choice_codes_;  // per key
};

// v1 (JSON).
Bytes encode_payload(const ResponsePayload& p);
// v2 (binary), for the form version `layout` was built from.
Bytes encode_payload(const ResponsePayload& p, const PayloadLayout& layout);
// True when `bytes` claims to be a v2 payload (its first byte).
bool is_payload_v2(ByteView bytes);
// Either version. A v2 payload needs the layout of the envelope's form
// version: failed_precondition when `layout` is null. Corruption when the
// bytes are not a well-formed payload of their version.
Result<ResponsePayload> decode_payload(ByteView bytes, const PayloadLayout* layout = nullptr);

// "2026-11-23T09:41:07Z" for a unix time.
std::string iso8601_utc(std::int64_t unix_seconds);
// "2026-11-23" or "2026-11-23T09:30:00Z" as Unix seconds; nullopt for
// anything else (a submission's submitted_at, say, from a device).
std::optional<std::int64_t> parse_iso8601_utc(std::string_view s);

}  // namespace equitas
