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

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "collector_store.hpp"
#include "equitas/crypto/keys.hpp"
#include "equitas/crypto/secret.hpp"

namespace equitas::collector {

// What one post's drafts may take: anyone holding the post token can create
// drafts, so without these a phone fills the laptop's disk in seconds.
namespace draft_limits {
// One draft's answers (JSON). The whole GEOAT with long evidence texts stays
// far under this; the request body limit (web_limits::kBodyLimit) is 1 MiB.
inline constexpr std::size_t kMaxDraftBytes = 512 * 1024;
// Open drafts at once: a post has a few dozen respondents a day.
inline constexpr std::int64_t kMaxOpenDrafts = 200;
// All drafts' stored bytes together.
inline constexpr std::int64_t kMaxTotalBytes = 32 * 1024 * 1024;
// Per client address, a token bucket: this many creates and saves at once,
// refilled at kWritesPerSecond. The page saves at most once per 350 ms pause
// in typing, so a person never gets near it.
inline constexpr double kWriteBurst = 120;
inline constexpr double kWritesPerSecond = 2;
// Addresses remembered at once; full buckets are forgotten first.
inline constexpr std::size_t kMaxTrackedClients = 4096;
// Drafts the admin can resume (forms that are not anonymous: the GEOAT) are
// deleted this long after their last change. Anonymous ones go at the idle
// timeout (WebOptions::anonymous_idle).
inline constexpr std::chrono::seconds kResumableExpiry{std::chrono::hours(24 * 30)};
// On a respondent's own phone (DeviceMode::kPersonal) an anonymous draft
// waits this long for its respondent to come back, not the kiosk's idle
// timeout: a phone call or a closed tab must not cost the answers.
inline constexpr std::chrono::seconds kPersonalExpiry{std::chrono::hours(24)};
// A submitted record (a response to a form that is not anonymous, kept so
// the admin can correct it) stays this long after its last revision; the
// server keeps every revision regardless. Records do not count against the
// open drafts' limits above; at most this many are kept, the oldest
// dropped first.
inline constexpr std::chrono::seconds kRecordExpiry{std::chrono::hours(24 * 180)};
inline constexpr std::int64_t kMaxRecords = 2000;
inline constexpr std::int64_t kMaxRecordBytes = 64 * 1024 * 1024;
}  // namespace draft_limits

// Why the store refused to take a draft's bytes.
enum class DraftRefusal {
  kTooLarge,       // this one draft is over kMaxDraftBytes
  kTooManyDrafts,  // kMaxOpenDrafts are open
  kTooMuchData,    // the drafts together would pass kMaxTotalBytes
};

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
  // A submitted record: the submission it sealed, its last revision and
  // when; an edit since then (updated_at later) is not submitted yet.
  std::optional<SubmissionId> submission;
  std::uint32_t revision = 0;
  std::int64_t submitted_at = 0;
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

  // create() and save() refuse what would pass draft_limits with
  // kResourceExhausted; refusal_of() tells which limit (nullopt: another
  // failure, such as a full disk).
  static std::optional<DraftRefusal> refusal_of(const Status& s);

  // Creates an empty draft and returns its key. `admin` is the admin box
  // public key for forms that are not anonymous (nullopt for anonymous ones).
  Result<DraftId> create(const std::string& form_id, const std::string& form_version,
                         bool anonymous, const std::string& lang,
                         const std::optional<BoxPublicKey>& admin, const DraftKey& key,
                         std::int64_t now);
  // Encrypts and stores the answers (a JSON text). kNotFound when the draft
  // is gone (submitted, discarded or expired).
  Status save(const DraftId& id, const DraftKey& key, std::string_view answers_json,
              std::int64_t answered, const std::string& lang, std::int64_t now);
  // Decrypts the answers. kPermissionDenied when the key does not open them.
  // The returned text is the caller's to wipe.
  Result<std::string> load(const DraftId& id, const DraftKey& key);
  Result<std::optional<DraftInfo>> info(const DraftId& id);
  // Recovers a draft's key with the admin's box key.
  Result<DraftKey> admin_key(const DraftId& id, const BoxKey& admin);
  Result<std::vector<DraftInfo>> list();
  Result<std::int64_t> count();  // open drafts, not submitted records
  Status remove(const DraftId& id);
  // Keeps a draft of a revisable form as the record of what it sealed (in
  // the transaction that stores the envelope): `answers_json`, the answers
  // exactly as sealed, encrypted under a fresh key whose only copy is
  // sealed to `admin`, so the browser that submitted it can no longer open
  // it. Drops the oldest records past draft_limits::kMaxRecords or
  // kMaxRecordBytes.
  Status mark_submitted(const DraftId& id, const SubmissionId& submission, std::uint32_t revision,
                        std::string_view answers_json, const BoxPublicKey& admin, std::int64_t now);
  // Deletes anonymous drafts untouched since `anonymous_before` (the kiosk's
  // idle timeout, and the clean-up of drafts whose browser went away), the
  // others untouched since `resumable_before`, and the records not revised
  // since `records_before`. Returns how many.
  Result<std::int64_t> expire(std::int64_t anonymous_before, std::int64_t resumable_before,
                              std::int64_t records_before);

 private:
  // OK, or the refusal as a Status, for `bytes` more stored bytes (a new
  // draft when `replacing` is empty, else in place of that draft's).
  Status check_room(std::size_t bytes, const std::optional<DraftId>& replacing);
  Database& db_;
};

}  // namespace equitas::collector
