// Writes one form's submissions as CSV or JSON Lines: one row per
// submission, its latest revision, with the device's site and the flags an
// analyst needs (conflict). Reads through its own connection, so it runs
// while `serve` is writing.
#pragma once

#include <ostream>
#include <string>

#include "server_store.hpp"

namespace equitas::server {

enum class ExportFormat { kCsv, kJsonl };

struct ExportOptions {
  std::string form_id;
  ExportFormat format = ExportFormat::kCsv;
  bool excel_bom = false;  // CSV only: a UTF-8 BOM so Excel detects the encoding
};

// Returns the number of rows written.
Result<std::size_t> export_submissions(ServerStore& store, const ExportOptions& options,
                                       std::ostream& out);

}  // namespace equitas::server
