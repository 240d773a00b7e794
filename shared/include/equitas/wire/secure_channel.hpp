// The authenticated, encrypted session between a collector and the server.
//
// Three handshake messages (docs/protocol.md, "Session"):
//   1. ClientHello  client -> server, clear: ephemeral X25519 key, nonce.
//   2. ServerHello  server -> client, clear: ephemeral key, nonce, the
//      server's secretstream header, and an Ed25519 signature by the server's
//      long-term key over both hellos. The client checks it against the key it
//      pinned at enrollment, so an impostor server stops here.
//   3. ClientAuth   client -> server: the client's secretstream header, then
//      (encrypted) the device id, the device public key, the device's
//      signature over the transcript hash, and the enrollment secret on the
//      first sync only.
// Session keys come from crypto_kx over the two ephemeral keys, and each
// direction is a crypto_secretstream_xchacha20poly1305 stream, so messages
// cannot be read, altered, dropped, reordered or replayed without detection.
// A replayed handshake fails: the signatures cover fresh nonces from both sides.
#pragma once

#include <sodium.h>

#include <array>
#include <cstring>
#include <memory>
#include <optional>

#include "equitas/crypto/keys.hpp"
#include "equitas/crypto/secret.hpp"
#include "equitas/status/status.hpp"
#include "equitas/util/bytes.hpp"
#include "equitas/wire/enrollment_code.hpp"
#include "equitas/wire/ids.hpp"

namespace equitas {

inline constexpr std::uint8_t kProtocolVersion = 1;
inline constexpr std::uint8_t kMsgClientHello = 0x01;
inline constexpr std::uint8_t kMsgServerHello = 0x02;
inline constexpr std::uint8_t kMsgClientAuth = 0x03;

using StreamHeader = std::array<std::uint8_t, crypto_secretstream_xchacha20poly1305_HEADERBYTES>;

// One direction-pair of secretstream state. Move-only. The state is key
// material: it lives inline (no per-session sodium_malloc mapping, which a
// flood of half-open sessions could exhaust) and is wiped on destruction and
// after a move.
class SecureChannel {
 public:
  SecureChannel() = default;
  ~SecureChannel() { wipe_state(); }
  SecureChannel(SecureChannel&& o) noexcept { take(o); }
  SecureChannel& operator=(SecureChannel&& o) noexcept {
    if (this != &o) {
      wipe_state();
      take(o);
    }
    return *this;
  }
  SecureChannel(const SecureChannel&) = delete;
  SecureChannel& operator=(const SecureChannel&) = delete;

  bool established() const { return has_tx_ && has_rx_; }
  // Encrypts one message for the peer.
  Bytes seal(ByteView plaintext);
  // Decrypts the next message from the peer; corruption if it was altered,
  // replayed, reordered or is not the next one.
  Result<Bytes> open(ByteView ciphertext);

 private:
  friend class ClientHandshake;
  friend class ServerHandshake;
  using State = crypto_secretstream_xchacha20poly1305_state;
  void wipe_state() {
    sodium_memzero(&tx_, sizeof tx_);
    sodium_memzero(&rx_, sizeof rx_);
    sodium_memzero(pending_rx_key_, sizeof pending_rx_key_);
    has_tx_ = has_rx_ = false;
  }
  void take(SecureChannel& o) {
    tx_ = o.tx_;
    rx_ = o.rx_;
    std::memcpy(pending_rx_key_, o.pending_rx_key_, sizeof pending_rx_key_);
    has_tx_ = o.has_tx_;
    has_rx_ = o.has_rx_;
    o.wipe_state();
  }
  State tx_{};
  State rx_{};
  // The server's receive key between messages 2 and 3 (it needs the
  // client's stream header before it can start the receive stream).
  std::uint8_t pending_rx_key_[crypto_kx_SESSIONKEYBYTES] = {};
  bool has_tx_ = false;
  bool has_rx_ = false;
};

// What the server learns from message 3 once its signature has verified
// against the public key it carries. The server still has to check that key
// against its device registry (or the enrollment secret, on first contact).
struct ClientAuth {
  DeviceId device_id;
  SignPublicKey device_key{};
  std::optional<SecretBytes<kEnrollSecretBytes>> enroll_secret;
};

class ClientHandshake {
 public:
  explicit ClientHandshake(const ServerPublicKeys& pinned);
  ClientHandshake(const ClientHandshake&) = delete;
  ClientHandshake& operator=(const ClientHandshake&) = delete;

  // Message 1.
  Bytes hello();
  // Verifies message 2 against the pinned server key, derives the session
  // keys and returns message 3. Unauthenticated when the server cannot prove
  // it holds the pinned key.
  Result<Bytes> on_server_hello(ByteView msg, const DeviceId& device, const SigningKey& device_key,
                                const SecretBytes<kEnrollSecretBytes>* enroll_secret);
  SecureChannel take_channel() { return std::move(channel_); }

 private:
  ServerPublicKeys pinned_;
  std::array<std::uint8_t, crypto_kx_PUBLICKEYBYTES> eph_pk_{};
  SecretBytes<crypto_kx_SECRETKEYBYTES> eph_sk_;
  Bytes client_hello_;
  SecureChannel channel_;
};

class ServerHandshake {
 public:
  explicit ServerHandshake(const ServerKeys& keys);
  ServerHandshake(const ServerHandshake&) = delete;
  ServerHandshake& operator=(const ServerHandshake&) = delete;

  // Message 1 in, message 2 out.
  Result<Bytes> on_client_hello(ByteView msg);
  // Message 3 in. Checks the device's signature over this session's
  // transcript with the key the message carries.
  Result<ClientAuth> on_client_auth(ByteView msg);
  SecureChannel take_channel() { return std::move(channel_); }

 private:
  const ServerKeys& keys_;
  Bytes client_hello_;
  Bytes server_hello_;
  SecureChannel channel_;
};

}  // namespace equitas
