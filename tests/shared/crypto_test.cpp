#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "equitas/crypto/keys.hpp"
#include "temp_dir.hpp"

using namespace equitas;
using equitas::test::TempDir;

TEST_CASE("sealed boxes open only with the right key and detect any change", "[crypto]") {
  const BoxKey server = BoxKey::generate();
  const BoxKey other = BoxKey::generate();
  const std::string msg = "{\"q1\":\"strongly agree\"}";
  Bytes sealed = seal_to(server.public_key(), as_bytes(msg));
  auto opened = open_sealed(server, sealed);
  REQUIRE(opened.is_ok());
  CHECK(std::string(as_chars(*opened)) == msg);
  CHECK_FALSE(open_sealed(other, sealed).is_ok());
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    Bytes t = sealed;
    t[i] ^= 0x80;
    CHECK_FALSE(open_sealed(server, t).is_ok());
  }
  CHECK_FALSE(open_sealed(server, ByteView(sealed).subspan(0, 10)).is_ok());
}

TEST_CASE("signatures verify only for the signer and the exact message", "[crypto]") {
  const SigningKey a = SigningKey::generate();
  const SigningKey b = SigningKey::generate();
  const std::string msg = "batch 7";
  const Signature sig = a.sign(as_bytes(msg));
  CHECK(verify_signature(a.public_key(), as_bytes(msg), sig));
  CHECK_FALSE(verify_signature(b.public_key(), as_bytes(msg), sig));
  CHECK_FALSE(verify_signature(a.public_key(), as_bytes(std::string("batch 8")), sig));
}

TEST_CASE("key files are private, round-trip, and refuse damage", "[crypto]") {
  TempDir tmp;
  ServerKeys keys{SigningKey::generate(), BoxKey::generate()};
  REQUIRE(save_server_keys(tmp / "server.key", keys).is_ok());
  struct stat st{};
  REQUIRE(::stat((tmp / "server.key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto loaded = load_server_keys(tmp / "server.key");
  REQUIRE(loaded.is_ok());
  CHECK(loaded->public_keys() == keys.public_keys());

  const SigningKey device = SigningKey::generate();
  REQUIRE(save_device_key(tmp / "device.key", device).is_ok());
  auto dev = load_device_key(tmp / "device.key");
  REQUIRE(dev.is_ok());
  CHECK(dev->public_key() == device.public_key());
  // A device key is not a server key, and a truncated file is refused.
  CHECK(load_server_keys(tmp / "device.key").status().code() == StatusCode::kCorruption);
  std::filesystem::resize_file(tmp / "server.key", 20);
  CHECK(load_server_keys(tmp / "server.key").status().code() == StatusCode::kCorruption);
  CHECK(load_device_key(tmp / "nope.key").status().code() == StatusCode::kNotFound);
}

TEST_CASE("secret holders compare in constant time and move without copying", "[crypto]") {
  SecretBytes<32> a;
  random_fill(a.span());
  Bytes copy(a.data(), a.data() + 32);
  CHECK(a.equals(copy));
  copy[31] ^= 1;
  CHECK_FALSE(a.equals(copy));
  const std::uint8_t* p = a.data();
  SecretBytes<32> b = std::move(a);
  CHECK(b.data() == p);
  CHECK(a.data() == nullptr);  // NOLINT(bugprone-use-after-move): checking the moved-from state
}
