// The server's use cases, in one place: the command line and the admin API
// call these and only parse and render around them. Every change an
// administrator can make is here, with its audit line in the same
// transaction.
//
// Every use case that changes something runs in one transaction together
// with its audit line: if the audit line cannot be written, nothing changes
// and the caller hears why. Time comes from the Clock given at open
// (ServerAppOptions), so tests can move it without sleeping.
//
// Writes take one path (ServerAppOptions::write_path). On the command line
// each change is a transaction on the app's own connection, beside a running
// server thanks to WAL and the busy timeout. Inside `serve`, the admin API's
// ServerApp hands each change to the server's single writer, the Ingestor,
// which runs it in a transaction of its own: the running server has one
// writer, and an administrator's failed change fails no device's batch.
//
// Thread: one ServerApp per thread (it owns one SQLite connection, which
// its reads use).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "assessment_report.hpp"
#include "assessment_store.hpp"
#include "bundle_import.hpp"
#include "code_store.hpp"
#include "equitas/crypto/keys.hpp"
#include "equitas/forms/form.hpp"
#include "equitas/util/clock.hpp"
#include "equitas/wire/enrollment_code.hpp"
#include "exporter.hpp"
#include "file_store.hpp"
#include "form_registry.hpp"
#include "report.hpp"
#include "server_store.hpp"
#include "units_store.hpp"

namespace equitas::server {

// A change to the server's durable state, run inside a transaction on the
// connection that writes, which it is given; its audit line included.
using StoreChange = std::function<Status(ServerStore&)>;
// Runs a change in a transaction of its own and commits it, or changes
// nothing and says why.
using WritePath = std::function<Status(const StoreChange&)>;

// What a ServerApp is opened (or made) with.
struct ServerAppOptions {
  // Opens server.key when a use case first needs it, and protects new keys
  // at init: the passphrase the command was given, if any.
  KeyUnlocker unlocker;
  // Where every use case reads the time: audit lines, code expiries,
  // reports. Must outlive the app; tests give a ManualClock.
  const Clock* clock = &SystemClock::instance();
  // Where changes are written. Empty: a transaction on the app's own
  // connection. Server::start gives the Ingestor's (Ingestor::run_alone).
  WritePath write_path = nullptr;
};

// Who asks, for the audit line: "cli", "admin:<token label>" or
// "device:<id>", and the address an admin API call came from.
struct Actor {
  Actor(const char* name) : name(name) {}  // NOLINT: "cli" reads best at call sites
  Actor(std::string name, std::string peer = {}) : name(std::move(name)), peer(std::move(peer)) {}
  std::string name;
  std::string peer;
};

// The dashboard's first page: responses and devices, by site and round.
struct Overview {
  struct Site {
    std::string name;
    std::int64_t devices = 0, responses = 0;
    std::optional<std::int64_t> last_seen_at;
  };
  struct Round {
    std::string form_id, round;
    std::int64_t responses = 0, last_day = 0;  // days since 1970
  };
  std::int64_t responses = 0;
  std::int64_t active = 0, pending = 0, revoked = 0, stale = 0;
  std::vector<Site> sites;    // by name
  std::vector<Round> rounds;  // by form, then round
};

// An enrollment code just made: the text is secret until the post uses it.
struct IssuedCode {
  std::string text;  // the caller prints it once and wipes it
  DeviceId device_id;
  std::string site;
  std::int64_t expires_at = 0;
};

// A form as `forms publish` read it, from a .json or .xlsx file.
struct FormToPublish {
  forms::Form form;
  std::string source = "json";  // "json" or "xlsform", kept with the definition
  std::string round;            // "" for no round
};

struct ImportReport {
  std::vector<BundleOutcome> bundles;
  ImportCounts totals;
  std::size_t refused_files = 0;
  Receipt receipt;  // unsigned; see sign_receipt
};

struct Initialised;

class ServerApp {
 public:
  // Makes a new server in `dir`: its keys (0600), its database, and a first
  // admin token, audited as server.init in the same transaction. Refuses a
  // folder that already holds a server, or a collector.
  static Result<Initialised> init(const DataDir& dir, const ServerAppOptions& options = {});
  // Opens an initialised data folder's database; the keys wait until a use
  // case needs them.
  static Result<ServerApp> open(const DataDir& dir, const ServerAppOptions& options = {});

  ServerApp(ServerApp&&) noexcept = default;
  ServerApp& operator=(ServerApp&&) noexcept = default;
  ServerApp(const ServerApp&) = delete;
  ServerApp& operator=(const ServerApp&) = delete;

