#include "equitas/wire/enrollment_code.hpp"

#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "equitas/crypto/hash.hpp"

namespace equitas {
namespace {

constexpr std::string_view kPrefix = "EQ1-";
constexpr std::uint8_t kCodeVersion = 1;
constexpr std::size_t kChecksumBytes = 4;
constexpr std::string_view kSecretHashContext{"equitas/enroll-secret/v1\0", 25};

std::array<std::uint8_t, kChecksumBytes> checksum(ByteView body) {
  std::array<std::uint8_t, crypto_generichash_BYTES_MIN> h{};
  crypto_generichash(h.data(), h.size(), body.data(), body.size(), nullptr, 0);
  std::array<std::uint8_t, kChecksumBytes> out{};
  std::copy_n(h.begin(), kChecksumBytes, out.begin());
  return out;
}

}  // namespace

std::string format_enrollment_code(const EnrollmentCode& code) {
  // Sized up front so that no reallocation leaves a copy of the secret behind.
  ByteWriter w(1 + 2 + code.url.size() + 32 + 32 + 16 + kEnrollSecretBytes + 8 + 2 +
               code.site.size() + kChecksumBytes);
  w.u8(kCodeVersion);
  w.lp(code.url);
  w.raw(code.server.sign);
  w.raw(code.server.box);
  w.raw(code.device_id.bytes);
  w.raw(ByteView(code.secret.data(), kEnrollSecretBytes));
  w.u64be(static_cast<std::uint64_t>(code.expires_at));
  w.lp(code.site);
  Bytes body = w.take();
  const auto sum = checksum(body);
  body.insert(body.end(), sum.begin(), sum.end());
  std::string encoded = to_base64url(body);
  wipe(body);
  std::string text;
  text.reserve(kPrefix.size() + encoded.size());
  text.append(kPrefix).append(encoded);
  wipe(encoded);
  return text;
}

Result<EnrollmentCode> parse_enrollment_code(std::string_view text) {
  // People paste codes with stray spaces or line breaks: drop white space.
  std::string clean;
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c))) clean.push_back(c);
  }
  if (clean.rfind(kPrefix, 0) != 0) {
    return Status::invalid_argument(
        "this is not an Equitas enrollment code (it should start with " + std::string(kPrefix) +
        ")");
  }
  auto decoded = from_base64url(std::string_view(clean).substr(kPrefix.size()));
  wipe(clean);
  if (!decoded.is_ok() || decoded->size() <= kChecksumBytes) {
    return Status::invalid_argument("the enrollment code is damaged; copy it again");
  }
  Bytes body = std::move(decoded).value();
  const ByteView all(body);
  const ByteView payload = all.subspan(0, all.size() - kChecksumBytes);
  const auto sum = checksum(payload);
  if (sodium_memcmp(sum.data(), all.data() + payload.size(), kChecksumBytes) != 0) {
    wipe(body);
    return Status::invalid_argument(
        "the enrollment code is damaged (checksum mismatch); copy it again");
  }

  EnrollmentCode code;
  ByteReader r(payload);
  std::uint8_t version = 0;
  ByteView secret;
  std::uint64_t expires = 0;
  const bool ok = r.u8(version) && version == kCodeVersion &&
                  r.lp_string(code.url, kMaxUrlLength) && r.fixed(code.server.sign) &&
                  r.fixed(code.server.box) && r.fixed(code.device_id.bytes) &&
                  r.raw(kEnrollSecretBytes, secret) && r.u64be(expires) &&
                  r.lp_string(code.site, kMaxSiteLength) && r.at_end();
  if (ok) std::memcpy(code.secret.data(), secret.data(), kEnrollSecretBytes);
  wipe(body);
  if (!ok) {
    return Status::invalid_argument(
        version != kCodeVersion
            ? "the enrollment code is of version " + std::to_string(version) +
                  ", which this collector does not understand; update the collector"
            : std::string("the enrollment code is malformed; ask for a new one"));
  }
  code.expires_at = static_cast<std::int64_t>(expires);
  return code;
}

std::array<std::uint8_t, 32> enrollment_secret_hash(std::span<const std::uint8_t> secret) {
  return context_hash(kSecretHashContext, {ByteView(secret)});
}

}  // namespace equitas
