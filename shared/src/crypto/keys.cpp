#include "equitas/crypto/keys.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "equitas/crypto/hash.hpp"
#include "equitas/crypto/startup.hpp"

namespace equitas {
namespace {

std::string errno_text() { return std::strerror(errno); }

Status fsync_dir(const std::filesystem::path& dir) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::io_error("cannot open folder " + dir.string() + ": " + errno_text());
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Status::io_error("cannot sync folder " + dir.string() + ": " + errno_text());
  return Status::ok();
}

}  // namespace

bool crypto_startup() { return sodium_init() >= 0; }

std::array<std::uint8_t, 32> context_hash(std::string_view context,
                                          std::initializer_list<ByteView> parts) {
  std::array<std::uint8_t, 32> out{};
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, out.size());
  crypto_generichash_update(&st, reinterpret_cast<const std::uint8_t*>(context.data()),
                            context.size());
  for (const ByteView part : parts) crypto_generichash_update(&st, part.data(), part.size());
  crypto_generichash_final(&st, out.data(), out.size());
  // The parts may be secret (an enrollment secret, a token).
  sodium_memzero(&st, sizeof st);
  return out;
}

bool secret_holder_startup() {
  const rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  return crypto_startup();
}

SigningKey SigningKey::generate() {
  SigningKey k;
  crypto_sign_keypair(k.pk_.data(), k.sk_.data());
  return k;
}

Result<SigningKey> SigningKey::from_secret(ByteView secret) {
  if (secret.size() != crypto_sign_SECRETKEYBYTES) {
    return Status::corruption("signing key has the wrong length");
  }
  // Re-derive the key pair from the seed (the first 32 bytes) and check the
  // stored public half: a damaged key file is caught here, not at a sync.
  SigningKey k;
  crypto_sign_seed_keypair(k.pk_.data(), k.sk_.data(), secret.data());
  if (sodium_memcmp(k.sk_.data(), secret.data(), crypto_sign_SECRETKEYBYTES) != 0) {
    return Status::corruption("signing key is damaged (its public half does not match)");
  }
  return k;
}

Signature SigningKey::sign(ByteView message) const {
  Signature sig{};
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), sk_.data());
  return sig;
}

bool verify_signature(const SignPublicKey& pk, ByteView message, const Signature& sig) {
  return crypto_sign_verify_detached(sig.data(), message.data(), message.size(), pk.data()) == 0;
}

BoxKey BoxKey::generate() {
  BoxKey k;
  crypto_box_keypair(k.pk_.data(), k.sk_.data());
  return k;
}

Result<BoxKey> BoxKey::from_secret(ByteView secret) {
  if (secret.size() != crypto_box_SECRETKEYBYTES) {
    return Status::corruption("sealing key has the wrong length");
  }
  BoxKey k;
  std::memcpy(k.sk_.data(), secret.data(), secret.size());
  crypto_scalarmult_base(k.pk_.data(), k.sk_.data());
  return k;
}

Bytes seal_to(const BoxPublicKey& to, ByteView plaintext) {
  Bytes out(plaintext.size() + crypto_box_SEALBYTES);
  crypto_box_seal(out.data(), plaintext.data(), plaintext.size(), to.data());
  return out;
}

Result<Bytes> open_sealed(const BoxKey& key, ByteView sealed) {
  if (sealed.size() < crypto_box_SEALBYTES)
    return Status::corruption("sealed payload is too short");
  Bytes out(sealed.size() - crypto_box_SEALBYTES);
  if (crypto_box_seal_open(out.data(), sealed.data(), sealed.size(), key.public_key().data(),
                           key.secret().data()) != 0) {
    return Status::corruption("sealed payload does not open with this server's key");
  }
  return out;
}

Status write_file_atomically(const std::filesystem::path& path, ByteView contents, unsigned mode) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Status::io_error("cannot create " + tmp.string() + ": " + errno_text());
  if (::fchmod(fd, mode) != 0) {  // in case the file existed with wider permissions
    const std::string why = errno_text();
    ::close(fd);
    ::unlink(tmp.c_str());
    return Status::io_error("cannot set permissions on " + tmp.string() + ": " + why);
  }
  std::size_t done = 0;
  while (done < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = errno_text();
      ::close(fd);
      ::unlink(tmp.c_str());
      return Status::io_error("cannot write " + tmp.string() + ": " + why);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const std::string why = errno_text();
    ::close(fd);
    ::unlink(tmp.c_str());
    return Status::io_error("cannot sync " + tmp.string() + ": " + why);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::io_error("cannot rename " + tmp.string() + ": " + errno_text());
  }
  return fsync_dir(path.parent_path());
}

Status write_private_file(const std::filesystem::path& path, ByteView contents) {
  return write_file_atomically(path, contents, 0600);
}

std::size_t read_fully(int fd, std::uint8_t* data, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::read(fd, data + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  return done;
}

Result<Bytes> read_file(const std::filesystem::path& path, std::size_t max_size) {
  // Plain read(2) into a buffer sized up front: no stream buffers or
  // reallocations leave copies of key material behind.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::not_found("cannot open " + path.string() + ": " + errno_text());
  struct stat st {};
  if (::fstat(fd, &st) != 0 || static_cast<std::size_t>(st.st_size) > max_size) {
    ::close(fd);
    return Status::invalid_argument(path.string() + " is larger than " + std::to_string(max_size) +
                                    " bytes");
  }
  Bytes out(static_cast<std::size_t>(st.st_size));
  const std::size_t done = read_fully(fd, out.data(), out.size());
  ::close(fd);
  out.resize(done);
  return out;
}

}  // namespace equitas
