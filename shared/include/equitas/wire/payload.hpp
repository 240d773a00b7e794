// The plaintext inside an envelope's sealed box: a JSON document
//   {"v":1, "answers":{...}, "submitted_at":"2026-11-23T09:41:07Z", "round":"2026-baseline"}
// Only the server can read it.
#pragma once

#include <boost/json/object.hpp>
#include <string>

#include "equitas/status/status.hpp"
#include "equitas/util/bytes.hpp"

namespace equitas {

struct ResponsePayload {
  boost::json::object answers;
  std::string submitted_at;  // ISO 8601 UTC; the day only ("2026-11-23") for anonymous forms
  std::string round;         // the publication round it answers, or "" (then omitted)
};

Bytes encode_payload(const ResponsePayload& p);
// Corruption when the bytes are not a JSON object of that shape.
Result<ResponsePayload> decode_payload(ByteView bytes);

// "2026-11-23T09:41:07Z" for a unix time.
std::string iso8601_utc(std::int64_t unix_seconds);
std::int64_t unix_now();

}  // namespace equitas
