// `sync-server import`: USB bundles through the same intake as a sync
// session (device state, signatures, ownership, dedup, validation), so a
// revoked device or a forged envelope is refused the same way on every path.
#pragma once

#include <filesystem>
#include <ostream>
#include <vector>

#include "equitas/wire/bundle.hpp"
#include "server_store.hpp"

namespace equitas::server {

struct ImportCounts {
  std::int64_t accepted = 0, duplicate = 0, conflict = 0, rejected = 0;
  void add(ItemStatus s);
};

struct ImportReport {
  ImportCounts totals;
  Receipt receipt;  // unsigned until written
};

// Imports each bundle, printing a line per file to `out`. A bundle that
// cannot be verified is refused whole (and reported), without stopping the
// others. Fails only when the server's own store or keys fail.
Result<ImportReport> import_bundles(const DataDir& dir, const std::vector<std::filesystem::path>& files,
                                   std::ostream& out);

}  // namespace equitas::server
