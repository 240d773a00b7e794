// Key files: plain or passphrase-protected (the format is in keys.hpp), and
// the KeyUnlocker that opens them with a command's passphrase.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "equitas/crypto/keys.hpp"
#include "equitas/util/thread_annotations.hpp"

namespace equitas {
namespace {

// Plain key files: magic, a kind byte, then the raw secret keys. Protected
// ones: see keys.hpp. Both have the kind byte at the same offset.
constexpr std::string_view kKeyFileMagic = "EQUITAS-KEY-1\n";
constexpr std::string_view kProtectedMagic = "EQUITAS-KEY-2\n";
static_assert(kKeyFileMagic.size() == kProtectedMagic.size());
constexpr std::uint8_t kServerKind = 1;
constexpr std::uint8_t kDeviceKind = 2;
constexpr std::size_t kServerSecretLen = crypto_sign_SECRETKEYBYTES + crypto_box_SECRETKEYBYTES;
constexpr std::size_t kDeviceSecretLen = crypto_sign_SECRETKEYBYTES;
constexpr std::size_t kMaxKeyFile = 4096;

// Format 1 of protected files: Argon2id v1.3, then XChaCha20-Poly1305.
constexpr std::uint8_t kProtectedFormat = 1;
constexpr std::size_t kSaltLen = crypto_pwhash_SALTBYTES;
constexpr std::size_t kNonceLen = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr std::size_t kAeadKeyLen = crypto_aead_xchacha20poly1305_ietf_KEYBYTES;
constexpr std::size_t kTagLen = crypto_aead_xchacha20poly1305_ietf_ABYTES;
constexpr std::size_t kChecksumLen = crypto_generichash_BYTES;  // 32
constexpr std::size_t kOffKind = kProtectedMagic.size();
constexpr std::size_t kOffFormat = kOffKind + 1;
constexpr std::size_t kOffOps = kOffFormat + 1;
constexpr std::size_t kOffMem = kOffOps + 8;
constexpr std::size_t kOffSalt = kOffMem + 8;
constexpr std::size_t kOffNonce = kOffSalt + kSaltLen;
constexpr std::size_t kHeaderLen = kOffNonce + kNonceLen;
static_assert(kSaltLen == 16 && kNonceLen == 24 && kAeadKeyLen == 32);

// Refused when opening: below what we write, or beyond what a field laptop
// can evaluate (a forged header must not make loading take minutes or
// exhaust memory before the tag is checked).
constexpr std::uint64_t kMinOps = crypto_pwhash_OPSLIMIT_MODERATE;
constexpr std::uint64_t kMaxOps = crypto_pwhash_OPSLIMIT_SENSITIVE;
constexpr std::uint64_t kMinMem = crypto_pwhash_MEMLIMIT_MODERATE;
constexpr std::uint64_t kMaxMem = crypto_pwhash_MEMLIMIT_SENSITIVE;

std::string errno_text() { return std::strerror(errno); }

const char* kind_name(std::uint8_t kind) { return kind == kServerKind ? "server" : "device"; }

std::size_t secret_len_of(std::uint8_t kind) {
  return kind == kServerKind ? kServerSecretLen : kDeviceSecretLen;
}

void put_u64(std::uint8_t* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

std::uint64_t get_u64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

bool has_prefix(ByteView contents, std::string_view magic) {
  return contents.size() >= magic.size() && as_chars(contents.subspan(0, magic.size())) == magic;
}

// A key file read straight into sodium memory: a plain one holds the keys.
Result<SecretBuffer> read_key_bytes(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::not_found("cannot open " + path.string() + ": " + errno_text());
  struct stat st {};
  if (::fstat(fd, &st) != 0 || static_cast<std::size_t>(st.st_size) > kMaxKeyFile) {
    ::close(fd);
    return Status::corruption(path.string() + " is not a key file (larger than " +
                              std::to_string(kMaxKeyFile) + " bytes)");
  }
  SecretBuffer out(static_cast<std::size_t>(st.st_size));
  const std::size_t done = read_fully(fd, out.data(), out.size());
  ::close(fd);
  out.resize_down(done);
  return out;
}

// The Argon2id output for one salt and limits. Out of memory is the likely
// failure (MODERATE needs 256 MiB).
Status derive_key(const Passphrase& pass, const std::uint8_t* salt, std::uint64_t ops,
                  std::uint64_t mem, SecretBytes<kAeadKeyLen>& out) {
  if (crypto_pwhash(out.data(), kAeadKeyLen, reinterpret_cast<const char*>(pass.data()),
                    pass.size(), salt, ops, static_cast<std::size_t>(mem),
                    crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Status::io_error(
        "not enough memory to derive the key from the passphrase (Argon2id needs " +
        std::to_string(mem >> 20) + " MiB)");
  }
  return Status::ok();
}

// A key a KeyUnlocker derived, for the salt and limits it was derived with.
struct CachedKey {
  std::array<std::uint8_t, kSaltLen> salt{};
  std::uint64_t ops = 0;
  std::uint64_t mem = 0;
  SecretBytes<kAeadKeyLen> key;
};

}  // namespace

struct KeyUnlocker::State {
  explicit State(Passphrase p) : passphrase(std::move(p)) {}
  const Passphrase passphrase;
  Mutex mu;
  std::vector<CachedKey> derived EQ_GUARDED_BY(mu);
};

namespace {

// Opens the key file bytes `file` of `kind` and returns the raw secret keys.
// `cache`, when given (a KeyUnlocker's, its mutex held), remembers the
// derived key per salt.
Result<SecretBuffer> open_key_file(const SecretBuffer& file_buf, std::uint8_t kind,
                                   const std::filesystem::path& path, const Passphrase* pass,
                                   std::vector<CachedKey>* cache) {
  const ByteView file = file_buf.span();
  const std::size_t secret_len = secret_len_of(kind);
  const auto not_a_key_file = [&] {
    return Status::corruption(path.string() + " is not a valid " + kind_name(kind) + " key file");
  };
  if (has_prefix(file, kKeyFileMagic)) {
    if (file.size() != kKeyFileMagic.size() + 1 + secret_len || file[kOffKind] != kind)
      return not_a_key_file();
    return SecretBuffer::copy_of(file.subspan(kKeyFileMagic.size() + 1));
  }
  if (!has_prefix(file, kProtectedMagic) || file.size() <= kOffKind || file[kOffKind] != kind) {
    return not_a_key_file();
  }
  const std::size_t ct_len = secret_len + kTagLen;
  if (file.size() != kHeaderLen + ct_len + kChecksumLen || file[kOffFormat] != kProtectedFormat) {
    return Status::corruption(path.string() +
                              " is damaged or in an unknown format (restore it from a backup)");
  }
  std::array<std::uint8_t, kChecksumLen> sum{};
  crypto_generichash(sum.data(), sum.size(), file.data(), kHeaderLen + ct_len, nullptr, 0);
  if (sodium_memcmp(sum.data(), file.data() + kHeaderLen + ct_len, kChecksumLen) != 0) {
    return Status::corruption(
        path.string() + " is damaged (its checksum does not match); restore it from a backup");
  }
  const std::uint64_t ops = get_u64(file.data() + kOffOps);
  const std::uint64_t mem = get_u64(file.data() + kOffMem);
  if (ops < kMinOps || ops > kMaxOps || mem < kMinMem || mem > kMaxMem) {
    return Status::corruption(path.string() +
                              " asks for key-derivation limits outside the accepted range");
  }
  if (pass == nullptr) {
    return Status::failed_precondition(
        path.string() +
        " is protected by a passphrase: give it with --passphrase-file FILE or in $" +
        kKeyPassphraseEnv);
  }
  const std::uint8_t* salt = file.data() + kOffSalt;
  SecretBytes<kAeadKeyLen> fresh;
  const SecretBytes<kAeadKeyLen>* key = nullptr;
  if (cache != nullptr) {
    for (const auto& c : *cache) {
      if (c.ops == ops && c.mem == mem && std::equal(c.salt.begin(), c.salt.end(), salt))
        key = &c.key;
    }
  }
  if (key == nullptr) {
    EQ_RETURN_IF_ERROR(derive_key(*pass, salt, ops, mem, fresh));
    key = &fresh;
  }
  SecretBuffer secret(secret_len);
  unsigned long long out_len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          secret.data(), &out_len, nullptr, file.data() + kHeaderLen, ct_len, file.data(),
          kHeaderLen, file.data() + kOffNonce, key->data()) != 0 ||
      out_len != secret_len) {
    return Status::unauthenticated("wrong passphrase for " + path.string() +
                                   " (or the file was altered)");
  }
  if (cache != nullptr && key == &fresh) {
    CachedKey c;
    std::copy(salt, salt + kSaltLen, c.salt.begin());
    c.ops = ops;
    c.mem = mem;
    std::memcpy(c.key.data(), fresh.data(), kAeadKeyLen);
    cache->push_back(std::move(c));
  }
  return secret;
}

// The bytes of a key file of `kind` holding `secret`: plain, or protected
// under `pass`.
Result<SecretBuffer> make_key_file(std::uint8_t kind, ByteView secret, const Passphrase* pass) {
  if (pass == nullptr) {
    SecretBuffer file(kKeyFileMagic.size() + 1 + secret.size());
    std::memcpy(file.data(), kKeyFileMagic.data(), kKeyFileMagic.size());
    file.data()[kOffKind] = kind;
    std::memcpy(file.data() + kKeyFileMagic.size() + 1, secret.data(), secret.size());
    return file;
  }
  if (pass->size() < kMinPassphraseLength) {
    return Status::invalid_argument("the passphrase is too short: use at least " +
                                    std::to_string(kMinPassphraseLength) + " characters");
  }
  const std::size_t ct_len = secret.size() + kTagLen;
  SecretBuffer file(kHeaderLen + ct_len + kChecksumLen);
  std::uint8_t* f = file.data();
  std::memcpy(f, kProtectedMagic.data(), kProtectedMagic.size());
  f[kOffKind] = kind;
  f[kOffFormat] = kProtectedFormat;
  put_u64(f + kOffOps, crypto_pwhash_OPSLIMIT_MODERATE);
  put_u64(f + kOffMem, crypto_pwhash_MEMLIMIT_MODERATE);
  randombytes_buf(f + kOffSalt, kSaltLen);
  randombytes_buf(f + kOffNonce, kNonceLen);
  SecretBytes<kAeadKeyLen> key;
  EQ_RETURN_IF_ERROR(derive_key(*pass, f + kOffSalt, crypto_pwhash_OPSLIMIT_MODERATE,
                                crypto_pwhash_MEMLIMIT_MODERATE, key));
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(f + kHeaderLen, &written, secret.data(), secret.size(),
                                             f, kHeaderLen, nullptr, f + kOffNonce, key.data());
  crypto_generichash(f + kHeaderLen + ct_len, kChecksumLen, f, kHeaderLen + ct_len, nullptr, 0);
  return file;
}

Status save_key_file(const std::filesystem::path& path, std::uint8_t kind, ByteView secret,
                     const Passphrase* pass) {
  EQ_ASSIGN_OR_RETURN(SecretBuffer file, make_key_file(kind, secret, pass));
  return write_private_file(path, file.span());
}

// Loads the secret keys of `kind` from `path` with an explicit passphrase.
Result<SecretBuffer> load_key_secret(const std::filesystem::path& path, std::uint8_t kind,
                                     const Passphrase* pass) {
  EQ_ASSIGN_OR_RETURN(SecretBuffer file, read_key_bytes(path));
  return open_key_file(file, kind, path, pass, nullptr);
}

}  // namespace

// What key_file.cpp reads of a KeyUnlocker.
struct KeyUnlockerAccess {
  // Loads the secret keys of `kind` from `path` with the unlocker's
  // passphrase and its derived keys. One load at a time per unlocker: a
  // second thread waits for the first derivation instead of repeating it.
  static Result<SecretBuffer> load(const std::filesystem::path& path, std::uint8_t kind,
                                   const KeyUnlocker& u) {
    EQ_ASSIGN_OR_RETURN(SecretBuffer file, read_key_bytes(path));
    KeyUnlocker::State* state = u.state_.get();
    if (state == nullptr) return open_key_file(file, kind, path, nullptr, nullptr);
    MutexLock lock(&state->mu);
    return open_key_file(file, kind, path, &state->passphrase, &state->derived);
  }
};

namespace {

Result<ServerKeys> server_keys_from(const SecretBuffer& secret) {
  auto sign = SigningKey::from_secret(secret.span().subspan(0, crypto_sign_SECRETKEYBYTES));
  auto box = BoxKey::from_secret(secret.span().subspan(crypto_sign_SECRETKEYBYTES));
  if (!sign.is_ok()) return sign.status();
  if (!box.is_ok()) return box.status();
  return ServerKeys{std::move(sign).value(), std::move(box).value()};
}

SecretBuffer server_secret_of(const ServerKeys& keys) {
  SecretBuffer secret(kServerSecretLen);
  std::memcpy(secret.data(), keys.sign.secret().data(), crypto_sign_SECRETKEYBYTES);
  std::memcpy(secret.data() + crypto_sign_SECRETKEYBYTES, keys.box.secret().data(),
              crypto_box_SECRETKEYBYTES);
  return secret;
}

}  // namespace

Status save_server_keys(const std::filesystem::path& path, const ServerKeys& keys,
                        const Passphrase* passphrase) {
  const SecretBuffer secret = server_secret_of(keys);
  return save_key_file(path, kServerKind, secret.span(), passphrase);
}

Result<ServerKeys> load_server_keys(const std::filesystem::path& path,
                                    const Passphrase* passphrase) {
  EQ_ASSIGN_OR_RETURN(SecretBuffer secret, load_key_secret(path, kServerKind, passphrase));
  return server_keys_from(secret);
}

Status save_device_key(const std::filesystem::path& path, const SigningKey& key,
                       const Passphrase* passphrase) {
  return save_key_file(path, kDeviceKind, key.secret().span(), passphrase);
}

Result<SigningKey> load_device_key(const std::filesystem::path& path,
                                   const Passphrase* passphrase) {
  EQ_ASSIGN_OR_RETURN(SecretBuffer secret, load_key_secret(path, kDeviceKind, passphrase));
  return SigningKey::from_secret(secret.span());
}

Status save_server_keys(const std::filesystem::path& path, const ServerKeys& keys,
                        const KeyUnlocker& unlocker) {
  return save_server_keys(path, keys, unlocker.passphrase());
}

Result<ServerKeys> load_server_keys(const std::filesystem::path& path,
                                    const KeyUnlocker& unlocker) {
  EQ_ASSIGN_OR_RETURN(SecretBuffer secret, KeyUnlockerAccess::load(path, kServerKind, unlocker));
  return server_keys_from(secret);
}

Status save_device_key(const std::filesystem::path& path, const SigningKey& key,
                       const KeyUnlocker& unlocker) {
  return save_device_key(path, key, unlocker.passphrase());
}

Result<SigningKey> load_device_key(const std::filesystem::path& path, const KeyUnlocker& unlocker) {
  EQ_ASSIGN_OR_RETURN(SecretBuffer secret, KeyUnlockerAccess::load(path, kDeviceKind, unlocker));
  return SigningKey::from_secret(secret.span());
}

Result<KeyFileProtection> key_file_protection(const std::filesystem::path& path) {
  EQ_ASSIGN_OR_RETURN(SecretBuffer file, read_key_bytes(path));
  if (has_prefix(file.span(), kKeyFileMagic)) return KeyFileProtection::kPlain;
  if (has_prefix(file.span(), kProtectedMagic)) return KeyFileProtection::kPassphrase;
  return Status::corruption(path.string() + " is not a key file");
}

Status change_key_file_passphrase(const std::filesystem::path& path, const Passphrase* current,
                                  const Passphrase* next) {
  EQ_ASSIGN_OR_RETURN(SecretBuffer file, read_key_bytes(path));
  if (file.size() <= kOffKind ||
      (!has_prefix(file.span(), kKeyFileMagic) && !has_prefix(file.span(), kProtectedMagic)) ||
      (file.data()[kOffKind] != kServerKind && file.data()[kOffKind] != kDeviceKind)) {
    return Status::corruption(path.string() + " is not a key file");
  }
  const std::uint8_t kind = file.data()[kOffKind];
  EQ_ASSIGN_OR_RETURN(SecretBuffer secret, open_key_file(file, kind, path, current, nullptr));
  // Check the keys themselves before writing them anywhere.
  if (kind == kServerKind) {
    EQ_RETURN_IF_ERROR(server_keys_from(secret).status());
  } else {
    EQ_RETURN_IF_ERROR(SigningKey::from_secret(secret.span()).status());
  }
  return save_key_file(path, kind, secret.span(), next);
}

Result<Passphrase> read_passphrase_file(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return Status::not_found("cannot open passphrase file " + file.string() + ": " + errno_text());
  // One byte more than allowed, to tell "too long" from "just fits".
  SecretBuffer buf(kMaxPassphraseLength + 2);
  std::size_t done = 0;
  while (done < buf.size()) {
    const ssize_t n = ::read(fd, buf.data() + done, buf.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  std::size_t len = 0;
  while (len < done && buf.data()[len] != '\n') ++len;
  if (len > 0 && buf.data()[len - 1] == '\r') --len;
  if (len > kMaxPassphraseLength) {
    return Status::invalid_argument("the passphrase in " + file.string() + " is longer than " +
                                    std::to_string(kMaxPassphraseLength) + " bytes");
  }
  if (len == 0)
    return Status::invalid_argument("the passphrase file " + file.string() + " is empty");
  buf.resize_down(len);
  return buf;
}

Result<std::optional<Passphrase>> take_passphrase_from_env(const char* name) {
  char* value = std::getenv(name);
  if (value == nullptr) return std::optional<Passphrase>();
  const std::size_t len = std::strlen(value);
  std::optional<Passphrase> out;
  if (len > 0 && len <= kMaxPassphraseLength) {
    out = Passphrase::copy_of(std::span(reinterpret_cast<const std::uint8_t*>(value), len));
  }
  sodium_memzero(value, len);
  ::unsetenv(name);
  if (len == 0) return Status::invalid_argument(std::string("$") + name + " is set but empty");
  if (!out) {
    return Status::invalid_argument(std::string("$") + name + " is longer than " +
                                    std::to_string(kMaxPassphraseLength) + " bytes");
  }
  return out;
}

namespace {

// The new passphrase from `file`, else from $EQUITAS_NEW_KEY_PASSPHRASE;
// nullopt when `remove` (store the key plain).
Result<std::optional<Passphrase>> read_new_passphrase(const std::optional<std::string>& file,
                                                      bool remove) {
  if (remove) {
    if (file) return Status::invalid_argument("give either --remove or a new passphrase, not both");
    return std::optional<Passphrase>();
  }
  if (file) {
    EQ_ASSIGN_OR_RETURN(Passphrase p, read_passphrase_file(*file));
    return std::optional<Passphrase>(std::move(p));
  }
  EQ_ASSIGN_OR_RETURN(auto p, take_passphrase_from_env(kNewKeyPassphraseEnv));
  if (!p) {
    return Status::invalid_argument(
        std::string("give the new passphrase with --new-passphrase-file FILE or in $") +
        kNewKeyPassphraseEnv + ", or --remove to store the key unprotected");
  }
  return p;
}

}  // namespace

Result<bool> rekey_key_file(const std::filesystem::path& path, const Passphrase* current,
                            const std::optional<std::string>& new_passphrase_file, bool remove) {
  EQ_ASSIGN_OR_RETURN(auto next, read_new_passphrase(new_passphrase_file, remove));
  EQ_RETURN_IF_ERROR(change_key_file_passphrase(path, current, next ? &*next : nullptr)
                         .with_context("the key file was not changed"));
  return next.has_value();
}

// The State (and with it the passphrase and the derived keys, all in
// sodium memory) is freed, and so wiped, with the last copy.
KeyUnlocker::KeyUnlocker(std::optional<Passphrase> passphrase)
    : state_(passphrase ? std::make_shared<State>(std::move(*passphrase)) : nullptr) {}

const Passphrase* KeyUnlocker::passphrase() const { return state_ ? &state_->passphrase : nullptr; }

Result<std::optional<Passphrase>> take_key_passphrase_arg(std::vector<std::string>& args) {
  static constexpr std::string_view kFlag = "--passphrase-file";
  std::optional<std::string> file;
  for (std::size_t i = 0; i < args.size();) {
    const std::string& w = args[i];
    if (w == kFlag) {
      if (i + 1 >= args.size()) return Status::invalid_argument("--passphrase-file needs a FILE");
      file = args[i + 1];
      args.erase(args.begin() + static_cast<long>(i), args.begin() + static_cast<long>(i) + 2);
    } else if (w.size() > kFlag.size() && w.starts_with(kFlag) && w[kFlag.size()] == '=') {
      file = w.substr(kFlag.size() + 1);
      args.erase(args.begin() + static_cast<long>(i));
    } else {
      ++i;
    }
  }
  if (file) {
    EQ_ASSIGN_OR_RETURN(Passphrase p, read_passphrase_file(*file));
    return std::optional<Passphrase>(std::move(p));
  }
  return take_passphrase_from_env(kKeyPassphraseEnv);
}

}  // namespace equitas
