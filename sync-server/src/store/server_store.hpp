// The sync server's durable state, and the boundary around it.
//
// What is behind the boundary: devices and their enrollment secrets,
// submissions and their conflicts, admin tokens, the audit log, form
// publications, the analysis rows (analysis_store.hpp), and the tables of
// the other stores in this folder (assessments, actions, units and
// headcounts, response codes, held files). Everything above store/ reaches
// them through these classes only: no SQL is written outside this folder.
// ServerApp's callers (cli/, admin/) change nothing but through ServerApp;
// the admin API reads through the connection ServerApp hands out
// (ServerApp::store()) with these classes. A PostgreSQL implementation
// would sit beside this one behind the same classes.
//
// The contract, which every implementation keeps:
// - Transactions. A store method never begins or commits a transaction: the
//   caller holds one (equitas/db/database.hpp's Transaction), and all the
//   methods called inside it commit or roll back together. ServerApp's
//   write path (ServerAppOptions::write_path) and the Ingestor are the only
//   callers that open write transactions; each holds exactly one change, or
//   one group of sync batches.
// - Atomicity. A use case and its audit line are one transaction: audit()
//   fails inside it when the line cannot be written, and the caller rolls
//   everything back. A batch of submissions commits whole or not at all,
//   and its acknowledgements follow the commit (ingestor.hpp).
// - Isolation. Readers see a committed snapshot (SQLite's WAL): a report or
//   an export runs in one read transaction and never waits for the writer.
// - Threads. One ServerStore per thread: it owns one connection. In the
//   serve process one thread writes, the Ingestor's; the admin API reads on
//   its own connection and hands its changes to the Ingestor. A CLI command
//   in another process writes on its own connection, ordered against the
//   server by SQLite's busy timeout.
#pragma once

#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "analysis_store.hpp"
#include "equitas/crypto/keys.hpp"
#include "equitas/db/database.hpp"
#include "equitas/status/status.hpp"
#include "equitas/wire/envelope.hpp"
#include "equitas/wire/ids.hpp"
#include "equitas/wire/payload.hpp"
#include "equitas/wire/sync_messages.hpp"

namespace equitas::server {

struct DataDir {
  std::filesystem::path root;
  std::filesystem::path db() const { return root / "server.db"; }
  std::filesystem::path keys() const { return root / "server.key"; }
};

enum class DeviceState { kPending, kActive, kRevoked };
std::string_view device_state_name(DeviceState s);

struct DeviceRecord {
  DeviceId id;
  std::string site;
  DeviceState state = DeviceState::kPending;
  std::optional<SignPublicKey> public_key;
  std::optional<std::array<std::uint8_t, 32>> secret_hash;
  std::int64_t enroll_expires_at = 0;
  std::int64_t created_at = 0;
  std::optional<std::int64_t> registered_at;
  std::optional<std::int64_t> revoked_at;
  std::optional<std::int64_t> last_seen_at;
};

// An active device that has not synced for 14 days: its post may be
// stranded (the dashboard and the report both flag it).
inline constexpr std::int64_t kStaleDeviceSeconds = 14 * 24 * 3600;
inline bool device_is_stale(DeviceState state, const std::optional<std::int64_t>& last_seen_at,
                            std::int64_t now) {
  return state == DeviceState::kActive &&
         (!last_seen_at || now - *last_seen_at > kStaleDeviceSeconds);
}
inline bool device_is_stale(const DeviceRecord& d, std::int64_t now) {
  return device_is_stale(d.state, d.last_seen_at, now);
}

// What an admin token's holder may do (schema/sql/server/004_token_roles.sql);
// each role can do all that the ones before it can.
enum class Role { kViewer, kAnalyst, kSteward, kAdmin };
std::string_view role_name(Role r);
std::optional<Role> parse_role(std::string_view name);

class ServerStore {
 public:
  // Opens server.db in an initialised data folder and applies migrations.
  static Result<ServerStore> open(const DataDir& dir);
  // Creates the database (the folder must exist). Fails if it already exists.
  static Result<ServerStore> create(const DataDir& dir);

  Database& db() { return db_; }
  // Decodes stored submissions for reports (analysis_store.hpp); open() and
  // create() have brought it up to date.
  AnalysisIndexer& analysis() { return *analysis_; }

  // Returns the new token (shown once); only its hash is stored.
  Result<std::string> create_admin_token(std::string_view label, Role role, std::int64_t now);
  struct AdminToken {
    std::int64_t id = 0;
    std::string label;
    Role role = Role::kViewer;
    std::int64_t created_at = 0;
    std::optional<std::int64_t> revoked_at;
  };
  // The token's record if it is one of ours and not revoked; nullopt otherwise.
  Result<std::optional<AdminToken>> find_admin_token(std::string_view token);
  Result<std::vector<AdminToken>> list_admin_tokens();
  // not_found when there is no such token. Revoking twice is fine.
  Status revoke_admin_token(std::int64_t id, std::int64_t now);
  // Whether token `id` exists and is not revoked (dashboard sessions end
  // with their token).
  Result<bool> admin_token_live(std::int64_t id);

