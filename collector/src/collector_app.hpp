// A collector data folder and what can be done with it: enroll, submit,
// report status, sync. The CLI and (later) the web UI both go through here.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "collector_store.hpp"
#include "disk_reserve.hpp"
#include "equitas/crypto/keys.hpp"
#include "equitas/forms/answer_validator.hpp"
#include "equitas/forms/file_answer.hpp"
#include "equitas/forms/form_library.hpp"
#include "equitas/util/clock.hpp"
#include "equitas/wire/bundle.hpp"
#include "equitas/wire/enrollment_code.hpp"
#include "equitas/wire/payload.hpp"

namespace equitas::collector {

// The submission and revision a response seals (Collector::submit).
struct Revises {
  SubmissionId id;
  std::uint32_t revision = 1;
};

// What the collector pinned at enrollment.
struct Enrollment {
  std::string url;
  ServerPublicKeys server;
  DeviceId device_id;
  std::string site;
  std::int64_t code_expires_at = 0;
  bool registered = false;  // the server has confirmed the device at a sync
};

// How much a collector carries for other posts, pending at once: a relay's
// link is for its own responses first.
struct RelayLimits {
  std::int64_t max_envelopes_per_origin = 20'000;
  std::int64_t max_bytes_per_origin = 16ll * 1024 * 1024;
  std::int64_t max_bytes_total = 128ll * 1024 * 1024;
  // Files (photos, documents) are counted apart: a GEOAT's evidence alone
  // can weigh more than a year of responses.
  std::int64_t max_file_bytes_per_origin = 256ll * 1024 * 1024;
  std::int64_t max_file_bytes_total = 1024ll * 1024 * 1024;
};

struct CollectorStatus {
  std::optional<Enrollment> enrollment;
  OutboxCounts counts;
  std::optional<SyncLogEntry> last_sync;
};

struct SyncProgress {
  std::int64_t sent = 0;  // items sent so far this session
  std::int64_t acknowledged = 0;
  std::int64_t total = 0;  // pending when the session started
  std::int64_t bytes_up = 0;
  std::int64_t bytes_down = 0;
  // File bytes the server has acknowledged as stored this session (pieces
  // and chunks), and files now held in full: a session cut in the middle of
  // a large file still moved it forward.
  std::int64_t file_bytes_stored = 0;
  std::int64_t files_stored = 0;
};

struct SyncOptions {
  std::chrono::seconds connect_timeout{15};
  std::chrono::seconds reply_timeout{60};
  // Smaller batches for a poor link (0: as large as the server allows). A cut
  // link costs at most one batch.
  std::size_t max_batch_items = 0;
  std::function<void(const SyncProgress&)> on_progress;
};

struct SyncReport {
  bool registered_now = false;
  std::int64_t sent = 0;
  std::int64_t accepted = 0;
  std::int64_t duplicate = 0;
  std::int64_t conflict = 0;
  std::int64_t rejected = 0;
  std::vector<std::string> rejections;  // "submission-id: reason"
  std::int64_t bytes_up = 0;
  std::int64_t bytes_down = 0;
  std::int64_t pending_after = 0;
  std::vector<std::string> forms_received;  // "staff-climate 2026.1 (2026-baseline)"
  std::vector<std::string> forms_refused;   // with the reason
  std::vector<std::string>
      assessments_received;  // "asm-… TL (2026-baseline): draft, 2 disagreements"
  // Contributions of this device that the server kept but flagged instead
  // of merging (the assessment was validated first), in words.
  std::vector<std::string> flagged_contributions;
  std::string assessments_note;  // e.g. the server predates team assessments
  std::vector<std::string>
      codes_received;                      // "500 response codes for staff-climate (2026-baseline)"
  std::vector<std::string> codes_refused;  // batches whose signature or form did not check
  std::string codes_note;                  // e.g. the server predates response codes
  // Files (issue 18).
  std::int64_t files_sent = 0;          // sent in full this session
  std::int64_t files_already_held = 0;  // the server had the same bytes: not sent again
  std::int64_t files_resumed = 0;       // taken up from a chunk a cut session had reached
  std::int64_t file_chunks_sent = 0;
  std::int64_t file_bytes_sent = 0;     // of chunks the server acknowledged
  std::vector<std::string> file_notes;  // files not sent, and why
};

// Why a form publication from the server (at a sync, or in a forms file)
// is not kept: not signed with the pinned key, or a definition that does
// not parse as the form and version it names. Empty when it is good.
std::string publication_problem(const FormPublication& p, const SignPublicKey& server);

// What a Collector is opened (or created) with.
struct CollectorOptions {
  // Opens device.key, and protects a new one: the passphrase the command
  // was given, if any.
  KeyUnlocker unlocker;
  // Where the collector reads the time: code expiries, timestamps it
  // stores, the form engine's today() and now(). Must outlive the
  // collector; tests give a ManualClock.
  const Clock* clock = &SystemClock::instance();
};

class Collector {
 public:
  // Creates the folder (0700), the database and the device key (under
  // options.unlocker's passphrase when there is one).
  static Status init(const DataDir& dir, const CollectorOptions& options = {});
  static Result<Collector> open(const DataDir& dir, const CollectorOptions& options = {});

