// Byte buffers and the small binary codec every Equitas wire format uses.
//
// Integers are unsigned LEB128 varints ("varint") or fixed big-endian. A
// length-prefixed field ("lp") is a varint byte count followed by the bytes.
// ByteReader never reads past its input: every getter returns false instead,
// and the caller turns that into a Status naming the field.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "equitas/status/status.hpp"

namespace equitas {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_chars(ByteView b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

class ByteWriter {
 public:
  ByteWriter() = default;
  explicit ByteWriter(std::size_t reserve) { out_.reserve(reserve); }

  void u8(std::uint8_t v) { out_.push_back(v); }
  void u32be(std::uint32_t v);
  void u64be(std::uint64_t v);
  void varint(std::uint64_t v);
  void raw(ByteView b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void raw(std::string_view s) { raw(as_bytes(s)); }
  void lp(ByteView b) {
    varint(b.size());
    raw(b);
  }
  void lp(std::string_view s) { lp(as_bytes(s)); }

  const Bytes& bytes() const { return out_; }
  Bytes take() { return std::move(out_); }

 private:
  Bytes out_;
};

class ByteReader {
 public:
  explicit ByteReader(ByteView in) : in_(in) {}

  [[nodiscard]] bool u8(std::uint8_t& v);
  [[nodiscard]] bool u32be(std::uint32_t& v);
  [[nodiscard]] bool u64be(std::uint64_t& v);
  // Rejects over-long encodings and values above `max`.
  [[nodiscard]] bool varint(std::uint64_t& v, std::uint64_t max = UINT64_MAX);
  [[nodiscard]] bool raw(std::size_t n, ByteView& out);
  template <std::size_t N>
  [[nodiscard]] bool fixed(std::array<std::uint8_t, N>& out) {
    ByteView v;
    if (!raw(N, v)) return false;
    std::copy(v.begin(), v.end(), out.begin());
    return true;
  }
  // A length-prefixed field of at most `max_len` bytes.
  [[nodiscard]] bool lp(ByteView& out, std::size_t max_len);
  [[nodiscard]] bool lp_string(std::string& out, std::size_t max_len);

  std::size_t remaining() const { return in_.size() - pos_; }
  std::size_t position() const { return pos_; }
  bool at_end() const { return pos_ == in_.size(); }

 private:
  ByteView in_;
  std::size_t pos_ = 0;
};

// True when `s` is well-formed UTF-8: no overlong forms, no surrogates.
bool valid_utf8(std::string_view s);
// At most `max` bytes of `s`, cut before a character rather than inside one (UTF-8).
std::string_view truncate_utf8(std::string_view s, std::size_t max);

std::string to_hex(ByteView b);
// Accepts upper or lower case; fails on odd length or a non-hex character.
Result<Bytes> from_hex(std::string_view hex);
// Exactly N bytes of hex into `out`; false (out unchanged) otherwise.
template <std::size_t N>
bool from_hex_into(std::string_view hex, std::array<std::uint8_t, N>& out) {
  if (hex.size() != 2 * N) return false;
  auto b = from_hex(hex);
  if (!b.is_ok() || b->size() != N) return false;
  std::copy(b->begin(), b->end(), out.begin());
  return true;
}

// URL-safe base64 without padding (RFC 4648 section 5), via libsodium.
std::string to_base64url(ByteView b);
Result<Bytes> from_base64url(std::string_view text);

// Fills `out` from the operating system's CSPRNG (randombytes_buf).
void random_fill(std::span<std::uint8_t> out);

template <std::size_t N>
std::array<std::uint8_t, N> random_array() {
  std::array<std::uint8_t, N> a{};
  random_fill(a);
  return a;
}

}  // namespace equitas