  // A device reserved at `now` (unix seconds), whose code expires at
  // `expires_at`.
  Status add_pending_device(const DeviceId& id, std::string_view site,
                            const std::array<std::uint8_t, 32>& secret_hash,
                            std::int64_t expires_at, std::int64_t now);
  // A pending device's new one-time secret and expiry (`device reissue`):
  // the old code stops working. failed_precondition unless pending.
  Status replace_enrollment_secret(const DeviceId& id,
                                   const std::array<std::uint8_t, 32>& secret_hash,
                                   std::int64_t expires_at);
  Result<std::optional<DeviceRecord>> find_device(const DeviceId& id);
  Result<std::vector<DeviceRecord>> list_devices();
  // not_found when there is no such device. Revoking twice is fine.
  Status revoke_device(const DeviceId& id, std::int64_t now);
  // pending -> active, recording the key. The secret's hash is kept (the
  // secret is spent) so that a second collector presenting the same code
  // can be told the code was used.
  Status activate_device(const DeviceId& id, const SignPublicKey& key, std::int64_t now);
  Status touch_device(const DeviceId& id, std::int64_t now);

  // What is stored under an envelope's submission id, in one lookup: the
  // device that first stored it, whether this exact envelope is stored
  // already (as the original or as a recorded conflict), and the row a
  // conflicting copy would be recorded against.
  struct SubmissionLookup {
    std::optional<DeviceId> owner;
    std::optional<ItemStatus> known;
    std::optional<std::int64_t> original;  // (id, revision) stored with other bytes
  };
  Result<SubmissionLookup> lookup_submission(const Envelope& e, ByteView bytes);
  // Stores a verified, decrypted submission: accepted, or conflict when the
  // id and revision exist with other bytes. Call inside a transaction.
  // (payload.round is stored with the row.)
  Result<ItemStatus> store_submission(const Envelope& e, ByteView bytes,
                                      const ResponsePayload& payload,
                                      const std::optional<DeviceId>& relayed_by, std::int64_t now);
  // The same, given a lookup_submission of this envelope made in the same
  // transaction.
  // `code_flag` (code_store.hpp, CodeFlag) other than 0 keeps the row out
  // of reports and exports.
  Result<ItemStatus> store_submission(const Envelope& e, ByteView bytes,
                                      const ResponsePayload& payload,
                                      const std::optional<DeviceId>& relayed_by, std::int64_t now,
                                      const SubmissionLookup& seen, int code_flag = 0);

  // Records a signed publication. A new (id, version) stores the
  // definition; an existing one must carry the same definition
  // (already_exists otherwise: publish a new version). Publishing the same
  // round twice is harmless.
  Status save_publication(const FormPublication& pub, std::string_view source, std::int64_t now);
  struct StoredPublication {
    FormPublication pub;
    std::int64_t published_at = 0;
  };
  Result<std::vector<StoredPublication>> load_publications();
  // Changes whenever a publication is added: lets a running server notice
  // `forms publish` from another process cheaply.
  Result<std::int64_t> publications_version();

  // Responses per form, round and device (nullopt: a device row that is
  // gone), with the last day (days since 1970) one arrived.
  struct ActivityBucket {
    std::string form_id, round;
    std::optional<DeviceId> device;
    std::int64_t responses = 0, last_day = 0;
  };
  Result<std::vector<ActivityBucket>> activity();
  // Responses per round of `form_id` (every form for ""), oldest first.
  struct RoundSummary {
    std::string form_id, round;
    std::int64_t responses = 0, first_day = 0, last_day = 0;
    std::int64_t assessments = 0;  // the team assessments of the round (ServerApp::rounds)
  };
  Result<std::vector<RoundSummary>> rounds(std::string_view form_id);
  struct AuditEntry {
    std::int64_t id = 0, at = 0;
    std::string actor, action, detail;
  };
  // The newest `limit` lines with an id below `before`, newest first.
  Result<std::vector<AuditEntry>> audit_entries(std::int64_t before, std::int64_t limit);

  Status audit(std::string_view actor, std::string_view action, std::string_view detail,
               std::int64_t now);

 private:
  // What open and create share once the database is there: migrated to
  // this version, the cell-key secret made, the analysis store caught up.
  static Result<ServerStore> from_database(Database db);
  explicit ServerStore(Database db)
      : db_(std::move(db)), analysis_(std::make_shared<AnalysisIndexer>()) {}
  Database db_;
  // Declared after db_: its cached statements go before the connection.
  std::shared_ptr<AnalysisIndexer> analysis_;
};

// How many submissions (every revision, every copy) a database holds: a
// backup's check of its copy.
Result<std::int64_t> submission_count(Database& db);
// Writes a consistent copy of the database to `to` (SQLite's VACUUM INTO),
// as of the start of the connection's read transaction.
Status copy_database(Database& db, const std::filesystem::path& to);

}  // namespace equitas::server
