#include "web/admin_auth.hpp"

#include <sodium.h>

#include <cstring>

#include "equitas/crypto/secret.hpp"

namespace equitas::collector {
namespace {

constexpr std::string_view kWrapContext{"equitas/admin-key/v1\0", 21};
constexpr std::size_t kSalt = crypto_pwhash_SALTBYTES;
constexpr std::size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr std::size_t kTag = crypto_aead_xchacha20poly1305_ietf_ABYTES;
constexpr std::size_t kWrappedSize = kSalt + kNonce + crypto_box_SECRETKEYBYTES + kTag;

Status derive(std::string_view pin, const std::uint8_t* salt, SecretBytes<32>& out) {
  if (crypto_pwhash(out.data(), out.size(), pin.data(), pin.size(), salt,
                    crypto_pwhash_OPSLIMIT_MODERATE, crypto_pwhash_MEMLIMIT_MODERATE,
                    crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Status::unavailable("not enough memory to check the PIN (Argon2id needs 256 MiB)");
  }
  return Status::ok();
}

// salt || nonce || AEAD(secret key), with the public key as associated data
// so a wrapped key cannot be paired with another public key.
Bytes wrap_ad(const BoxPublicKey& pk) {
  Bytes ad(kWrapContext.size() + pk.size());
  std::memcpy(ad.data(), kWrapContext.data(), kWrapContext.size());
  std::memcpy(ad.data() + kWrapContext.size(), pk.data(), pk.size());
  return ad;
}

Result<Bytes> wrap(std::string_view pin, const BoxKey& key) {
  Bytes out(kWrappedSize);
  randombytes_buf(out.data(), kSalt + kNonce);
  SecretBytes<32> k;
  EQ_RETURN_IF_ERROR(derive(pin, out.data(), k));
  const Bytes ad = wrap_ad(key.public_key());
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(out.data() + kSalt + kNonce, &clen,
                                             key.secret().data(), key.secret().size(), ad.data(),
                                             ad.size(), nullptr, out.data() + kSalt, k.data());
  return out;
}

}  // namespace

Result<bool> admin_pin_is_set(CollectorStore& store) {
  EQ_ASSIGN_OR_RETURN(auto wrapped, store.get_meta(meta_key::kAdminBoxSkWrapped));
  return wrapped.has_value();
}

Result<std::optional<BoxPublicKey>> admin_public_key(CollectorStore& store) {
  EQ_ASSIGN_OR_RETURN(auto pk, store.get_meta(meta_key::kAdminBoxPk));
  if (!pk) return std::optional<BoxPublicKey>();
  if (pk->size() != crypto_box_PUBLICKEYBYTES)
    return Status::corruption("the stored admin public key is damaged");
  BoxPublicKey out;
  std::memcpy(out.data(), pk->data(), out.size());
  return std::optional<BoxPublicKey>(out);
}

Result<BoxKey> unlock_admin(CollectorStore& store, std::string_view pin) {
  EQ_ASSIGN_OR_RETURN(auto wrapped, store.get_meta(meta_key::kAdminBoxSkWrapped));
  EQ_ASSIGN_OR_RETURN(auto pk, admin_public_key(store));
  if (!wrapped || !pk) {
    return Status::failed_precondition(
        "no admin PIN is set; run collector admin-pin --data-dir DIR");
  }
  if (wrapped->size() != kWrappedSize) return Status::corruption("the stored admin key is damaged");
  SecretBytes<32> k;
  EQ_RETURN_IF_ERROR(derive(pin, wrapped->data(), k));
  const Bytes ad = wrap_ad(*pk);
  SecretBytes<crypto_box_SECRETKEYBYTES> sk;
  unsigned long long plen = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          sk.data(), &plen, nullptr, wrapped->data() + kSalt + kNonce,
          wrapped->size() - kSalt - kNonce, ad.data(), ad.size(), wrapped->data() + kSalt,
          k.data()) != 0) {
    return Status::permission_denied("wrong PIN");
  }
  auto key = BoxKey::from_secret(ByteView(sk.data(), sk.size()));
  if (!key.is_ok()) return key.status();
  if (key->public_key() != *pk)
    return Status::corruption("the stored admin key does not match its public key");
  return key;
}

Status set_admin_pin(CollectorStore& store, std::string_view pin,
                     std::optional<std::string_view> old_pin) {
  if (pin.size() < kMinPinLength) {
    return Status::invalid_argument("the PIN must have at least " + std::to_string(kMinPinLength) +
                                    " characters");
  }
  EQ_ASSIGN_OR_RETURN(bool is_set, admin_pin_is_set(store));
  std::optional<BoxKey> key;
  if (is_set) {
    if (!old_pin)
      return Status::failed_precondition(
          "an admin PIN is already set; give the current one to change it");
    EQ_ASSIGN_OR_RETURN(BoxKey current, unlock_admin(store, *old_pin));
    key.emplace(std::move(current));
  } else {
    key.emplace(BoxKey::generate());
  }
  EQ_ASSIGN_OR_RETURN(Bytes wrapped, wrap(pin, *key));
  Transaction tx(store.db());
  EQ_RETURN_IF_ERROR(tx.status());
  EQ_RETURN_IF_ERROR(store.set_meta(meta_key::kAdminBoxPk,
                                    ByteView(key->public_key().data(), key->public_key().size())));
  EQ_RETURN_IF_ERROR(store.set_meta(meta_key::kAdminBoxSkWrapped, ByteView(wrapped)));
  return tx.commit();
}

}  // namespace equitas::collector