  // Pins the server from an enrollment code. Works offline; the first sync
  // (or the first USB bundle, or a relay) completes the registration.
  // Refuses a code that has expired by this machine's clock, and a
  // collector that is already enrolled.
  Result<Enrollment> enroll(std::string_view code_text);
  // Takes a new code for this same device from the same server (`sync-server
  // device reissue`), when the first one expired before it could be used.
  // Everything captured is kept. Refuses a code for another server or
  // device, an expired one, and a collector that has registered already
  // (it needs no code).
  Result<Enrollment> renew(std::string_view code_text);
  Result<std::optional<Enrollment>> enrollment();

  // Validates the answers (a JSON object) with the form engine, seals and
  // signs them, stores the envelope and wipes the plaintext. An empty
  // version means the form's current one. Invalid answers are refused with
  // every error listed (messages in `lang`), and nothing is stored.
  // `in_transaction`, when given, runs in the transaction that stores the
  // envelope (the web UI deletes the draft there); its failure stores nothing.
  // A form that asks for response codes needs `response_code` (see
  // check_response_code): it is spent in the same transaction, and a code
  // that is not usable stores nothing (already_exists when it was used).
  // `revises`, for a form that is not anonymous, gives the submission id and
  // revision to seal (a correction of a submitted record seals the same id
  // with the next revision); without it, a fresh id and revision 1.
  Result<SubmissionId> submit(std::string_view form_id, std::string_view form_version,
                              std::string& answers_json, const std::string& lang = "en",
                              const std::function<Status()>& in_transaction = {},
                              std::string_view response_code = {},
                              const Revises* revises = nullptr);
  // The same with another validator: for tools and tests that must produce
  // what a modified client would.
  Result<SubmissionId> submit(std::string_view form_id, std::string_view form_version,
                              std::string& answers_json, const AnswerValidator& validator);

  // Files for the file questions of `form` (image, audio, video, file;
  // issue 18). Checks the file (not empty, within the question's size
  // limit, of a media type it accepts, told from its bytes, and whole),
  // that the collector's file quota and the disk have room, then encrypts
  // it under a key of its own and stages it. Returns the reference the
  // answers carry, key included: the key goes into the sealed answers and
  // is written nowhere else. submit() ties the staged file to its response.
  Result<forms::FileRef> capture_file(const forms::Form& form, std::string_view question,
                                      ByteView bytes, std::string_view name);
  // Staged files that no response took (an aborted submit).
  Status discard_staged(const std::vector<forms::FileRef>& refs);
  // Staged files older than `before` (unix seconds): captured for a draft
  // that was discarded or expired. Returns how many.
  Result<std::int64_t> expire_staged(std::int64_t before);
  // A file still held here, decrypted with the key its reference carries
  // (the web page's thumbnail of a file in its draft) and checked against
  // its hash. not_found once sent (its chunks are gone).
  Result<Bytes> held_file(const forms::FileRef& ref);
  // Bytes of files held here and not yet sent that further captures may
  // not exceed. Default kDefaultFileQuota; `collector files --quota`.
  Result<std::int64_t> file_quota();
  Status set_file_quota(std::int64_t bytes);
  static constexpr std::int64_t kDefaultFileQuota = std::int64_t{1} << 30;

  // A team member's partial answers to a team assessment the server sent
  // at a sync (the GEOAT as one shared record): checked by the form engine
  // without "required", sealed and signed like any submission, with the
  // assessment, the member's role (a choice of the form's team_role list
  // when it has one) and the merged version this collector holds. The
  // server merges it field by field. `notice` says when the assessment is
  // validated already: the server will keep the contribution, flagged, but
  // not merge it. not_found for an assessment this collector has not
  // received (sync first).
  struct Contributed {
    SubmissionId id;
    std::string notice;
  };
  // `site`, when given, is the site the per-site answers are about
  // (forms::Item::per_site): this collector's own, or one the assessment's
  // view lists.
  Result<Contributed> contribute(std::string_view form_id, std::string_view assessment_id,
                                 std::string_view role, std::string& answers_json,
                                 const std::string& lang = "en", std::string_view site = {});
  // The team assessments received at the last sync (assessment views).
  Result<std::vector<CollectorStore::HeldAssessment>> assessments() { return store_.assessments(); }

