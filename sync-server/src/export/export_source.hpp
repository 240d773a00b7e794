// The rows of one export, read from a single consistent snapshot of the
// server database: the latest revision of each submission of a form
// (optionally one round), with the device's site, in arrival order.
//
// A form marked anonymous is exported under disclosure control (issue 14):
// the source reads every row once into memory and releases only
//   - a row number drawn at random for this export (not the submission id,
//     which the collector and the envelope share), rows in random order;
//   - the reporting unit (006_units.sql: a group of posts, or the post's site), the form version
//   and the round:
//     no device id, no time of day, no arrival time or order;
//   - the answers without free text (comments(), for a file of their own);
// and withholds values (disclosure.hpp) until every combination of unit and
// breakdown answers occurs at least k times, k being the highest
// suppression threshold of any version, and never below
// kDisclosureFloor. The report of what was withheld is disclosure().
//
// Rows are streamed, never all held in memory: a writer that needs to know
// every column first (CSV, XLSX) makes two passes over the same snapshot,
// one to build the ExportPlan and one to write.
//
// Not copyable; it holds a read transaction on the store's connection until
// destroyed, so destroy it before writing to that store (the audit log).
#pragma once

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/object.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "disclosure.hpp"
#include "export_plan.hpp"
#include "server_store.hpp"

namespace equitas::server {

struct ExportRow {
  ExportRow() = default;
  // A row whose answers are allocated from `storage`: see
  // ExportSource::rows_memory_.
  explicit ExportRow(boost::json::storage_ptr storage) : answers(std::move(storage)) {}

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
  // Anonymous forms: the answers disclosure control withheld from this row.
  std::vector<std::string> withheld;
};

// The smallest k an anonymous form's microdata is released with, whatever
// its definitions say.
inline constexpr std::size_t kDisclosureFloor = 10;

// The columns every export starts with, before the answers, with what each
// holds (for the codebook). An anonymous form's export has fewer.
struct MetaColumn {
  const char* name;
  const char* note;
};
const std::vector<MetaColumn>& meta_columns(bool anonymous);
// Their cells for one row: numbers as numbers, text as text.
std::vector<ExportCell> meta_cells(const ExportRow& row, bool anonymous);

// The free-text answers of an anonymous form, released apart from the rows.
struct FreeTextAnswer {
  std::string question;
  std::string text;
};

// Called as rows are read: `done` of `total` steps.
using ExportProgress = std::function<void(std::size_t done, std::size_t total)>;

class ExportSource {
 public:
  // Starts the snapshot, loads every version of `form_id` the server knows
  // and counts the rows. `round`: only submissions carrying it. `now`: the
  // export's time (unix seconds), which today() in skip logic reads.
  // `every_revision`: every revision of each submission (a corrected
  // response's history), not only the latest; refused for anonymous forms.
  static Result<std::unique_ptr<ExportSource>> open(ServerStore& store, const std::string& form_id,
                                                    const std::optional<std::string>& round,
                                                    std::int64_t now, bool every_revision = false);
  ExportSource(const ExportSource&) = delete;
  ExportSource& operator=(const ExportSource&) = delete;

  std::size_t row_count() const { return rows_; }
  bool anonymous() const { return anonymous_; }
  // The answer columns this export releases: the plan's, less free text for
  // an anonymous form.
  const std::vector<ExportColumn>& columns() const {
    return anonymous_ ? safe_columns_ : plan_.columns();
  }
  // Anonymous forms only: what was withheld, and the free text of the units
  // with at least k responses, in random order.
  const DisclosureReport& disclosure() const { return disclosure_; }
  const std::vector<std::string>& quasi_identifiers() const { return quasi_identifiers_; }
  const std::vector<FreeTextAnswer>& comments() const { return comments_; }
  // Number of passes the caller will make, so progress counts all of them.
  void set_passes(std::size_t passes) { passes_ = passes; }
  void set_progress(ExportProgress progress) { progress_ = std::move(progress); }

  // One pass over the rows. Stops at the first error `visit` returns.
  Status scan(const std::function<Status(const ExportRow&)>& visit);
  // A pass that observes every row into the plan, then finishes it.
  Status build_plan();
  const ExportPlan& plan() const { return plan_; }
  std::int64_t now() const { return now_; }

 private:
  ExportSource(ServerStore& store, std::string form_id, std::optional<std::string> round,
               std::int64_t now);
  // `storage`: where the rows' answers are allocated (default: the heap).
  Status scan_stored(const std::function<Status(ExportRow&)>& visit,
                     boost::json::storage_ptr storage = {});
  // Anonymous forms: reads, protects and shuffles every row.
  Status protect(const std::set<std::string, std::less<>>& breakdowns,
                 const std::set<std::string, std::less<>>& free_text, std::size_t k);

  ServerStore& store_;
  Transaction snapshot_;
  std::string form_id_;
  std::optional<std::string> round_;
  std::int64_t now_;
  bool every_revision_ = false;
  ExportPlan plan_;
  std::size_t rows_ = 0;
  std::size_t passes_ = 1;
  std::size_t passes_done_ = 0;
  ExportProgress progress_;
  bool anonymous_ = false;
  // Questions answered by files, each with the repeats above it (outermost
  // first; none at the top): each cell, in rows too, holds the files'
  // stable names (file_export_name), not the references.
  struct FileField {
    std::vector<std::string> repeats;
    std::string name;
    bool operator==(const FileField&) const = default;
  };
  std::vector<FileField> file_fields_;
  // The answers of safe_rows_, parsed once and freed all at once with the
  // source: a hundred thousand rows freed object by object took a tenth
  // of an export's time. Declared before safe_rows_, so it outlives them.
  boost::json::monotonic_resource rows_memory_;
  std::vector<ExportRow> safe_rows_;
  std::vector<ExportColumn> safe_columns_;
  DisclosureReport disclosure_;
  std::vector<std::string> quasi_identifiers_;  // "unit", then breakdown questions
  std::vector<FreeTextAnswer> comments_;
};

}  // namespace equitas::server
