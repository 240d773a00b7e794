// Fuzz target: the envelope decoder and the session message decoder, the two
// readers of bytes that arrive from a collector over the sync link.
//
// Besides "never crash", it checks two properties the protocol relies on:
// - an envelope that decodes re-encodes to exactly the same bytes (the server
//   tells a retry from a conflict by comparing bytes, so the decoder must
//   accept one encoding per envelope);
// - a session message that decodes re-encodes to bytes that decode again.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <variant>

#include "equitas/util/bytes.hpp"
#include "equitas/wire/envelope.hpp"
#include "equitas/wire/sync_messages.hpp"

namespace {

void check(bool property) {
  if (!property) std::abort();
}

void fuzz_envelope(equitas::ByteView in) {
  auto e = equitas::decode_envelope(in);
  if (!e.is_ok()) return;
  const equitas::Bytes again = equitas::encode_envelope(*e);
  check(equitas::ByteView(again).size() == in.size() &&
        std::equal(again.begin(), again.end(), in.begin()));
}

void fuzz_sync_message(equitas::ByteView in) {
  auto m = equitas::decode_sync_message(in);
  if (!m.is_ok()) return;
  const equitas::Bytes again = std::visit([](const auto& msg) { return equitas::encode(msg); }, *m);
  check(equitas::decode_sync_message(again).is_ok());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const equitas::ByteView in(data, size);
  fuzz_envelope(in);
  fuzz_sync_message(in);
  return 0;
}
