#include "equitas/util/bytes.hpp"

#include <sodium.h>

namespace equitas {

void ByteWriter::u32be(std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out_.push_back(static_cast<std::uint8_t>(v >> shift));
}

void ByteWriter::u64be(std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out_.push_back(static_cast<std::uint8_t>(v >> shift));
}

void ByteWriter::varint(std::uint64_t v) {
  while (v >= 0x80) {
    out_.push_back(static_cast<std::uint8_t>(v | 0x80));
    v >>= 7;
  }
  out_.push_back(static_cast<std::uint8_t>(v));
}

bool ByteReader::u8(std::uint8_t& v) {
  if (remaining() < 1) return false;
  v = in_[pos_++];
  return true;
}

bool ByteReader::u32be(std::uint32_t& v) {
  if (remaining() < 4) return false;
  v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | in_[pos_++];
  return true;
}

bool ByteReader::u64be(std::uint64_t& v) {
  if (remaining() < 8) return false;
  v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | in_[pos_++];
  return true;
}

bool ByteReader::varint(std::uint64_t& v, std::uint64_t max) {
  std::uint64_t result = 0;
  for (int i = 0; i < 10; ++i) {
    if (remaining() < 1) return false;
    const std::uint8_t byte = in_[pos_++];
    if (i == 9 && byte > 1) return false;  // would overflow 64 bits
    result |= static_cast<std::uint64_t>(byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) {
      // A trailing zero group means a longer encoding than needed: refuse it so
      // that every value has exactly one encoding (signatures depend on that).
      if (i > 0 && byte == 0) return false;
      if (result > max) return false;
      v = result;
      return true;
    }
  }
  return false;
}

bool ByteReader::raw(std::size_t n, ByteView& out) {
  if (remaining() < n) return false;
  out = in_.subspan(pos_, n);
  pos_ += n;
  return true;
}

bool ByteReader::lp(ByteView& out, std::size_t max_len) {
  std::uint64_t n = 0;
  if (!varint(n, max_len)) return false;
  return raw(static_cast<std::size_t>(n), out);
}

bool ByteReader::lp_string(std::string& out, std::size_t max_len) {
  ByteView v;
  if (!lp(v, max_len)) return false;
  out.assign(as_chars(v));
  return true;
}

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // No overlong forms, no surrogates, nothing past U+10FFFF.
    static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return false;
    i += n + 1;
  }
  return true;
}

std::string_view truncate_utf8(std::string_view s, std::size_t max) {
  if (s.size() <= max) return s;
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

std::string to_hex(ByteView b) {
  std::string out(b.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), b.data(), b.size());
  out.pop_back();
  return out;
}

Result<Bytes> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) return Status::invalid_argument("hex text has an odd number of digits");
  // An empty vector's data() may be null, which libsodium must never get.
  if (hex.empty()) return Bytes{};
  Bytes out(hex.size() / 2);
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_hex2bin(out.data(), out.size(), hex.data(), hex.size(), nullptr, &len, &end) != 0 ||
      end != hex.data() + hex.size() || len != out.size()) {
    return Status::invalid_argument("not valid hex text");
  }
  return out;
}

std::string to_base64url(ByteView b) {
  constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string out(sodium_base64_ENCODED_LEN(b.size(), kVariant), '\0');
  sodium_bin2base64(out.data(), out.size(), b.data(), b.size(), kVariant);
  out.resize(std::char_traits<char>::length(out.c_str()));
  return out;
}

Result<Bytes> from_base64url(std::string_view text) {
  Bytes out(text.size() * 3 / 4 + 3);
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &len, &end,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      end != text.data() + text.size()) {
    return Status::invalid_argument("not valid base64url text");
  }
  out.resize(len);
  return out;
}

void random_fill(std::span<std::uint8_t> out) { randombytes_buf(out.data(), out.size()); }

}  // namespace equitas