  // Reserves a new device for `site` and makes its one-time code, valid for
  // `valid_for` seconds. `url` is what collectors dial (ws://HOST:PORT).
  Result<IssuedCode> enroll_device(std::string_view site, std::string_view url,
                                   std::int64_t valid_for, const Actor& actor);
  // A fresh code for a device that has not registered yet (its code expired,
  // or was lost): same device id and site, a new secret and expiry; the old
  // code stops working. A collector enrolled with the old code takes the new
  // one with `collector enroll --renew` and keeps everything it captured.
  // failed_precondition for an active or revoked device, not_found for an
  // unknown one.
  Result<IssuedCode> reissue_device(const DeviceId& id, std::string_view url,
                                    std::int64_t valid_for, const Actor& actor);
  // Refuses the device's sessions and submissions from now on. Revoking
  // twice is fine; not_found for an unknown device.
  Status revoke_device(const DeviceId& id, const Actor& actor);

  // Publishes a form (for a round): its definition, signed by the server,
  // its publication and the audit line, in one transaction, so that a crash
  // leaves either all three or none. Publishing the same definition again is
  // fine; a different definition under a published version is
  // already_exists, and so is a changed bundled form.
  Status publish_form(const FormToPublish& request, const Actor& actor);

  // A new admin token for `label` with `role`, shown to the caller once;
  // only its hash is stored.
  Result<std::string> create_admin_token(std::string_view label, Role role, const Actor& actor);
  // The token stops working at once; not_found for an unknown id.
  Status revoke_admin_token(std::int64_t id, const Actor& actor);

  // Microdata out: run_export (exporter.hpp) to `path` or `out`, audited
  // with options.actor; no file stays when the audit line fails.
  Result<ExportSummary> export_responses(const ExportOptions& options,
                                         const std::optional<std::filesystem::path>& path,
                                         std::ostream& out, const ExportProgress& progress = {});
  // The export and the files its responses name, in one zip (`export
  // --with-files`, issue 18): the data file (and, for CSV, the repeat and
  // comment files beside it), then each file once under its stable name,
  // files/<sha256><ext>, decrypted and checked against the hash its
  // response signed. Files still on their way from a post are listed in
  // `missing`. Written beside `zip` and renamed into place when whole.
  struct FilesExport {
    ExportSummary summary;
    std::int64_t files = 0;
    std::int64_t bytes = 0;
    std::vector<std::string> missing;  // stable names of files not on the server yet
  };
  Result<FilesExport> export_with_files(const ExportOptions& options,
                                        const std::filesystem::path& zip,
                                        const ExportProgress& progress = {});
  // A consistent copy of the server into `folder` (created 0700; refused
  // when it holds a copy already): server.db through SQLite's VACUUM INTO,
  // one read transaction while serve goes on writing, checked with
  // integrity_check before it takes its name; server.key, the keys still
  // under their passphrase; and files/, every file the copied database
  // holds in full (file_blobs), as stored: encrypted, content-addressed,
  // copied after the database so that each one it names is on disk already
  // (transfers in progress, files/partial/, are not copied: the post sends
  // them again). A file the copy names that is missing fails the backup.
  // Audited (the line is in the live database, not the copy). A failed
  // backup leaves no file that looks complete.
  struct BackupResult {
    std::filesystem::path database;
    std::filesystem::path keys;
    std::filesystem::path files;  // FOLDER/files, present even when empty
    std::int64_t submissions = 0;
    std::int64_t file_count = 0;
    std::int64_t file_bytes = 0;  // as stored (encrypted)
  };
  Result<BackupResult> backup(const std::filesystem::path& folder, const Actor& actor);
  // Copies into `to`/files every file that the database `database` holds
  // in full, from `from`/files: what backup does after its copy of the
  // database, and what a restore does from a backup's folder (`from`) into
  // a new data folder (`to`). Written under files.partial and renamed into
  // place when whole; already_exists when `to`/files exists. corruption,
  // naming the file, when one the database names is missing or not the
  // size its record says. Returns the files and bytes copied.
  struct FilesCopied {
    std::int64_t files = 0;
    std::int64_t bytes = 0;
  };
  static Result<FilesCopied> copy_held_files(const std::filesystem::path& database,
                                             const std::filesystem::path& from,
                                             const std::filesystem::path& to);
  // A copy that backup wrote, or restore reads: SQLite's integrity check,
  // then the number of submissions it holds. corruption when it fails.
  static Result<std::int64_t> check_copy(const std::filesystem::path& database);
  // The report (report.hpp) over the forms as published now. Not audited
  // here: the dashboard records who viewed it (the CLI's reader has the
  // database file already).
  Result<boost::json::object> report(const ReportOptions& options);
  // Bundled and published forms, as they stand now.
  Result<std::unique_ptr<FormRegistry>> forms();
  Result<std::vector<ServerStore::AdminToken>> admin_tokens() { return store_.list_admin_tokens(); }

