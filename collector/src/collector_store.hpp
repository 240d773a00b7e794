// The collector's database: its settings (collector_meta), the outbox of
// sealed envelopes and the sync log. Opened with secure_delete, so pages that
// once held a value (the enrollment secret, say) are zeroed when freed.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "equitas/db/database.hpp"
#include "equitas/status/status.hpp"
#include "equitas/wire/bundle.hpp"
#include "equitas/wire/file_transfer.hpp"
#include "equitas/wire/ids.hpp"
#include "equitas/wire/response_codes.hpp"
#include "equitas/wire/sync_messages.hpp"

namespace equitas::collector {

struct DataDir {
  std::filesystem::path root;
  std::filesystem::path db() const { return root / "collector.db"; }
  std::filesystem::path key() const { return root / "device.key"; }
  // Free space held back for discards and submits on a full disk (disk_reserve.hpp).
  std::filesystem::path reserve() const { return root / "space.reserve"; }
};

// Keys of collector_meta.
namespace meta_key {
inline constexpr std::string_view kUrl = "server_url";
inline constexpr std::string_view kSignPk = "server_sign_pk";
inline constexpr std::string_view kBoxPk = "server_box_pk";
inline constexpr std::string_view kDeviceId = "device_id";
inline constexpr std::string_view kSite = "site";
inline constexpr std::string_view kExpires = "enroll_expires_at";
inline constexpr std::string_view kRegistered = "registered";
// Present from enrollment until the server confirms the device.
inline constexpr std::string_view kEnrollSecretKey = "enroll_secret";
// The server's signed list of devices this collector may relay for
// (device_list.hpp), as received at the last sync; verified on every use.
inline constexpr std::string_view kDeviceList = "device_list";
// Bytes of unsent files captures may not exceed (Collector::file_quota).
inline constexpr std::string_view kFileQuota = "file_quota";
}  // namespace meta_key

struct OutboxItem {
  std::int64_t seq = 0;
  SubmissionId submission_id;
  std::uint32_t revision = 1;
  std::string form_id;
  Bytes envelope;
};

struct OutboxCounts {
  std::int64_t pending = 0;
  std::int64_t synced = 0;
  std::int64_t rejected = 0;
  std::int64_t pending_bytes = 0;
};

enum class ReceiptMatch {
  kApplied,             // the pending item is now synced or rejected
  kKeptCarrierRefused,  // the verdict was about the carrier: still pending
  kOtherCopy,           // same id, other bytes (altered or re-signed on the way): ignored
  kNotPending,          // nothing pending here under that id (synced already, or not ours)
};

struct SyncLogEntry {
  std::int64_t started_at = 0;
  std::int64_t finished_at = 0;
  std::string result;  // "ok", "partial", "failed"
  std::string detail;
};

class CollectorStore {
 public:
  static Result<CollectorStore> open(const DataDir& dir);
  static Result<CollectorStore> create(const DataDir& dir);

  Database& db() { return db_; }

  Result<std::optional<Bytes>> get_meta(std::string_view key);
  Result<std::optional<std::string>> get_meta_text(std::string_view key);
  Status set_meta(std::string_view key, ByteView value);
  Status set_meta(std::string_view key, std::string_view value) {
    return set_meta(key, as_bytes(value));
  }
  Status delete_meta(std::string_view key);

  Status add_to_outbox(const SubmissionId& id, std::uint32_t revision, std::string_view form_id,
                       std::string_view form_version, ByteView envelope, std::int64_t now);
  // The oldest pending items, at most `max_items` and, past the first item,
  // at most `max_bytes` of envelopes in all.
  Result<std::vector<OutboxItem>> next_pending(std::size_t max_items, std::size_t max_bytes);
  // Applies the server's answer for one item. Call inside a transaction.
  Status record_ack(std::int64_t seq, const ItemResult& result, std::int64_t now);
  // The same for a receipt item, which names the envelope by id, revision
  // and hash: applied only to the pending item with exactly those bytes. A
  // rejection of the carrier (kCarrierRefused) leaves the item pending, with
  // a note. Call inside a transaction.
  Result<ReceiptMatch> record_receipt(const ReceiptItem& item, std::int64_t now);
  // Queues another device's envelope for upload. False when it is already here.
  Result<bool> add_relayed(const DeviceId& from, const SubmissionId& id, std::uint32_t revision,
                           std::string_view form_id, std::string_view form_version,
                           ByteView envelope, std::int64_t now);
  Result<OutboxCounts> counts();

