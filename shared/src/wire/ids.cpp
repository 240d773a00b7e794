#include "equitas/wire/ids.hpp"

#include <algorithm>

namespace equitas {
namespace {

Result<Id16> parse_id16(std::string_view hex, const char* what) {
  std::string digits;
  digits.reserve(32);
  for (char c : hex) {
    if (c != '-') digits.push_back(c);
  }
  auto bytes = from_hex(digits);
  if (!bytes.is_ok() || bytes->size() != 16) {
    return Status::invalid_argument(std::string("'") + std::string(hex) + "' is not a valid " +
                                    what + " (expected 32 hex digits)");
  }
  Id16 id{};
  std::copy(bytes->begin(), bytes->end(), id.begin());
  return id;
}

}  // namespace

DeviceId DeviceId::random() { return DeviceId{random_array<16>()}; }

Result<DeviceId> DeviceId::parse(std::string_view hex) {
  EQ_ASSIGN_OR_RETURN(Id16 id, parse_id16(hex, "device id"));
  return DeviceId{id};
}

SubmissionId SubmissionId::random() {
  SubmissionId s{random_array<16>()};
  s.bytes[6] = static_cast<std::uint8_t>((s.bytes[6] & 0x0f) | 0x40);  // version 4
  s.bytes[8] = static_cast<std::uint8_t>((s.bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  return s;
}

Result<SubmissionId> SubmissionId::parse(std::string_view text) {
  EQ_ASSIGN_OR_RETURN(Id16 id, parse_id16(text, "submission id"));
  return SubmissionId{id};
}

std::string SubmissionId::to_string() const {
  std::string hex = to_hex(bytes);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

}  // namespace equitas
