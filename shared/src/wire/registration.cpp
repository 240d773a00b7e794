#include "equitas/wire/registration.hpp"

#include <cstring>

#include "signed_file.hpp"

namespace equitas {
namespace {

constexpr std::uint8_t kVersion = 1;
constexpr std::size_t kSealedPlainBytes =
    kRegistrationSealContext.size() + 16 + crypto_sign_PUBLICKEYBYTES + kEnrollSecretBytes;

Bytes signing_input(ByteView body) {
  Bytes out(kRegistrationSignContext.begin(), kRegistrationSignContext.end());
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

}  // namespace

Bytes make_registration(const DeviceId& device_id, const SigningKey& device_key,
                        const ServerPublicKeys& server,
                        const SecretBytes<kEnrollSecretBytes>& secret) {
  SecretBuffer plain(kSealedPlainBytes);
  std::uint8_t* p = plain.data();
  std::memcpy(p, kRegistrationSealContext.data(), kRegistrationSealContext.size());
  p += kRegistrationSealContext.size();
  std::memcpy(p, device_id.bytes.data(), 16);
  p += 16;
  std::memcpy(p, device_key.public_key().data(), crypto_sign_PUBLICKEYBYTES);
  p += crypto_sign_PUBLICKEYBYTES;
  std::memcpy(p, secret.data(), kEnrollSecretBytes);
  const Bytes sealed = seal_to(server.box, ByteView(plain.data(), plain.size()));

  ByteWriter w(kSealedPlainBytes + 200);
  w.raw(kRegistrationMagic);
  w.u8(kVersion);
  w.raw(device_id.bytes);
  w.raw(device_key.public_key());
  w.raw(server.sign);
  w.lp(sealed);
  Bytes out = w.take();
  const Signature sig = device_key.sign(signing_input(out));
  out.insert(out.end(), sig.begin(), sig.end());
  return out;
}

Result<Registration> decode_registration(ByteView bytes) {
  if (bytes.size() > kMaxRegistrationBytes)
    return Status::invalid_argument("the registration is too large");
  const auto file = wire_detail::split_signed(bytes, kRegistrationMagic);
  if (!file) return Status::invalid_argument("this is not an Equitas registration");
  const ByteView body = file->body;
  Registration r;
  ByteReader in(body.subspan(kRegistrationMagic.size()));
  std::uint8_t version = 0;
  ByteView sealed;
  if (!in.u8(version) || version != kVersion || !in.fixed(r.device_id.bytes) ||
      !in.fixed(r.device_key) || !in.fixed(r.server) || !in.lp(sealed, kMaxRegistrationBytes) ||
      !in.at_end()) {
    return Status::corruption("the registration is damaged");
  }
  if (!verify_signature(r.device_key, signing_input(body), file->signature)) {
    return Status::unauthenticated("the registration of device " + r.device_id.to_string() +
                                   " is not signed by the key it names (altered)");
  }
  r.sealed.assign(sealed.begin(), sealed.end());
  return r;
}

Result<SecretBytes<kEnrollSecretBytes>> open_registration(const Registration& r,
                                                          const BoxKey& server_box) {
  auto plain = open_sealed(server_box, r.sealed);
  if (!plain.is_ok()) {
    return Status::unauthenticated("the registration of device " + r.device_id.to_string() +
                                   " was not sealed to this server");
  }
  const ByteView p = *plain;
  const std::size_t id_at = kRegistrationSealContext.size();
  const std::size_t key_at = id_at + 16;
  const std::size_t secret_at = key_at + crypto_sign_PUBLICKEYBYTES;
  const bool names_same =
      p.size() == kSealedPlainBytes && as_chars(p.subspan(0, id_at)) == kRegistrationSealContext &&
      std::equal(r.device_id.bytes.begin(), r.device_id.bytes.end(), p.begin() + id_at) &&
      std::equal(r.device_key.begin(), r.device_key.end(), p.begin() + key_at);
  SecretBytes<kEnrollSecretBytes> secret;
  if (names_same) std::memcpy(secret.data(), p.data() + secret_at, kEnrollSecretBytes);
  wipe(plain.value());
  if (!names_same) {
    return Status::unauthenticated("the registration of device " + r.device_id.to_string() +
                                   " seals a secret for another device or key");
  }
  return secret;
}

}  // namespace equitas
