// Fuzz target: the USB bundle and receipt readers. Both files travel on a
// stick between a post and headquarters, so their bytes are untrusted.
//
// A bundle's structure is decoded before any signature check, so the input
// goes straight to decode_bundle. A receipt's signature is checked first;
// to reach the structure parser without weakening production code, the
// target signs the fuzz input with a fixed fuzz-only server key and pins
// that key (the unsigned input is also tried, to cover the refusal path).
#include <sodium.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "equitas/crypto/keys.hpp"
#include "equitas/crypto/secret.hpp"
#include "equitas/wire/bundle.hpp"

namespace {

const equitas::SigningKey& fuzz_server_key() {
  static const std::unique_ptr<equitas::SigningKey> key = [] {
    if (!equitas::crypto_startup()) std::abort();
    return std::make_unique<equitas::SigningKey>(equitas::SigningKey::generate());
  }();
  return *key;
}

void fuzz_bundle(equitas::ByteView in) {
  auto b = equitas::decode_bundle(in);
  if (!b.is_ok()) return;
  (void)equitas::verify_bundle(*b, fuzz_server_key().public_key());
}

void fuzz_receipt(equitas::ByteView in) {
  const auto& key = fuzz_server_key();
  (void)equitas::decode_receipt(in, key.public_key());
  // Re-sign everything but the last 64 bytes, as the server would.
  equitas::Bytes body(in.begin(), in.end() - std::min<std::size_t>(in.size(), crypto_sign_BYTES));
  equitas::Bytes to_sign(equitas::kReceiptSignContext.begin(), equitas::kReceiptSignContext.end());
  to_sign.insert(to_sign.end(), body.begin(), body.end());
  const equitas::Signature sig = key.sign(to_sign);
  body.insert(body.end(), sig.begin(), sig.end());
  (void)equitas::decode_receipt(body, key.public_key());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const equitas::ByteView in(data, size);
  fuzz_bundle(in);
  fuzz_receipt(in);
  return 0;
}
