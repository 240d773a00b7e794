// The one-line enrollment code that joins a collector to a server.
//
// `sync-server device enroll` prints it; the administrator carries it to the
// post (paper, SMS, phone call) and types or pastes it into
// `collector enroll`, which works offline. The code carries what the
// collector pins (the server's public keys and URL), the device id the server
// reserved, the site name, an expiry, and a one-time secret. The device proves
// it holds the secret at its first sync, inside the authenticated channel.
//
// Text form: "EQ1-" + base64url(body || 4-byte BLAKE2b checksum). The
// checksum catches copying mistakes; it is not a security mechanism.
#pragma once

#include <cstdint>
#include <string>

#include "equitas/crypto/keys.hpp"
#include "equitas/crypto/secret.hpp"
#include "equitas/status/status.hpp"
#include "equitas/wire/ids.hpp"

namespace equitas {

inline constexpr std::size_t kEnrollSecretBytes = 32;
inline constexpr std::size_t kMaxUrlLength = 512;
inline constexpr std::size_t kMaxSiteLength = 128;

struct EnrollmentCode {
  std::string url;  // ws://host:port
  ServerPublicKeys server;
  DeviceId device_id;
  SecretBytes<kEnrollSecretBytes> secret;
  std::int64_t expires_at = 0;  // unix seconds
  std::string site;
};

std::string format_enrollment_code(const EnrollmentCode& code);
Result<EnrollmentCode> parse_enrollment_code(std::string_view text);

// What the server stores instead of the secret: BLAKE2b-256 over a context
// string and the secret. Compared in constant time.
std::array<std::uint8_t, 32> enrollment_secret_hash(std::span<const std::uint8_t> secret);

}  // namespace equitas
