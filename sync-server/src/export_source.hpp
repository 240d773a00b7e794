// The rows of one export, read from a single consistent snapshot of the
// server database: the latest revision of each submission of a form
// (optionally one round), with the device's site, in arrival order.
//
// Rows are streamed, never all held in memory: a writer that needs to know
// every column first (CSV, XLSX) makes two passes over the same snapshot,
// one to build the ExportPlan and one to write.
//
// Not copyable; it holds a read transaction on the store's connection until
// destroyed, so destroy it before writing to that store (the audit log).
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "export_plan.hpp"
#include "server_store.hpp"

namespace equitas::server {

struct ExportRow {
  std::string submission_id;
  std::int64_t revision = 0;
  std::string device_id;
  std::string site;
  std::string form_version;
  std::string round;
  std::string submitted_at;
  std::int64_t received_at = 0;
  bool conflict = false;
  boost::json::object answers;
};

// The columns every export starts with, before the answers.
inline constexpr const char* kExportMetaColumns[] = {"submission_id", "revision",     "device_id",
                                                     "site",          "form_version", "round",
                                                     "submitted_at",  "received_at",  "conflict"};
// Their cells for one row: numbers as numbers, text as text.
std::vector<ExportCell> meta_cells(const ExportRow& row);

// Called as rows are read: `done` of `total` steps.
using ExportProgress = std::function<void(std::size_t done, std::size_t total)>;

class ExportSource {
 public:
  // Starts the snapshot, loads every version of `form_id` the server knows
  // and counts the rows. `round`: only submissions carrying it.
  static Result<std::unique_ptr<ExportSource>> open(ServerStore& store, const std::string& form_id,
                                                    const std::optional<std::string>& round);
  ExportSource(const ExportSource&) = delete;
  ExportSource& operator=(const ExportSource&) = delete;

  std::size_t row_count() const { return rows_; }
  // Number of passes the caller will make, so progress counts all of them.
  void set_passes(std::size_t passes) { passes_ = passes; }
  void set_progress(ExportProgress progress) { progress_ = std::move(progress); }

  // One pass over the rows. Stops at the first error `visit` returns.
  Status scan(const std::function<Status(const ExportRow&)>& visit);
  // A pass that observes every row into the plan, then finishes it.
  Status build_plan();
  const ExportPlan& plan() const { return plan_; }

 private:
  ExportSource(ServerStore& store, std::string form_id, std::optional<std::string> round);

  ServerStore& store_;
  Transaction snapshot_;
  std::string form_id_;
  std::optional<std::string> round_;
  ExportPlan plan_;
  std::size_t rows_ = 0;
  std::size_t passes_ = 1;
  std::size_t passes_done_ = 0;
  ExportProgress progress_;
};

}  // namespace equitas::server