  // Reads: one consistent snapshot each.
  Result<Overview> overview();
  Result<std::vector<DeviceRecord>> devices() { return store_.list_devices(); }
  // The rounds with responses; for one form, also the rounds of its team
  // assessments (no pooled responses: contributions are not), so that a
  // round of team assessments can be picked and compared.
  Result<std::vector<ServerStore::RoundSummary>> rounds(std::string_view form_id);
  // The audit log, newest first; reading it is itself audited, and refused
  // when that line cannot be written.
  Result<std::vector<ServerStore::AuditEntry>> read_audit_log(const Actor& actor,
                                                              std::int64_t before,
                                                              std::int64_t limit);
  // A security event with no change attached (a refused login, a refused
  // origin): its own line, and the caller decides what a failure means.
  Status record(const Actor& actor, std::string_view action, std::string_view detail);

  // Imports USB bundles. A file that cannot be verified is refused whole
  // (and listed) without stopping the others. Fails only when the server's
  // own store or keys fail. Written on the app's own connection, in
  // transactions of a chunk of envelopes (and one per file), whatever the
  // write path: only the command line imports, beside a running server as
  // any other process does.
  Result<ImportReport> import_bundles(const std::vector<std::filesystem::path>& files,
                                      const ImportOptions& options);
  // The receipt, signed by the server, to carry back to the post.
  Result<Bytes> sign_receipt(const Receipt& receipt);

  // Team assessments (app/assessments.cpp; docs/assessments.md). An
  // administration is a stable id (letters, digits, '-', '_'; 1 to 64) with
  // a display name; already_exists for a known id.
  Status add_administration(std::string_view id, std::string_view name, const Actor& actor);
  Result<std::vector<Administration>> administrations();
  // A new assessment of `admin_id` for a form and round, in draft; returns
  // its id. not_found (naming the known administrations) for an unknown
  // administration; already_exists when it has one for that form and round.
  Result<std::string> create_assessment(std::string_view form_id, std::string_view round,
                                        std::string_view admin_id, const Actor& actor);
  Result<std::vector<AssessmentRecord>> assessments();
  // The merged state with scores and workflow (assessment_view.hpp).
  Result<boost::json::object> show_assessment(std::string_view id, const std::string& lang = "en");
  // The printable report (assessment_report.hpp), an HTML page in `lang`.
  // With `evidence`, its evidence files are listed and linked as it says:
  // for the roles that may see the form's microdata; without, none is named.
  Result<std::string> assessment_report(std::string_view id, const std::string& lang = "en",
                                        const ReportEvidence* evidence = nullptr);
  // The evidence files a team assessment's merged fields name
  // (assessment_report.hpp, evidence_files); not_found for an unknown id.
  Result<boost::json::array> assessment_evidence(std::string_view id,
                                                 const std::string& lang = "en");

  // Files that responses name (issue 18). The forms (id, version) of the
  // stored responses naming the file with this SHA-256, each once; empty
  // when none does.
  Result<std::vector<std::pair<std::string, std::string>>> forms_naming_file(
      const FileHash& sha256);
  // The file, decrypted and checked against the hash its response signed
  // (FileStore::read); not_found when the server does not hold it (yet).
  // Not audited here: the caller records who took it.
  Result<FileStore::Held> read_held_file(const FileHash& sha256);
  // The team's decision on a field: a resolution event that has seen every
  // contribution so far, so it ends a disagreement; `value` is JSON text
  // ("\"3\"") or a bare word taken as a string. failed_precondition once
  // validated; invalid_argument for a field the form does not have.
  Status resolve_field(std::string_view id, std::string_view field, std::string_view value,
                       std::string_view comment, const Actor& actor);
  // draft -> under_review, and under_review -> validated (refused while a
  // disagreement remains). A reviewer's comment is required on each step.
  Status review_assessment(std::string_view id, std::string_view comment, const Actor& actor);
  Status validate_assessment(std::string_view id, std::string_view comment, const Actor& actor);

