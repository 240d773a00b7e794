#include "equitas/wire/secure_channel.hpp"

#include <cstring>

#include "equitas/crypto/hash.hpp"

namespace equitas {
namespace {

using Nonce = std::array<std::uint8_t, 32>;
using EphKey = std::array<std::uint8_t, crypto_kx_PUBLICKEYBYTES>;
using SessionKey = SecretBytes<crypto_kx_SESSIONKEYBYTES>;

constexpr std::string_view kServerSignContext{"equitas/session/server/v1\0", 26};
constexpr std::string_view kTranscriptContext{"equitas/session/transcript/v1\0", 30};
constexpr std::string_view kDeviceSignContext{"equitas/session/device/v1\0", 26};

constexpr std::size_t kClientHelloSize = 1 + 1 + 32 + 32;
constexpr std::size_t kServerHelloSize = 1 + 32 + 32 + sizeof(StreamHeader) + crypto_sign_BYTES;
constexpr std::size_t kServerHelloSigned = kServerHelloSize - crypto_sign_BYTES;

// What the server signs in message 2: its context, its identity key, all of
// message 1, and message 2 up to the signature.
Bytes server_sign_input(const SignPublicKey& server_pk, ByteView client_hello,
                        ByteView server_hello_unsigned) {
  ByteWriter w;
  w.raw(kServerSignContext);
  w.raw(server_pk);
  w.raw(client_hello);
  w.raw(server_hello_unsigned);
  return w.take();
}

std::array<std::uint8_t, 32> transcript_hash(ByteView client_hello, ByteView server_hello,
                                             const StreamHeader& client_header) {
  return context_hash(kTranscriptContext, {client_hello, server_hello, ByteView(client_header)});
}

Bytes device_sign_input(const SignPublicKey& server_pk, const std::array<std::uint8_t, 32>& th,
                        const DeviceId& device, const SignPublicKey& device_pk) {
  ByteWriter w;
  w.raw(kDeviceSignContext);
  w.raw(server_pk);
  w.raw(th);
  w.raw(device.bytes);
  w.raw(device_pk);
  return w.take();
}

}  // namespace

Bytes SecureChannel::seal(ByteView plaintext) {
  // Sealing on a channel that was never keyed is a programming error;
  // refuse to emit anything rather than encrypt under an all-zero state.
  if (!has_tx_) return Bytes();
  Bytes out(plaintext.size() + crypto_secretstream_xchacha20poly1305_ABYTES);
  crypto_secretstream_xchacha20poly1305_push(&tx_, out.data(), nullptr, plaintext.data(),
                                             plaintext.size(), nullptr, 0,
                                             crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
  return out;
}

Result<Bytes> SecureChannel::open(ByteView ciphertext) {
  if (ciphertext.size() < crypto_secretstream_xchacha20poly1305_ABYTES) {
    return Status::corruption("session message is too short");
  }
  Bytes out(ciphertext.size() - crypto_secretstream_xchacha20poly1305_ABYTES);
  unsigned char tag = 0;
  if (!has_rx_) return Status::failed_precondition("session channel is not established");
  if (crypto_secretstream_xchacha20poly1305_pull(&rx_, out.data(), nullptr, &tag, ciphertext.data(),
                                                 ciphertext.size(), nullptr, 0) != 0) {
    return Status::corruption("session message failed authentication (altered or out of order)");
  }
  if (tag != crypto_secretstream_xchacha20poly1305_TAG_MESSAGE) {
    return Status::corruption("session message has an unexpected stream tag");
  }
  return out;
}

ClientHandshake::ClientHandshake(const ServerPublicKeys& pinned) : pinned_(pinned) {
  crypto_kx_keypair(eph_pk_.data(), eph_sk_.data());
}

Bytes ClientHandshake::hello() {
  ByteWriter w(kClientHelloSize);
  w.u8(kMsgClientHello);
  w.u8(kProtocolVersion);
  w.raw(eph_pk_);
  w.raw(random_array<32>());
  client_hello_ = w.take();
  return client_hello_;
}

Result<Bytes> ClientHandshake::on_server_hello(
    ByteView msg, const DeviceId& device, const SigningKey& device_key,
    const SecretBytes<kEnrollSecretBytes>* enroll_secret) {
  ByteReader r(msg);
  std::uint8_t type = 0;
  EphKey server_eph{};
  Nonce server_nonce{};
  StreamHeader server_header{};
  Signature sig{};
  if (msg.size() != kServerHelloSize || !r.u8(type) || type != kMsgServerHello ||
      !r.fixed(server_eph) || !r.fixed(server_nonce) || !r.fixed(server_header) || !r.fixed(sig)) {
    return Status::corruption("the server's handshake reply is malformed");
  }
  if (!verify_signature(
          pinned_.sign,
          server_sign_input(pinned_.sign, client_hello_, msg.subspan(0, kServerHelloSigned)),
          sig)) {
    return Status::unauthenticated(
        "the server could not prove it holds the key pinned at enrollment; this is not the server "
        "this collector was enrolled with (or someone is intercepting the link)");
  }

  SessionKey rx, tx;
  if (crypto_kx_client_session_keys(rx.data(), tx.data(), eph_pk_.data(), eph_sk_.data(),
                                    server_eph.data()) != 0) {
    return Status::unauthenticated("the server's ephemeral key is not acceptable");
  }
  if (crypto_secretstream_xchacha20poly1305_init_pull(&channel_.rx_, server_header.data(),
                                                      rx.data()) != 0) {
    return Status::corruption("the server's stream header is invalid");
  }
  channel_.has_rx_ = true;
  StreamHeader client_header{};
  crypto_secretstream_xchacha20poly1305_init_push(&channel_.tx_, client_header.data(), tx.data());
  channel_.has_tx_ = true;

  const auto th = transcript_hash(client_hello_, msg, client_header);
  ByteWriter body;
  body.raw(device.bytes);
  body.raw(device_key.public_key());
  body.raw(device_key.sign(device_sign_input(pinned_.sign, th, device, device_key.public_key())));
  body.u8(enroll_secret != nullptr ? 1 : 0);
  if (enroll_secret != nullptr) body.raw(ByteView(enroll_secret->data(), kEnrollSecretBytes));
  Bytes plain = body.take();

  ByteWriter w;
  w.u8(kMsgClientAuth);
  w.raw(client_header);
  w.raw(channel_.seal(plain));
  wipe(plain);
  return w.take();
}

ServerHandshake::ServerHandshake(const ServerKeys& keys) : keys_(keys) {}

Result<Bytes> ServerHandshake::on_client_hello(ByteView msg) {
  ByteReader r(msg);
  std::uint8_t type = 0, version = 0;
  EphKey client_eph{};
  Nonce client_nonce{};
  if (msg.size() != kClientHelloSize || !r.u8(type) || type != kMsgClientHello || !r.u8(version) ||
      !r.fixed(client_eph) || !r.fixed(client_nonce)) {
    return Status::corruption("client hello is malformed");
  }
  if (version != kProtocolVersion) {
    return Status::failed_precondition("protocol version " + std::to_string(version) +
                                       " is not supported; update the collector");
  }
  client_hello_.assign(msg.begin(), msg.end());

  EphKey eph_pk{};
  SecretBytes<crypto_kx_SECRETKEYBYTES> eph_sk;
  crypto_kx_keypair(eph_pk.data(), eph_sk.data());
  SessionKey rx, tx;
  if (crypto_kx_server_session_keys(rx.data(), tx.data(), eph_pk.data(), eph_sk.data(),
                                    client_eph.data()) != 0) {
    return Status::unauthenticated("the client's ephemeral key is not acceptable");
  }
  StreamHeader header{};
  crypto_secretstream_xchacha20poly1305_init_push(&channel_.tx_, header.data(), tx.data());
  channel_.has_tx_ = true;
  // The pull side needs the client's header, which arrives in message 3.
  std::memcpy(channel_.pending_rx_key_, rx.data(), rx.size());

  ByteWriter w(kServerHelloSize);
  w.u8(kMsgServerHello);
  w.raw(eph_pk);
  w.raw(random_array<32>());
  w.raw(header);
  const Signature sig =
      keys_.sign.sign(server_sign_input(keys_.sign.public_key(), client_hello_, w.bytes()));
  w.raw(sig);
  server_hello_ = w.take();
  return server_hello_;
}

Result<ClientAuth> ServerHandshake::on_client_auth(ByteView msg) {
  ByteReader r(msg);
  std::uint8_t type = 0;
  StreamHeader client_header{};
  if (server_hello_.empty() || !r.u8(type) || type != kMsgClientAuth || !r.fixed(client_header)) {
    return Status::corruption("client authentication message is malformed");
  }
  const int rc = crypto_secretstream_xchacha20poly1305_init_pull(
      &channel_.rx_, client_header.data(), channel_.pending_rx_key_);
  sodium_memzero(channel_.pending_rx_key_, sizeof channel_.pending_rx_key_);
  if (rc != 0) return Status::corruption("client stream header is invalid");
  channel_.has_rx_ = true;
  auto plain = channel_.open(msg.subspan(r.position()));
  if (!plain.is_ok()) return Status::unauthenticated("client authentication did not decrypt");

  ClientAuth auth;
  Signature sig{};
  std::uint8_t has_secret = 0;
  ByteReader b(*plain);
  ByteView secret;
  bool ok = b.fixed(auth.device_id.bytes) && b.fixed(auth.device_key) && b.fixed(sig) &&
            b.u8(has_secret) && has_secret <= 1;
  if (ok && has_secret == 1) {
    ok = b.raw(kEnrollSecretBytes, secret);
    if (ok) {
      auth.enroll_secret.emplace();
      std::memcpy(auth.enroll_secret->data(), secret.data(), kEnrollSecretBytes);
    }
  }
  ok = ok && b.at_end();
  wipe(plain.value());
  if (!ok) return Status::corruption("client authentication body is malformed");

  const auto th = transcript_hash(client_hello_, server_hello_, client_header);
  if (!verify_signature(
          auth.device_key,
          device_sign_input(keys_.sign.public_key(), th, auth.device_id, auth.device_key), sig)) {
    return Status::unauthenticated("the device's session signature does not verify");
  }
  return auth;
}

}  // namespace equitas
