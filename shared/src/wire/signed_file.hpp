// What the wire's signed files share (a bundle, a receipt, a device list, a
// registration): their magic, a version and a body, then an Ed25519
// signature over those. Private to the wire library.
#pragma once

#include <algorithm>
#include <optional>
#include <string_view>

#include "equitas/crypto/keys.hpp"
#include "equitas/util/bytes.hpp"

namespace equitas::wire_detail {

struct SignedFile {
  ByteView body;  // the magic, version and body: what the signature covers
  Signature signature{};
};

// `bytes` split at its signature; none when it is too short to hold the
// magic, a version byte and a signature, or does not start with `magic`.
inline std::optional<SignedFile> split_signed(ByteView bytes, std::string_view magic) {
  if (bytes.size() < magic.size() + 1 + crypto_sign_BYTES ||
      as_chars(bytes.subspan(0, magic.size())) != magic) {
    return std::nullopt;
  }
  SignedFile f;
  f.body = bytes.subspan(0, bytes.size() - crypto_sign_BYTES);
  std::copy(bytes.end() - crypto_sign_BYTES, bytes.end(), f.signature.begin());
  return f;
}

}  // namespace equitas::wire_detail
