#include <sys/stat.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>

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
  REQUIRE(save_server_keys(tmp / "server.key", keys, nullptr).is_ok());
  struct stat st {};
  REQUIRE(::stat((tmp / "server.key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto loaded = load_server_keys(tmp / "server.key", nullptr);
  REQUIRE(loaded.is_ok());
  CHECK(loaded->public_keys() == keys.public_keys());

  const SigningKey device = SigningKey::generate();
  REQUIRE(save_device_key(tmp / "device.key", device, nullptr).is_ok());
  auto dev = load_device_key(tmp / "device.key", nullptr);
  REQUIRE(dev.is_ok());
  CHECK(dev->public_key() == device.public_key());
  // A device key is not a server key, and a truncated file is refused.
  CHECK(load_server_keys(tmp / "device.key", nullptr).status().code() == StatusCode::kCorruption);
  std::filesystem::resize_file(tmp / "server.key", 20);
  CHECK(load_server_keys(tmp / "server.key", nullptr).status().code() == StatusCode::kCorruption);
  CHECK(load_device_key(tmp / "nope.key", nullptr).status().code() == StatusCode::kNotFound);
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

// ---------------------------------------------------------------------------
// Passphrase-protected key files. Each Argon2id evaluation at MODERATE costs
// about half a second and 256 MiB, so these tests count them.

namespace {

Passphrase pass_of(const std::string& s) { return Passphrase::copy_of(as_bytes(s)); }

Bytes file_bytes(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

void put_bytes(const std::filesystem::path& p, const Bytes& b) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

bool contains(const Bytes& hay, const std::uint8_t* needle, std::size_t n) {
  return std::search(hay.begin(), hay.end(), needle, needle + n) != hay.end();
}

// Offsets of the protected layout documented in keys.hpp.
constexpr std::size_t kOffKind = 14, kOffOps = 16, kOffMem = 24, kOffSalt = 32, kHeader = 72;

void fix_checksum(Bytes& b) {
  crypto_generichash(b.data() + b.size() - 32, 32, b.data(), b.size() - 32, nullptr, 0);
}

}  // namespace

TEST_CASE("protected key files open with their passphrase only, and a wrong one writes nothing",
          "[crypto][passphrase]") {
  TempDir tmp;
  const auto path = tmp / "device.key";
  const SigningKey device = SigningKey::generate();
  const Passphrase good = pass_of("correct horse battery staple");
  REQUIRE(save_device_key(path, device, &good).is_ok());
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  const Bytes on_disk = file_bytes(path);
  // The secret key (seed and all) is nowhere in the file.
  CHECK_FALSE(contains(on_disk, device.secret().data(), 32));
  CHECK(key_file_protection(path).value() == KeyFileProtection::kPassphrase);

  auto opened = load_device_key(path, &good);
  REQUIRE(opened.is_ok());
  CHECK(opened->public_key() == device.public_key());

  const Passphrase bad = pass_of("correct horse battery stapler");
  auto wrong = load_device_key(path, &bad);
  CHECK(wrong.status().code() == StatusCode::kUnauthenticated);
  CHECK(wrong.status().message().find("wrong passphrase for " + path.string()) !=
        std::string::npos);
  auto none = load_device_key(path, nullptr);
  CHECK(none.status().code() == StatusCode::kFailedPrecondition);
  CHECK(none.status().message().find("protected by a passphrase") != std::string::npos);
  CHECK(file_bytes(path) == on_disk);
  // A protected device key is not a server key, whatever the passphrase.
  CHECK(load_server_keys(path, &good).status().code() == StatusCode::kCorruption);
  // Too short a passphrase is refused when protecting.
  const Passphrase shorty = pass_of("1234567");
  CHECK(save_device_key(tmp / "short.key", device, &shorty).code() == StatusCode::kInvalidArgument);
  CHECK_FALSE(std::filesystem::exists(tmp / "short.key"));
}

TEST_CASE("a protected key file with any bit flipped is refused", "[crypto][passphrase]") {
  TempDir tmp;
  const auto path = tmp / "server.key";
  const ServerKeys keys{SigningKey::generate(), BoxKey::generate()};
  const Passphrase pass = pass_of("a long enough server passphrase");
  REQUIRE(save_server_keys(path, keys, &pass).is_ok());
  const Bytes original = file_bytes(path);
  REQUIRE(original.size() == kHeader + 96 + 16 + 32);
  CHECK_FALSE(contains(original, keys.sign.secret().data(), 32));
  CHECK_FALSE(contains(original, keys.box.secret().data(), 32));

  // Every single bit: refused as damaged (the checksum), before any key derivation.
  for (std::size_t i = 0; i < original.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      Bytes b = original;
      b[i] ^= static_cast<std::uint8_t>(1u << bit);
      put_bytes(path, b);
      const auto r = load_server_keys(path, &pass);
      INFO("byte " << i << " bit " << bit);
      REQUIRE_FALSE(r.is_ok());
      CHECK(r.status().code() == StatusCode::kCorruption);
    }
  }
  // A deliberate change that also fixes the checksum fails authentication:
  // the header is the associated data, the ciphertext carries its tag.
  // (Each costs one Argon2id evaluation: the salt, and the tag's last byte.)
  for (std::size_t i : {kOffSalt + 3, original.size() - 33}) {
    Bytes b = original;
    b[i] ^= 0x01;
    fix_checksum(b);
    put_bytes(path, b);
    INFO("byte " << i);
    CHECK(load_server_keys(path, &pass).status().code() == StatusCode::kUnauthenticated);
  }
  // Weaker limits than MODERATE, or an unknown kind, are refused outright.
  // (opslimit 3 -> 1, memlimit 2^28 -> 0 and 2^28 + 2^32, kind 1 -> 3)
  for (auto [i, mask] : std::initializer_list<std::pair<std::size_t, int>>{
           {kOffOps, 0x02}, {kOffMem + 3, 0x10}, {kOffMem + 4, 0x01}, {kOffKind, 0x02}}) {
    Bytes b = original;
    b[i] ^= static_cast<std::uint8_t>(mask);
    fix_checksum(b);
    put_bytes(path, b);
    INFO("byte " << i);
    CHECK(load_server_keys(path, &pass).status().code() == StatusCode::kCorruption);
  }
  // Truncated or extended files too.
  Bytes shorter(original.begin(), original.end() - 1);
  put_bytes(path, shorter);
  CHECK(load_server_keys(path, &pass).status().code() == StatusCode::kCorruption);
  put_bytes(path, original);
  auto back = load_server_keys(path, &pass);
  REQUIRE(back.is_ok());
  CHECK(back->public_keys() == keys.public_keys());
}

TEST_CASE(
    "a key file's passphrase can be added, changed and removed, and a wrong current one changes "
    "nothing",
    "[crypto][passphrase]") {
  TempDir tmp;
  const auto path = tmp / "device.key";
  const SigningKey device = SigningKey::generate();
  REQUIRE(save_device_key(path, device, nullptr).is_ok());
  const Passphrase first = pass_of("first passphrase");
  const Passphrase second = pass_of("second passphrase");

  REQUIRE(change_key_file_passphrase(path, nullptr, &first).is_ok());  // add
  CHECK(key_file_protection(path).value() == KeyFileProtection::kPassphrase);
  const Bytes protected_once = file_bytes(path);
  CHECK(change_key_file_passphrase(path, &second, &first).code() == StatusCode::kUnauthenticated);
  CHECK(change_key_file_passphrase(path, nullptr, &second).code() ==
        StatusCode::kFailedPrecondition);
  CHECK(file_bytes(path) == protected_once);

  REQUIRE(change_key_file_passphrase(path, &first, &second).is_ok());   // change
  CHECK(file_bytes(path) != protected_once);                            // a fresh salt and nonce
  REQUIRE(change_key_file_passphrase(path, &second, nullptr).is_ok());  // remove
  CHECK(key_file_protection(path).value() == KeyFileProtection::kPlain);
  auto plain = load_device_key(path, nullptr);
  REQUIRE(plain.is_ok());
  CHECK(plain->public_key() == device.public_key());
}

TEST_CASE("passphrases come from the first line of a file or from the environment, which is wiped",
          "[crypto][passphrase]") {
  TempDir tmp;
  {
    std::ofstream(tmp / "p.txt") << "the passphrase\r\nsecond line\n";
    auto p = read_passphrase_file(tmp / "p.txt");
    REQUIRE(p.is_ok());
    CHECK(p->equals(as_bytes(std::string("the passphrase"))));
  }
  std::ofstream(tmp / "empty.txt") << "\n";
  CHECK(read_passphrase_file(tmp / "empty.txt").status().code() == StatusCode::kInvalidArgument);
  CHECK(read_passphrase_file(tmp / "missing.txt").status().code() == StatusCode::kNotFound);
  std::ofstream(tmp / "long.txt") << std::string(kMaxPassphraseLength + 1, 'x');
  CHECK(read_passphrase_file(tmp / "long.txt").status().code() == StatusCode::kInvalidArgument);

  ::setenv("EQUITAS_TEST_PASSPHRASE", "from the environment", 1);
  auto env = take_passphrase_from_env("EQUITAS_TEST_PASSPHRASE");
  REQUIRE(env.is_ok());
  REQUIRE(env->has_value());
  CHECK((*env)->equals(as_bytes(std::string("from the environment"))));
  CHECK(std::getenv("EQUITAS_TEST_PASSPHRASE") == nullptr);
  auto unset = take_passphrase_from_env("EQUITAS_TEST_PASSPHRASE");
  REQUIRE(unset.is_ok());
  CHECK_FALSE(unset->has_value());

  // The command-line form: the flag is taken out wherever it stands.
  std::vector<std::string> args{"submit", "--passphrase-file", (tmp / "p.txt").string(), "--form",
                                "x"};
  auto from_args = take_key_passphrase_arg(args);
  REQUIRE(from_args.is_ok());
  REQUIRE(from_args->has_value());
  CHECK((*from_args)->equals(as_bytes(std::string("the passphrase"))));
  CHECK(args == std::vector<std::string>{"submit", "--form", "x"});
  std::vector<std::string> dangling{"serve", "--passphrase-file"};
  CHECK_FALSE(take_key_passphrase_arg(dangling).is_ok());
}

TEST_CASE("a KeyUnlocker opens and protects key files with its passphrase, and its copies share it",
          "[crypto][passphrase]") {
  TempDir tmp;
  const auto path = tmp / "device.key";
  const SigningKey device = SigningKey::generate();
  const KeyUnlocker unlocker(pass_of("unlocker passphrase"));
  REQUIRE(unlocker.passphrase() != nullptr);
  REQUIRE(save_device_key(path, device, unlocker).is_ok());  // protected, with its passphrase
  CHECK(key_file_protection(path).value() == KeyFileProtection::kPassphrase);
  const KeyUnlocker copy = unlocker;
  CHECK(copy.passphrase() == unlocker.passphrase());  // one passphrase, not a copy of it
  for (const KeyUnlocker* u :
       {&unlocker, &copy, &unlocker}) {  // after the first, the derived key is reused
    auto k = load_device_key(path, *u);
    REQUIRE(k.is_ok());
    CHECK(k->public_key() == device.public_key());
  }
  // Nothing else knows the passphrase: without it, or with another, the file stays shut.
  CHECK(KeyUnlocker().passphrase() == nullptr);
  CHECK(load_device_key(path, KeyUnlocker()).status().code() == StatusCode::kFailedPrecondition);
  CHECK(load_device_key(path, KeyUnlocker(std::nullopt)).status().code() ==
        StatusCode::kFailedPrecondition);
  CHECK(load_device_key(path, KeyUnlocker(pass_of("not the passphrase"))).status().code() ==
        StatusCode::kUnauthenticated);
  // Plain files open with any unlocker, and one without a passphrase writes them.
  REQUIRE(save_device_key(tmp / "plain.key", device, KeyUnlocker()).is_ok());
  CHECK(key_file_protection(tmp / "plain.key").value() == KeyFileProtection::kPlain);
  CHECK(load_device_key(tmp / "plain.key", unlocker).is_ok());
}
