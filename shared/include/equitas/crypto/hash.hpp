// Domain-separated hashing: BLAKE2b-256 over a context string, then the
// data, so that a hash made for one purpose is never one for another.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "equitas/util/bytes.hpp"

namespace equitas {

// The 32-byte BLAKE2b of `context` followed by each of `parts`, in order.
std::array<std::uint8_t, 32> context_hash(std::string_view context,
                                          std::initializer_list<ByteView> parts);

}  // namespace equitas
