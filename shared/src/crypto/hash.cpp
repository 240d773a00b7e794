#include "equitas/crypto/hash.hpp"

#include <sodium.h>

namespace equitas {

std::array<std::uint8_t, 32> context_hash(std::string_view context,
                                          std::initializer_list<ByteView> parts) {
  std::array<std::uint8_t, 32> out{};
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, out.size());
  crypto_generichash_update(&st, reinterpret_cast<const std::uint8_t*>(context.data()),
                            context.size());
  for (const ByteView part : parts) crypto_generichash_update(&st, part.data(), part.size());
  crypto_generichash_final(&st, out.data(), out.size());
  // The parts may be secret (an enrollment secret, a token).
  sodium_memzero(&st, sizeof st);
  return out;
}

}  // namespace equitas