  // Single-use response codes (wire/response_codes.hpp) of a form that asks
  // for them, checked offline: genuine when its digest is in a batch for
  // the form's current round that reached this collector at a sync, usable
  // when not used on this collector. The server checks across collectors.
  enum class CodeVerdict { kOk, kRequired, kTypo, kNotReceived, kUnknown, kUsed };
  struct CodeCheck {
    CodeVerdict verdict = CodeVerdict::kRequired;
    std::string canonical;
    CodeBatchId batch{};
    CodeDigest digest{};
  };
  Result<CodeCheck> check_response_code(const forms::Form& form, std::string_view typed);
  // A batch file that `sync-server codes issue` wrote beside the slips, for
  // a post that never connects: kept when the server's signature verifies
  // against the pinned key (permission_denied otherwise, and nothing is
  // stored). Importing one twice is harmless.
  Result<CodeBatch> import_code_batch(const std::filesystem::path& in);
  // The server's form publications in a file (`sync-server forms export`),
  // for a post that never connects: each kept when its signature verifies
  // against the pinned key and its definition parses, as at a sync; the
  // others are listed in `refused`. corruption when the file is not one.
  struct FormsImport {
    std::vector<std::string> received;  // "staff-climate 2026.2 (2026-baseline)"
    std::vector<std::string> refused;   // with the reason
  };
  Result<FormsImport> import_forms(const std::filesystem::path& in);
  static std::string_view code_verdict_text(CodeVerdict v);

  // The bundled forms plus the publications received from the server whose
  // signature verifies against the pinned key.
  Result<const forms::FormLibrary*> library();
  // Drops the loaded library so the next call reads the publications again
  // (another connection's sync may have stored new ones).
  void reload_library() { library_.reset(); }

  Result<CollectorStatus> status();

  // Pushes every pending envelope; see sync_client.hpp.
  Result<SyncReport> sync(const SyncOptions& options);

  // Writes every pending envelope into a bundle signed by this device and
  // bound to the pinned server, with the files not yet sent (own and
  // relayed), as they are held here: encrypted. Items stay pending until
  // the server's receipt is imported.
  struct BundleExport {
    std::int64_t envelopes = 0;
    std::int64_t files = 0;
    std::int64_t file_bytes = 0;  // encrypted, as carried
    std::int64_t files_left = 0;  // did not fit (kMaxBundleBytes): the next bundle takes them
  };
  Result<BundleExport> export_bundle(const std::filesystem::path& out);
  struct BundleImport {
    bool was_receipt = false;
    std::int64_t marked = 0;      // receipt: pending items now synced or rejected
    std::int64_t unmatched = 0;   // receipt: items not pending here
    std::int64_t kept = 0;        // receipt: verdicts about a refused relay; items stay pending
    std::int64_t other_copy = 0;  // receipt: about altered copies of our items; ignored
    bool registered_now = false;  // receipt: the server has our key (from a bundle)
    bool relays_registration = false;        // relay: the bundle's device registers through us
    std::int64_t queued = 0;                 // relay: envelopes queued for upload
    std::int64_t already = 0;                // relay: envelopes already here
    std::int64_t files_queued = 0;           // relay: files queued behind their responses
    std::int64_t files_marked = 0;           // receipt: files the server now holds, deleted here
    std::vector<std::string> file_problems;  // receipt: files the server did not store, and why
    DeviceId from;                           // relay: the exporting device
  };
  // A receipt from the server (verified against the pinned key), or another
  // device's bundle to relay. A bundle is relayed only when every envelope in
  // it verifies with the key of a device the server's list (received at the
  // last sync) names as active, or of the bundle's own pending device when
  // the bundle carries its registration; and within the RelayLimits.
  // Otherwise it is refused whole and nothing changes.
  Result<BundleImport> import_bundle_or_receipt(const std::filesystem::path& in);

  CollectorStore& store() { return store_; }
  // Runs `write` (one transaction); if it fails because the disk is full,
  // releases the space reserve (disk_reserve.hpp) and runs it once more. For
  // the writes that must work on a full disk: submitting, discarding and
  // expiring drafts. Never for writes that fill the disk.
  Status write_with_reserve(const std::function<Status()>& write);
  // Puts the space reserve back if it was used and the disk has room now.
  // Cheap when it is there; call it every few seconds.
  Status restore_disk_reserve() { return reserve_.ensure(); }
  bool has_disk_reserve() const { return reserve_.present(); }
  void set_relay_limits(const RelayLimits& limits) { relay_limits_ = limits; }
  const SigningKey& device_key() const { return key_; }

 private:
  Collector(DataDir dir, CollectorStore store, SigningKey key, const CollectorOptions& options)
      : dir_(std::move(dir)),
        store_(std::move(store)),
        key_(std::move(key)),
        reserve_(dir_.reserve()),
        clock_(options.clock) {}
  Result<SubmissionId> seal_and_store(const forms::Form* form, std::string_view form_id,
                                      std::string_view form_version, std::string& answers_json,
                                      const std::string& lang, const AnswerValidator* validator,
                                      const ContributionMeta* contribution,
                                      const std::function<Status()>& in_transaction = {},
                                      std::string_view response_code = {},
                                      const Revises* revises = nullptr);
  DataDir dir_;
  CollectorStore store_;
  SigningKey key_;
  DiskReserve reserve_;
  std::unique_ptr<forms::FormLibrary> library_;  // loaded on first use
  const Clock* clock_;
  std::int64_t now() const { return clock_->now(); }
  Status save_enrollment(const EnrollmentCode& code);
  Status check_relayable(const DecodedBundle& bundle, const Enrollment& enrolled,
                         const std::optional<SignPublicKey>& registered_key);
  RelayLimits relay_limits_;
  Status mark_registered();
};

}  // namespace equitas::collector
