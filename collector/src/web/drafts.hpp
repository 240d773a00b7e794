// Drafts of responses being answered in the web UI, encrypted at rest.
//
// Each draft has its own random key. The collector never stores that key in
// clear: the respondent's browser keeps it in an HttpOnly cookie and sends it
// with every request. For forms that are not anonymous the key is also sealed
// (crypto_box_seal) to the admin box key, so the admin can resume a GEOAT
// draft after a restart or from another browser. A stolen laptop therefore
// holds only ciphertext: the answers of an anonymous draft can be read by no
// one but the browser tab that wrote them.
//
// The AEAD's associated data binds each ciphertext to "equitas/draft/v1",
// the draft id, the form id and the form version, so a ciphertext moved to
// another row does not open.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "collector_store.hpp"
#include "equitas/crypto/keys.hpp"
#include "equitas/crypto/secret.hpp"

namespace equitas::collector {

using DraftKey = SecretBytes<32>;

struct DraftId {
  std::array<std::uint8_t, 16> bytes{};
  static DraftId random();
  static std::optional<DraftId> from_hex(std::string_view hex);
  std::string hex() const;
  bool operator==(const DraftId&) const = default;
};

struct DraftInfo {
  DraftId id;
  std::string form_id;
  std::string form_version;
  bool anonymous = false;
  std::string lang;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
  std::int64_t answered = 0;
  bool admin_can_open = false;
};

// A draft's id and key as the browser carries them: "<32 hex>.<base64url key>".
std::string draft_token(const DraftId& id, const DraftKey& key);
struct ParsedToken {
  DraftId id;
  DraftKey key;
};
std::optional<ParsedToken> parse_draft_token(std::string_view token);

class DraftStore {
 public:
  explicit DraftStore(Database& db) : db_(db) {}

  // Creates an empty draft and returns its key. `admin` is the admin box
  // public key for forms that are not anonymous (nullopt for anonymous ones).
  Result<DraftId> create(const std::string& form_id, const std::string& form_version, bool anonymous,
                         const std::string& lang, const std::optional<BoxPublicKey>& admin, const DraftKey& key,
                         std::int64_t now);
  // Encrypts and stores the answers (a JSON text). kNotFound when the draft
  // is gone (submitted, discarded or expired).
  Status save(const DraftId& id, const DraftKey& key, std::string_view answers_json, std::int64_t answered,
              const std::string& lang, std::int64_t now);
  // Decrypts the answers. kPermissionDenied when the key does not open them.
  // The returned text is the caller's to wipe.
  Result<std::string> load(const DraftId& id, const DraftKey& key);
  Result<std::optional<DraftInfo>> info(const DraftId& id);
  // Recovers a draft's key with the admin's box key.
  Result<DraftKey> admin_key(const DraftId& id, const BoxKey& admin);
  Result<std::vector<DraftInfo>> list();
  Result<std::int64_t> count();
  Status remove(const DraftId& id);
  // Deletes anonymous drafts untouched since `before`: the kiosk's idle
  // timeout, and the clean-up of drafts whose browser went away.
  Result<std::int64_t> expire_anonymous(std::int64_t before);

 private:
  Database& db_;
};

}  // namespace equitas::collector
