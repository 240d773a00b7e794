// Identifiers that travel on the wire: 16 random bytes each.
//
// Printed as lower-case hex (device ids, 32 characters) or as a UUID
// (submission ids, so they look like the instanceID analysts know from ODK).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "equitas/status/status.hpp"
#include "equitas/util/bytes.hpp"

namespace equitas {

using Id16 = std::array<std::uint8_t, 16>;

struct DeviceId {
  Id16 bytes{};
  static DeviceId random();
  static Result<DeviceId> parse(std::string_view hex);
  std::string to_string() const { return to_hex(bytes); }
  auto operator<=>(const DeviceId&) const = default;
};

struct SubmissionId {
  Id16 bytes{};
  // A random (version 4) UUID.
  static SubmissionId random();
  // Accepts the UUID form with dashes or 32 bare hex digits.
  static Result<SubmissionId> parse(std::string_view text);
  std::string to_string() const;  // 8-4-4-4-12
  auto operator<=>(const SubmissionId&) const = default;
};

}  // namespace equitas
