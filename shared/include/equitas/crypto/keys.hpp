// The long-term keys of a server and of a collector device, and their files.
//
// Server: an Ed25519 key (signs session transcripts and, later, form
// definitions and receipts) and an X25519 key (sealed boxes hold every
// submission's answers). Device: one Ed25519 key that signs its envelopes and
// its side of each session. Public halves are plain arrays; secret halves are
// SecretBytes.
//
// Key files are written with mode 0600 through a temporary file, fsync and
// rename, so a crash leaves either the old file or the new one. A key file is
// either plain (the secret keys as they are) or protected by a passphrase
// (see "Passphrase-protected key files" below); both load the same way.
#pragma once

#include <sodium.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

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
// read(2) until `size` bytes or end of file (retrying EINTR); the count read.
std::size_t read_fully(int fd, std::uint8_t* data, std::size_t size);

// ---------------------------------------------------------------------------
// Passphrase-protected key files
//
// A protected file holds the same secret keys sealed with
// XChaCha20-Poly1305 (crypto_aead_xchacha20poly1305_ietf) under a key derived
// from the passphrase with Argon2id (crypto_pwhash, MODERATE limits or
// stronger). Layout, all of it fixed-size:
//
//   "EQUITAS-KEY-2\n"  kind (1: server, 2: device)  format (1)
//   opslimit (u64 LE)  memlimit (u64 LE)  salt (16)  nonce (24)   <- header
//   ciphertext of the secret keys, with its 16-byte tag
//   BLAKE2b-256 of everything above
//
// The header is the AEAD's associated data, so a change to any bit of it or
// of the ciphertext fails authentication. The trailing checksum is not a
// security measure (anyone can recompute it); it tells accidental damage
// ("damaged") apart from a wrong passphrase, and it lets damage be refused
// before an Argon2id evaluation. Limits below MODERATE, or so large that
// loading would exhaust the machine, are refused.
//
// Passphrases live in SecretBuffer (sodium_malloc) and are never printed.

using Passphrase = SecretBuffer;

// Shorter passphrases are refused when protecting a file (not when opening
// one, so a file protected elsewhere still opens).
inline constexpr std::size_t kMinPassphraseLength = 8;
inline constexpr std::size_t kMaxPassphraseLength = 1024;
// The environment variable services use instead of --passphrase-file.
inline constexpr const char* kKeyPassphraseEnv = "EQUITAS_KEY_PASSPHRASE";
// The new passphrase for the "key passphrase" commands, instead of a file.
inline constexpr const char* kNewKeyPassphraseEnv = "EQUITAS_NEW_KEY_PASSPHRASE";

// The passphrase in FILE: its first line, without the line ending. Refuses
// an empty one and files over kMaxPassphraseLength bytes.
Result<Passphrase> read_passphrase_file(const std::filesystem::path& file);
// The passphrase in environment variable `name`, or nullopt when it is not
// set. The variable's value is wiped in place and the variable unset, so it
// does not linger in /proc/PID/environ or reach child processes.
Result<std::optional<Passphrase>> take_passphrase_from_env(const char* name = kKeyPassphraseEnv);

enum class KeyFileProtection { kPlain, kPassphrase };
// Whether `path` is a plain or a protected key file (not_found / corruption).
Result<KeyFileProtection> key_file_protection(const std::filesystem::path& path);

// Explicit forms. Saving with a passphrase writes a protected file, without
// (null) a plain one. Loading a protected file needs the passphrase:
// failed_precondition without one ("... is protected by a passphrase"),
// unauthenticated for a wrong one ("wrong passphrase for PATH"), corruption
// for a damaged file. A passphrase given for a plain file is not needed and
// is ignored. Nothing is ever written by a load.
Status save_server_keys(const std::filesystem::path& path, const ServerKeys& keys,
                        const Passphrase* passphrase);
Result<ServerKeys> load_server_keys(const std::filesystem::path& path,
                                    const Passphrase* passphrase);
Status save_device_key(const std::filesystem::path& path, const SigningKey& key,
                       const Passphrase* passphrase);
Result<SigningKey> load_device_key(const std::filesystem::path& path, const Passphrase* passphrase);

// Re-writes the key file at `path` (server or device) under `next`, or plain
// when `next` is null. `current` opens it when it is protected. On any error
// the file is left as it was.
Status change_key_file_passphrase(const std::filesystem::path& path, const Passphrase* current,
                                  const Passphrase* next);

// The "key passphrase" command of both programs: re-writes the key file at
// `path` under the new passphrase read from `new_passphrase_file`, else from
// $EQUITAS_NEW_KEY_PASSPHRASE, or plain when `remove`. True when the file is
// now protected. On any error the file is left as it was.
Result<bool> rekey_key_file(const std::filesystem::path& path, const Passphrase* current,
                            const std::optional<std::string>& new_passphrase_file, bool remove);

// What opens the key files of one running command: the passphrase it was
// given (--passphrase-file, or $EQUITAS_KEY_PASSPHRASE), or none. The
// command line makes one and hands it, explicitly, to whatever opens keys
// (CollectorOptions, ServerAppOptions, ServeOptions, the sync runner);
// nothing reads a passphrase from anywhere else.
//
// Copies share one state: the passphrase, and the Argon2id output for each
// salt opened with it, so that re-opening the same file (a background sync
// opens the collector again each time) costs no second key derivation. Any
// thread may load keys through any copy. The passphrase and the derived
// keys live in sodium memory and are wiped when the last copy goes; they
// are never printed.
class KeyUnlocker {
 public:
  // No passphrase: plain key files open, protected ones are refused
  // (failed_precondition), and saving writes a plain file.
  KeyUnlocker() = default;
  // An empty optional is the same as the default.
  explicit KeyUnlocker(std::optional<Passphrase> passphrase);

  // The passphrase, or null. Valid while a copy of this unlocker lives.
  const Passphrase* passphrase() const;

 private:
  struct State;  // key_file.cpp
  friend struct KeyUnlockerAccess;
  std::shared_ptr<State> state_;  // null: no passphrase
};

// Takes "--passphrase-file FILE" (or "--passphrase-file=FILE") out of
// `args`, wherever it appears, and returns that file's passphrase; without
// the flag, the one in $EQUITAS_KEY_PASSPHRASE; else nullopt. Both programs
// run it before parsing a command, so every command that opens a key accepts
// the flag.
Result<std::optional<Passphrase>> take_key_passphrase_arg(std::vector<std::string>& args);

// The same with the unlocker's passphrase (protected when it has one,
// plain when not), reusing the keys it derived before.
Status save_server_keys(const std::filesystem::path& path, const ServerKeys& keys,
                        const KeyUnlocker& unlocker);
Result<ServerKeys> load_server_keys(const std::filesystem::path& path, const KeyUnlocker& unlocker);
Status save_device_key(const std::filesystem::path& path, const SigningKey& key,
                       const KeyUnlocker& unlocker);
Result<SigningKey> load_device_key(const std::filesystem::path& path, const KeyUnlocker& unlocker);

}  // namespace equitas
