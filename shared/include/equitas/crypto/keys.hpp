// The long-term keys of a server and of a collector device, and their files.
//
// Server: an Ed25519 key (signs session transcripts and, later, form
// definitions and receipts) and an X25519 key (sealed boxes hold every
// submission's answers). Device: one Ed25519 key that signs its envelopes and
// its side of each session. Public halves are plain arrays; secret halves are
// SecretBytes.
//
// Key files are written with mode 0600 through a temporary file, fsync and
// rename, so a crash leaves either the old file or the new one.
#pragma once

#include <sodium.h>

#include <array>
#include <cstdint>
#include <filesystem>

#include "equitas/crypto/secret.hpp"
#include "equitas/status/status.hpp"
#include "equitas/util/bytes.hpp"

namespace equitas {

using SignPublicKey = std::array<std::uint8_t, crypto_sign_PUBLICKEYBYTES>;
using BoxPublicKey = std::array<std::uint8_t, crypto_box_PUBLICKEYBYTES>;
using Signature = std::array<std::uint8_t, crypto_sign_BYTES>;

class SigningKey {
 public:
  static SigningKey generate();
  // From the 64-byte libsodium secret key (seed || public key).
  static Result<SigningKey> from_secret(ByteView secret);

  const SignPublicKey& public_key() const { return pk_; }
  // Detached Ed25519 signature over `message`.
  Signature sign(ByteView message) const;
  const SecretBytes<crypto_sign_SECRETKEYBYTES>& secret() const { return sk_; }

 private:
  SigningKey() = default;
  SignPublicKey pk_{};
  SecretBytes<crypto_sign_SECRETKEYBYTES> sk_;
};

bool verify_signature(const SignPublicKey& pk, ByteView message, const Signature& sig);

class BoxKey {
 public:
  static BoxKey generate();
  static Result<BoxKey> from_secret(ByteView secret);

  const BoxPublicKey& public_key() const { return pk_; }
  const SecretBytes<crypto_box_SECRETKEYBYTES>& secret() const { return sk_; }

 private:
  BoxKey() = default;
  BoxPublicKey pk_{};
  SecretBytes<crypto_box_SECRETKEYBYTES> sk_;
};

// Sealed box (crypto_box_seal): anonymous public-key encryption to `to`.
Bytes seal_to(const BoxPublicKey& to, ByteView plaintext);
// Opens a sealed box. The returned plaintext is the caller's to wipe.
Result<Bytes> open_sealed(const BoxKey& key, ByteView sealed);

// What the collector pins from its enrollment code.
struct ServerPublicKeys {
  SignPublicKey sign{};
  BoxPublicKey box{};
  bool operator==(const ServerPublicKeys&) const = default;
};

struct ServerKeys {
  SigningKey sign;
  BoxKey box;
  ServerPublicKeys public_keys() const { return {sign.public_key(), box.public_key()}; }
};

// Writes `contents` to `path` with mode 0600, atomically (temp file, fsync, rename).
Status write_private_file(const std::filesystem::path& path, ByteView contents);
Status write_file_atomically(const std::filesystem::path& path, ByteView contents, unsigned mode);
Result<Bytes> read_file(const std::filesystem::path& path, std::size_t max_size);

Status save_server_keys(const std::filesystem::path& path, const ServerKeys& keys);
Result<ServerKeys> load_server_keys(const std::filesystem::path& path);
Status save_device_key(const std::filesystem::path& path, const SigningKey& key);
Result<SigningKey> load_device_key(const std::filesystem::path& path);

}  // namespace equitas
