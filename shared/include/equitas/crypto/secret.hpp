// Holders for secret key material.
//
// Secrets live in memory from sodium_malloc (guard pages, excluded from core
// dumps where the OS allows, wiped by sodium_free) and are never copied into
// ordinary std::string or std::vector storage. The holders are move-only and
// have no printing operator, so a secret cannot end up in a log by accident.
#pragma once

#include <sodium.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <span>
#include <utility>

namespace equitas {

// Must run once, in main(), before anything else touches libsodium.
// Returns false when libsodium cannot initialise (no entropy source).
[[nodiscard]] bool crypto_startup();

template <std::size_t N>
class SecretBytes {
 public:
  SecretBytes() : p_(static_cast<std::uint8_t*>(sodium_malloc(N))) {
    if (p_ == nullptr) throw std::bad_alloc();  // out of locked memory: nothing sensible to do
    sodium_memzero(p_, N);
  }
  ~SecretBytes() {
    if (p_ != nullptr) sodium_free(p_);  // sodium_free wipes before releasing
  }
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  SecretBytes(SecretBytes&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  SecretBytes& operator=(SecretBytes&& o) noexcept {
    if (this != &o) {
      if (p_ != nullptr) sodium_free(p_);
      p_ = std::exchange(o.p_, nullptr);
    }
    return *this;
  }

  static constexpr std::size_t size() { return N; }
  std::uint8_t* data() { return p_; }
  const std::uint8_t* data() const { return p_; }
  std::span<std::uint8_t, N> span() { return std::span<std::uint8_t, N>(p_, N); }
  std::span<const std::uint8_t, N> span() const { return std::span<const std::uint8_t, N>(p_, N); }

  // Constant-time comparison.
  bool equals(std::span<const std::uint8_t> other) const {
    return other.size() == N && sodium_memcmp(p_, other.data(), N) == 0;
  }

 private:
  std::uint8_t* p_;
};

// A secret of a size known only at run time (a passphrase, a key file's
// contents), in sodium_malloc memory like SecretBytes. `size()` is what the
// holder was made with; `resize_down` shortens the visible part (the bytes
// beyond it are wiped), so a short read or a stripped line ending never
// needs a copy.
class SecretBuffer {
 public:
  SecretBuffer() = default;
  explicit SecretBuffer(std::size_t n)
      : p_(static_cast<std::uint8_t*>(sodium_malloc(n == 0 ? 1 : n))), n_(n) {
    if (p_ == nullptr) throw std::bad_alloc();
    sodium_memzero(p_, n == 0 ? 1 : n);
  }
  ~SecretBuffer() {
    if (p_ != nullptr) sodium_free(p_);
  }
  SecretBuffer(const SecretBuffer&) = delete;
  SecretBuffer& operator=(const SecretBuffer&) = delete;
  SecretBuffer(SecretBuffer&& o) noexcept
      : p_(std::exchange(o.p_, nullptr)), n_(std::exchange(o.n_, 0)) {}
  SecretBuffer& operator=(SecretBuffer&& o) noexcept {
    if (this != &o) {
      if (p_ != nullptr) sodium_free(p_);
      p_ = std::exchange(o.p_, nullptr);
      n_ = std::exchange(o.n_, 0);
    }
    return *this;
  }
  static SecretBuffer copy_of(std::span<const std::uint8_t> bytes) {
    SecretBuffer b(bytes.size());
    if (!bytes.empty()) std::memcpy(b.p_, bytes.data(), bytes.size());
    return b;
  }

  std::size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  std::uint8_t* data() { return p_; }
  const std::uint8_t* data() const { return p_; }
  std::span<std::uint8_t> span() { return {p_, n_}; }
  std::span<const std::uint8_t> span() const { return {p_, n_}; }
  void resize_down(std::size_t n) {
    if (n >= n_) return;
    sodium_memzero(p_ + n, n_ - n);
    n_ = n;
  }
  bool equals(std::span<const std::uint8_t> other) const {
    return other.size() == n_ && (n_ == 0 || sodium_memcmp(p_, other.data(), n_) == 0);
  }

 private:
  std::uint8_t* p_ = nullptr;
  std::size_t n_ = 0;
};

// Wipes a buffer that held plaintext or key material (an answer file, a JSON
// payload) before its storage is released.
template <typename Container>
void wipe(Container& c) {
  if (!c.empty()) sodium_memzero(c.data(), c.size() * sizeof(c[0]));
  c.clear();
}

}  // namespace equitas
