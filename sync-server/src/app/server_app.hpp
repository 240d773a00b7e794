// The server's use cases, in one place: the command line calls these and
// only parses and renders around them (the admin API and the sync sessions
// are to follow; see issue 13). Every change an administrator can make is
// here, with its audit line in the same transaction.
//
// Every use case that changes something runs in one transaction together
// with its audit line: if the audit line cannot be written, nothing changes
// and the caller hears why. Time comes from the Clock given at open, so
// tests can move it without sleeping.
//
// Thread: one ServerApp per thread (it owns one SQLite connection). While
// `serve` runs, these commands work beside it thanks to WAL; the server's
// own writes go through its Ingestor.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bundle_import.hpp"
#include "equitas/crypto/keys.hpp"
#include "equitas/forms/form.hpp"
#include "equitas/wire/enrollment_code.hpp"
#include "server_store.hpp"

namespace equitas::server {

// Unix seconds. The default is the system clock.
using Clock = std::function<std::int64_t()>;

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
  static Result<Initialised> init(const DataDir& dir, Clock clock = {});
  // Opens an initialised data folder: its keys and its database.
  static Result<ServerApp> open(const DataDir& dir, Clock clock = {});

  ServerApp(ServerApp&&) noexcept = default;
  ServerApp& operator=(ServerApp&&) noexcept = default;
  ServerApp(const ServerApp&) = delete;
  ServerApp& operator=(const ServerApp&) = delete;

  // Reserves a new device for `site` and makes its one-time code, valid for
  // `valid_for` seconds. `url` is what collectors dial (ws://HOST:PORT).
  Result<IssuedCode> enroll_device(std::string_view site, std::string_view url,
                                   std::int64_t valid_for, std::string_view actor);
  // A fresh code for a device that has not registered yet (its code expired,
  // or was lost): same device id and site, a new secret and expiry; the old
  // code stops working. A collector enrolled with the old code takes the new
  // one with `collector enroll --renew` and keeps everything it captured.
  // failed_precondition for an active or revoked device, not_found for an
  // unknown one.
  Result<IssuedCode> reissue_device(const DeviceId& id, std::string_view url,
                                    std::int64_t valid_for, std::string_view actor);
  // Refuses the device's sessions and submissions from now on. Revoking
  // twice is fine; not_found for an unknown device.
  Status revoke_device(const DeviceId& id, std::string_view actor);

  // Publishes a form (for a round): its definition, signed by the server,
  // its publication and the audit line, in one transaction, so that a crash
  // leaves either all three or none. Publishing the same definition again is
  // fine; a different definition under a published version is
  // already_exists, and so is a changed bundled form.
  Status publish_form(const FormToPublish& request, std::string_view actor);

  // A new admin token for `label`, shown to the caller once; only its hash
  // is stored.
  Result<std::string> create_admin_token(std::string_view label, std::string_view actor);
  // The token stops working at once; not_found for an unknown id.
  Status revoke_admin_token(std::int64_t id, std::string_view actor);

  // Imports USB bundles. A file that cannot be verified is refused whole
  // (and listed) without stopping the others. Fails only when the server's
  // own store or keys fail.
  Result<ImportReport> import_bundles(const std::vector<std::filesystem::path>& files,
                                      const ImportOptions& options);
  // The receipt, signed by the server, to carry back to the post.
  Bytes sign_receipt(const Receipt& receipt) const;

  ServerStore& store() { return store_; }
  const ServerKeys& keys() const { return keys_; }
  std::int64_t now() const { return clock_(); }

 private:
  ServerApp(ServerKeys keys, ServerStore store, Clock clock)
      : keys_(std::move(keys)), store_(std::move(store)), clock_(std::move(clock)) {}
  Result<IssuedCode> issue_code(const DeviceId& id, std::string_view site, std::string_view url,
                                std::int64_t valid_for, bool reissue, std::string_view actor);

  ServerKeys keys_;
  ServerStore store_;
  Clock clock_;
};

struct Initialised {
  ServerApp app;
  std::string admin_token;  // shown once
};

// ws://HOST:PORT, at most kMaxUrlLength characters.
Status check_collector_url(std::string_view url);

}  // namespace equitas::server
