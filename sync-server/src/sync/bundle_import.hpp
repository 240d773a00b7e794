// `sync-server import`: USB bundles through the same intake as a sync
// session (device state, signatures, ownership, dedup, validation), so a
// revoked device or a forged envelope is refused the same way on every path.
// A bundle from a post that never connected carries the device's
// registration (registration.hpp), which completes its enrollment first.
// The files a bundle carries go, after its envelopes, through the same
// FileStore as chunks over a link: checked chunk by chunk against the key
// and hash the response signed, and a file already held is not stored again.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "equitas/wire/bundle.hpp"
#include "file_store.hpp"
#include "server_store.hpp"

namespace equitas::server {

class FormRegistry;

struct ImportCounts {
  std::int64_t accepted = 0, duplicate = 0, conflict = 0, rejected = 0;
  void add(ItemStatus s);
  void add(const ImportCounts& o);
};

struct ImportOptions {
  std::string actor = "cli";  // for the audit lines
  // The administrator vouches for a registration whose code expired while
  // the bundle travelled (audited as such).
  bool accept_expired_code = false;
};

// What became of one bundle file.
struct BundleOutcome {
  std::filesystem::path file;
  bool refused = false;  // the whole file: unreadable, forged, wrong server, unknown device
  std::string reason;    // when refused
  DeviceId device;
  std::string site;
  bool registered_now = false;  // its registration completed the device's enrollment
  std::size_t envelopes = 0;
  ImportCounts counts;
  std::size_t files = 0;                   // carried
  std::size_t files_held = 0;              // now held by the server (stored now or before)
  std::vector<std::string> file_problems;  // one line per file not held: why
};

// Imports one bundle file. Its envelopes go in chunks of one transaction
// each; the last one carries the audit line. Verdicts are appended to
// `receipt`. Fails only when the server's own store fails.
Result<BundleOutcome> import_bundle_file(ServerStore& store, const ServerKeys& keys,
                                         FormRegistry& forms, FileStore& files,
                                         const std::filesystem::path& file,
                                         const ImportOptions& options, std::int64_t now,
                                         Receipt& receipt);

}  // namespace equitas::server
