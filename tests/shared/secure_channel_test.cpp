#include "equitas/wire/secure_channel.hpp"

#include <catch2/catch.hpp>

using namespace equitas;

namespace {

struct Pair {
  ServerKeys server{SigningKey::generate(), BoxKey::generate()};
  SigningKey device = SigningKey::generate();
  DeviceId device_id = DeviceId::random();
};

struct Session {
  SecureChannel client;
  SecureChannel server;
  ClientAuth auth;
};

Session connect(const Pair& p, const SecretBytes<kEnrollSecretBytes>* secret = nullptr) {
  ClientHandshake c(p.server.public_keys());
  ServerHandshake s(p.server);
  auto m2 = s.on_client_hello(c.hello());
  REQUIRE(m2.is_ok());
  auto m3 = c.on_server_hello(*m2, p.device_id, p.device, secret);
  REQUIRE(m3.is_ok());
  auto auth = s.on_client_auth(*m3);
  REQUIRE(auth.is_ok());
  return Session{c.take_channel(), s.take_channel(), std::move(auth).value()};
}

}  // namespace

TEST_CASE("the handshake authenticates both sides and opens a two-way channel", "[session]") {
  Pair p;
  SecretBytes<kEnrollSecretBytes> secret;
  random_fill(secret.span());
  Session s = connect(p, &secret);
  CHECK(s.auth.device_id == p.device_id);
  CHECK(s.auth.device_key == p.device.public_key());
  REQUIRE(s.auth.enroll_secret.has_value());
  CHECK(s.auth.enroll_secret->equals(secret.span()));

  for (int i = 0; i < 3; ++i) {
    const std::string up = "push " + std::to_string(i);
    auto got = s.server.open(s.client.seal(as_bytes(up)));
    REQUIRE(got.is_ok());
    CHECK(std::string(as_chars(*got)) == up);
    const std::string down = "ack " + std::to_string(i);
    auto back = s.client.open(s.server.seal(as_bytes(down)));
    REQUIRE(back.is_ok());
    CHECK(std::string(as_chars(*back)) == down);
  }
}

TEST_CASE("channel messages cannot be altered, replayed, reordered or reflected", "[session]") {
  Pair p;
  Session s = connect(p);
  const Bytes m1 = s.client.seal(as_bytes(std::string("one")));
  const Bytes m2 = s.client.seal(as_bytes(std::string("two")));
  Bytes altered = m1;
  altered[altered.size() / 2] ^= 1;
  CHECK_FALSE(s.server.open(altered).is_ok());
  // Out of order: m2 before m1.
  Session s2 = connect(p);
  const Bytes a = s2.client.seal(as_bytes(std::string("a")));
  const Bytes b = s2.client.seal(as_bytes(std::string("b")));
  CHECK_FALSE(s2.server.open(b).is_ok());
  // Replay: the same message twice.
  Session s3 = connect(p);
  const Bytes x = s3.client.seal(as_bytes(std::string("x")));
  REQUIRE(s3.server.open(x).is_ok());
  CHECK_FALSE(s3.server.open(x).is_ok());
  // Reflection: the client's own message sent back to it.
  Session s4 = connect(p);
  const Bytes y = s4.client.seal(as_bytes(std::string("y")));
  CHECK_FALSE(s4.client.open(y).is_ok());
  // A message from another session.
  Session s5 = connect(p);
  CHECK_FALSE(s5.server.open(m1).is_ok());
  (void)m2;
  (void)a;
}

TEST_CASE("a client refuses a server that does not hold the pinned key", "[session]") {
  Pair p;
  ServerKeys impostor{SigningKey::generate(), BoxKey::generate()};
  ClientHandshake c(p.server.public_keys());
  ServerHandshake s(impostor);
  auto m2 = s.on_client_hello(c.hello());
  REQUIRE(m2.is_ok());
  auto m3 = c.on_server_hello(*m2, p.device_id, p.device, nullptr);
  REQUIRE_FALSE(m3.is_ok());
  CHECK(m3.status().code() == StatusCode::kUnauthenticated);
}

TEST_CASE("a replayed handshake gets nowhere", "[session]") {
  Pair p;
  // Record a complete, valid handshake.
  ClientHandshake c(p.server.public_keys());
  ServerHandshake s(p.server);
  const Bytes m1 = c.hello();
  auto m2 = s.on_client_hello(m1);
  auto m3 = c.on_server_hello(*m2, p.device_id, p.device, nullptr);
  REQUIRE(s.on_client_auth(*m3).is_ok());
  // Replay messages 1 and 3 to a fresh server: it picks a new nonce and key,
  // so the recorded authentication no longer decrypts or verifies.
  ServerHandshake fresh(p.server);
  REQUIRE(fresh.on_client_hello(m1).is_ok());
  CHECK_FALSE(fresh.on_client_auth(*m3).is_ok());
  // Replay a recorded server hello to a fresh client: its nonce differs.
  ClientHandshake fresh_client(p.server.public_keys());
  (void)fresh_client.hello();
  CHECK(fresh_client.on_server_hello(*m2, p.device_id, p.device, nullptr).status().code() ==
        StatusCode::kUnauthenticated);
}

TEST_CASE("a device cannot authenticate with a signature made for another key", "[session]") {
  Pair p;
  ClientHandshake c(p.server.public_keys());
  ServerHandshake s(p.server);
  auto m2 = s.on_client_hello(c.hello());
  auto m3 = c.on_server_hello(*m2, p.device_id, p.device, nullptr);
  // Flip any byte of the encrypted auth: it fails, never crashes.
  for (std::size_t i = 0; i < m3->size(); i += 3) {
    ServerHandshake s2(p.server);
    ClientHandshake c2(p.server.public_keys());
    auto n2 = s2.on_client_hello(c2.hello());
    auto n3 = c2.on_server_hello(*n2, p.device_id, p.device, nullptr);
    Bytes t = *n3;
    t[i] ^= 0x40;
    CHECK_FALSE(s2.on_client_auth(t).is_ok());
  }
}

TEST_CASE("malformed handshake messages are refused", "[session]") {
  Pair p;
  ServerHandshake s(p.server);
  CHECK_FALSE(s.on_client_hello(Bytes{}).is_ok());
  CHECK_FALSE(s.on_client_hello(Bytes(66, 0)).is_ok());
  Bytes wrong_version(66, 0);
  wrong_version[0] = kMsgClientHello;
  wrong_version[1] = 99;
  CHECK(s.on_client_hello(wrong_version).status().code() == StatusCode::kFailedPrecondition);
  ServerHandshake s2(p.server);
  CHECK_FALSE(s2.on_client_auth(Bytes(100, 3)).is_ok());  // auth before hello
}