  // The action plan between rounds (app/actions.cpp; action_store.hpp).
  // Validating an assessment adopts its action plan in the same
  // transaction: each row becomes an item <administration>-AP<n>, its
  // status the first of the item's dated updates. action_plan lists the
  // items of one administration (all when empty) in `lang`: labels,
  // indicator labels, overdue flags and history, with the statuses and
  // indicators an update may choose from.
  Result<boost::json::object> action_plan(std::string_view administration_id,
                                          const std::string& lang = "en");
  struct ActionChange {
    std::optional<std::string> status;  // a code of the form's ap_status list
    std::string note;                   // a dated progress note ('' for none)
    std::optional<std::vector<std::string>>
        indicators;                              // the form's indicator ids, replacing the links
    std::optional<std::string> owner, deadline;  // deadline: YYYY-MM-DD, or '' for none
  };
  // One update, audited as action.update in its transaction: not_found for
  // an unknown item; invalid_argument, naming what would do, for a status,
  // indicator or date the form does not know.
  Status update_action(std::string_view id, const ActionChange& change, const Actor& actor);

  // Reporting units and headcounts (app/units.cpp; units_store.hpp).
  // set_units replaces the whole mapping; invalid_argument, listing them,
  // when it names a site no device was enrolled for.
  Status set_units(const std::vector<UnitMapping>& units, const Actor& actor);
  Result<std::vector<UnitMapping>> units();
  Result<std::map<std::string, std::string>> unit_of_sites();
  // Replaces the headcounts of `round` ("" for every round without its
  // own); invalid_argument for a unit that is not one (see unit_of_sites)
  // or a sex that is not a code of the forms' sex list.
  Status set_headcounts(std::string_view round, const std::vector<Headcount>& counts,
                        const Actor& actor);
  Result<std::vector<std::pair<std::string, Headcount>>> headcounts();

  // Response codes (app/codes.cpp; code_store.hpp): `count` single-use
  // codes for a form that requires them (some version says
  // "response_codes": true) and one of its rounds ("" when the form has
  // none), signed for the collectors and audited as codes.issue. The codes
  // come back once, to be printed; the server keeps only their digests.
  struct IssuedCodes {
    IssuedBatch batch;
    std::shared_ptr<const forms::Form>
        form;  // its current version, for the slips' titles and languages
  };
  Result<IssuedCodes> issue_codes(std::string_view form_id, std::string_view round, int count,
                                  const Actor& actor);
  Result<std::vector<CodeRoundUsage>> code_usage() { return CodeStore(store_.db()).usage(); }

  ServerStore& store() { return store_; }
  // The server's keys, opened on first use with the options' KeyUnlocker:
  // they may need its passphrase, which reads, revocations and tokens never
  // do.
  Result<const ServerKeys*> keys();
  const Clock& clock() const { return *clock_; }
  std::int64_t now() const { return clock_->now(); }

 private:
  ServerApp(DataDir dir, std::optional<ServerKeys> keys, ServerStore store,
            const ServerAppOptions& options)
      : dir_(std::move(dir)),
        keys_(std::move(keys)),
        unlocker_(options.unlocker),
        store_(std::move(store)),
        clock_(options.clock),
        write_path_(options.write_path) {}
  // Runs `change` on the write path (ServerAppOptions::write_path).
  Status write(const StoreChange& change);
  // Writes an audit line with `store`, inside the change that it records.
  static Status audit(ServerStore& store, const Actor& actor, std::string_view action,
                      std::string detail, std::int64_t now);
  // Runs `change` on assessment `id` in one transaction; `change` writes
  // the audit line. not_found for an unknown id.
  Status change_assessment(
      std::string_view id,
      const std::function<Status(ServerStore&, AssessmentStore&, const AssessmentRecord&,
                                 std::int64_t now)>& change);
  Status advance_assessment(std::string_view id, AssessmentState from, AssessmentState to,
                            std::string_view comment, const Actor& actor);
  // Adopts `a`'s action plan (once), with `store`, in the caller's change.
  Result<int> adopt_action_plan(ServerStore& store, const AssessmentRecord& a,
                                const forms::Form& form, std::int64_t now, const Actor& actor);
  // The current version of a form, read with `store` (inside a change, the
  // writing connection); not_found when the server has none.
  static Result<std::shared_ptr<const forms::Form>> current_form(ServerStore& store,
                                                                 std::string_view form_id);
  Result<IssuedCode> issue_code(const DeviceId& id, std::string_view site, std::string_view url,
                                std::int64_t valid_for, bool reissue, const Actor& actor);

  DataDir dir_;
  std::optional<ServerKeys> keys_;
  KeyUnlocker unlocker_;  // opens keys_
  ServerStore store_;     // reads; and writes when write_path_ is empty
  const Clock* clock_;
  WritePath write_path_;
};

struct Initialised {
  ServerApp app;
  std::string admin_token;  // shown once
};

// ws://HOST:PORT, at most kMaxUrlLength characters.
Status check_collector_url(std::string_view url);

}  // namespace equitas::server
