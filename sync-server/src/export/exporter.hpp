// Writes one form's submissions for analysts: one row per submission (its
// latest revision), with the device's site, the round and the flags an
// analyst needs (conflict), as CSV, JSON Lines or an XLSX workbook with a
// codebook. The answers of every version of the form merge into one dataset
// (see export_plan.hpp for the columns). Reads through its own connection
// and one snapshot, so it runs while `serve` is writing.
//
// Exports are microdata: run_export() writes files readable by their owner
// only, atomically, and records every export in the audit log.
#pragma once

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "equitas/util/clock.hpp"
#include "export_source.hpp"
#include "server_store.hpp"

namespace equitas::server {

enum class ExportFormat { kCsv, kJsonl, kXlsx, kSav, kDta };
std::string_view export_format_name(ExportFormat f);
std::optional<ExportFormat> parse_export_format(std::string_view name);

struct ExportOptions {
  std::string form_id;
  ExportFormat format = ExportFormat::kCsv;
  std::optional<std::string> round;  // only submissions of this round
  bool labels = false;               // choice labels instead of codes
  std::string lang;                  // language of the labels; "" is the form's default
  bool excel_bom = false;            // CSV only: a UTF-8 BOM so Excel detects the encoding
  // Every revision of each submission (a corrected response's history), not
  // only the latest; a form that is not anonymous only.
  bool every_revision = false;
  // For the audit log: who asked ("cli", or the dashboard's "token:LABEL"),
  // and where the rows went when that is not the file ("download by ADDR").
  std::string actor = "cli";
  std::string destination;
  // An anonymous form's free text goes to FILE.comments.csv beside a file
  // export; false leaves it out (the dashboard's download).
  bool write_comments = true;
  // Where the export reads the time: today() in skip logic, and its audit
  // line. Must outlive the call; ServerApp gives its own.
  const Clock* clock = &SystemClock::instance();
};

// What run_export did, for the caller to tell the user.
struct ExportSummary {
  std::size_t rows = 0;
  bool anonymous = false;    // released under disclosure control (export_source.hpp)
  std::size_t k = 0;         // every combination of quasi-identifiers occurs k times or more
  std::size_t withheld = 0;  // values withheld to get there
  std::size_t comments = 0;  // free-text answers written to comments_file
  std::size_t comments_withheld = 0;  // free-text answers not released (stdout, or a download)
  std::filesystem::path comments_file;
  // CSV to a file: each repeat's rows (the GEOAT action plan) in a file of
  // their own, FILE.REPEAT.csv, linked by the first column.
  std::vector<std::filesystem::path> repeat_files;
};

// CSV or JSON Lines to a stream (invalid_argument for XLSX, which needs a
// file). Returns the number of rows written. Nothing is audited.
Result<std::size_t> export_submissions(ServerStore& store, const ExportOptions& options,
                                       std::ostream& out, const ExportProgress& progress = {});

// The whole export as `sync-server export` runs it: to `path` (mode 0600,
// written beside it and renamed into place, so a reader never sees half an
// export) or, without a path, to `out` (CSV and JSON Lines only). Then an
// audit-log entry names the form, format, row count and destination; if it
// cannot be written, the file is removed and the export fails.
// An anonymous form's free text goes to a file of its own beside `path`
// (comments_path); to stdout, it is not released.
Result<ExportSummary> run_export(ServerStore& store, const ExportOptions& options,
                                 const std::optional<std::filesystem::path>& path,
                                 std::ostream& out, const ExportProgress& progress = {});
// FILE.csv, action_plan -> FILE.action_plan.csv
std::filesystem::path repeat_path(const std::filesystem::path& export_path,
                                  const std::string& repeat);
// FILE.csv -> FILE.comments.csv
std::filesystem::path comments_path(const std::filesystem::path& export_path);

}  // namespace equitas::server
