#include "equitas/wire/payload.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <ctime>

namespace equitas {

Bytes encode_payload(const ResponsePayload& p) {
  boost::json::object doc;
  doc["v"] = 1;
  doc["answers"] = p.answers;
  doc["submitted_at"] = p.submitted_at;
  if (!p.round.empty()) doc["round"] = p.round;
  const std::string text = boost::json::serialize(doc);
  return Bytes(text.begin(), text.end());
}

Result<ResponsePayload> decode_payload(ByteView bytes) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(as_chars(bytes), ec);
  if (ec || !v.is_object()) return Status::corruption("payload is not a JSON object");
  auto& doc = v.as_object();
  const auto* version = doc.if_contains("v");
  const auto* answers = doc.if_contains("answers");
  const auto* at = doc.if_contains("submitted_at");
  if (version == nullptr || !version->is_int64() || version->as_int64() != 1) {
    return Status::corruption("payload version is missing or unsupported");
  }
  if (answers == nullptr || !answers->is_object()) {
    return Status::corruption("payload has no answers object");
  }
  if (at == nullptr || !at->is_string()) return Status::corruption("payload has no submitted_at");
  const auto* round = doc.if_contains("round");
  if (round != nullptr && (!round->is_string() || round->as_string().size() > 64)) {
    return Status::corruption("payload round is malformed");
  }
  ResponsePayload p;
  p.answers = answers->as_object();
  p.submitted_at = std::string(at->as_string());
  if (round != nullptr) p.round = std::string(round->as_string());
  return p;
}

std::string iso8601_utc(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace equitas