  // Files responses name (schema 009, wire/file_transfer.hpp), implemented
  // in collector_files.cpp. A captured file is staged (its chunks stored,
  // encrypted) until attach_files ties it to the response that names it,
  // in the transaction that stores that response.
  Status stage_file(const SealedFile& f, std::int64_t now);
  // failed_precondition when one of `ids` is not a staged file here.
  Status attach_files(const std::vector<FileId>& ids, const SubmissionId& submission,
                      std::uint32_t revision);
  Status discard_staged(const std::vector<FileId>& ids);
  // Staged files created before `before`; how many. Call inside a transaction.
  Result<std::int64_t> expire_staged(std::int64_t before);
  // Files of responses the server has acknowledged, not yet sent in full,
  // oldest response first; `skip` are left out.
  struct FileToSend {
    FileId id{};
    FileHash sha256{};
    std::uint64_t size = 0;
    std::uint32_t chunks = 0;
  };
  Result<std::vector<FileToSend>> files_to_send(std::size_t max, const std::vector<FileId>& skip);
  Result<Bytes> file_chunk(const FileId& id, std::uint32_t index);
  // The server holds the file: its chunks are deleted.
  Status file_sent(const FileId& id, std::int64_t now);
  // The same inside the caller's transaction; false when `id` was not
  // pending here.
  Result<bool> mark_file_sent(const FileId& id, std::int64_t now);
  // Files not yet sent in full (own and relayed), with their chunks, oldest
  // first, for a USB bundle: as many as fit in `budget` sealed bytes (at
  // least the first). `left` counts those that did not fit.
  Result<std::vector<BundleFile>> files_for_bundle(std::uint64_t budget, std::int64_t& left);
  // Another device's file, from its bundle, queued behind its response (a
  // relay). False when it is here already.
  Result<bool> add_relayed_file(const BundleFile& f, std::int64_t now);
  // Pending files relayed for `from` (everyone when null).
  struct FileVolumeOf {
    std::int64_t files = 0;
    std::int64_t bytes = 0;
  };
  Result<FileVolumeOf> relayed_files_pending(const DeviceId* from);
  Status file_note(const FileId& id, std::string_view detail);
  struct FileVolume {
    std::int64_t files = 0;
    std::int64_t bytes = 0;  // encrypted bytes held on this machine
  };
  // Files not yet sent in full (staged ones included).
  Result<FileVolume> files_held();
  // "<file id> (pending): why its transfer stopped", for files not sent.
  Result<std::vector<std::string>> file_problems();
  // Pending envelopes relayed for others: those from `from`'s bundles, or
  // from anyone's when `from` is null.
  struct Volume {
    std::int64_t envelopes = 0;
    std::int64_t bytes = 0;
  };
  Result<Volume> relayed_pending(const DeviceId* from);

  // Registrations of devices whose bundles this collector relays (see
  // registration.hpp), sent with the next push; one per device, the latest.
  struct RelayedRegistration {
    DeviceId device;
    Bytes document;
  };
  Status save_relayed_registration(const DeviceId& device, ByteView document, std::int64_t now);
  Result<std::vector<RelayedRegistration>> relayed_registrations(std::size_t max);
  Status drop_relayed_registration(const DeviceId& device, ByteView document);

  // Form publications received from the server (signatures unchecked here:
  // the Collector verifies them against the pinned key when it loads them).
  Status save_form_publication(const FormPublication& pub, std::int64_t now);
  Result<std::vector<FormPublication>> load_form_publications();

  // Team assessments as the server last sent them (assessment_view on the
  // server): a newer revision replaces the copy held.
  struct HeldAssessment {
    std::string id, form_id, state;
    std::int64_t revision = 0, version = 0;
    std::string view;  // JSON
  };
  // Saving a newer copy also forgets this collector's own entries that
  // the server has acknowledged since: the copy just received merges them.
  Status save_assessment(const HeldAssessment& a, std::int64_t now);
  Result<std::vector<HeldAssessment>> assessments();

  // A team member's entries, kept in the transaction that stores the sealed
  // contribution (schema 008), until the server's merged state holds them.
  struct AssessmentEntry {
    std::string field;
    std::string value;  // JSON
    std::string role;
    std::int64_t entered_at = 0;
  };
  Status add_assessment_entries(const SubmissionId& submission, std::string_view assessment_id,
                                const std::vector<AssessmentEntry>& entries);
  // The entries of `assessment_id` that the merged state held here does not
  // include yet (waiting to sync, or acknowledged after it was received),
  // oldest first; a later entry for a field replaces an earlier one.
  Result<std::vector<AssessmentEntry>> unmerged_entries(std::string_view assessment_id);

  // Response code batches (wire/response_codes.hpp), kept once their
  // signature verified against the pinned key (the sync checks it).
  Status save_code_batch(const CodeBatch& b, ByteView encoded);
  Result<std::vector<CodeBatchId>> code_batch_ids();
  // The batches for a form and round; empty when none has arrived.
  Result<std::vector<CodeBatch>> code_batches(std::string_view form_id, std::string_view round);
  // Records a code as used here: false when it was already.
  Result<bool> use_code(const CodeBatchId& batch, const CodeDigest& digest);
  Result<bool> code_used(const CodeBatchId& batch, const CodeDigest& digest);

  Result<std::int64_t> begin_sync_log(std::int64_t now);
  Status finish_sync_log(std::int64_t id, std::string_view result, std::string_view detail,
                         std::int64_t sent, std::int64_t acked, std::int64_t now);
  Result<std::optional<SyncLogEntry>> last_sync();

 private:
  explicit CollectorStore(Database db) : db_(std::move(db)) {}
  // The count and byte total that `sql` selects (one row), ?1 bound to
  // `from`'s id, or to null for relays from any device.
  Result<std::pair<std::int64_t, std::int64_t>> relayed_volume(std::string_view sql,
                                                               const DeviceId* from);
  Database db_;
};

}  // namespace equitas::collector
