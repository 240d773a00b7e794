#include "export_source.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>

#include "form_registry.hpp"

namespace equitas::server {
namespace {

// The latest revision of each submission of form ?1, of round ?2 when it is
// not NULL. Shared by the count and the scan so that they always agree.
constexpr const char* kRowsWhere =
    " FROM submissions s JOIN devices d ON d.device_id = s.device_id "
    "WHERE s.form_id = ?1 AND (?2 IS NULL OR s.round = ?2) AND s.revision = (SELECT MAX(revision) "
    "FROM submissions s2 WHERE s2.submission_id = s.submission_id)";

// Progress is reported about every this many rows, and at the end.
constexpr std::size_t kProgressEvery = 1000;

// Ids are 16-byte blobs; each kind prints its own way (a UUID, plain hex).
template <typename Id>
std::string id_text(const Bytes& blob) {
  Id id;
  std::copy_n(blob.begin(), std::min<std::size_t>(id.bytes.size(), blob.size()), id.bytes.begin());
  return id.to_string();
}

ExportCell text(std::string s) { return {ExportCell::Kind::kText, std::move(s), 0}; }

}  // namespace

std::vector<ExportCell> meta_cells(const ExportRow& row) {
  return {text(row.submission_id),
          {ExportCell::Kind::kNumber, std::to_string(row.revision), static_cast<double>(row.revision)},
          text(row.device_id),
          text(row.site),
          text(row.form_version),
          text(row.round),
          text(row.submitted_at),
          text(iso8601_utc(row.received_at)),
          {ExportCell::Kind::kNumber, row.conflict ? "1" : "0", row.conflict ? 1.0 : 0.0}};
}

ExportSource::ExportSource(ServerStore& store, std::string form_id, std::optional<std::string> round)
    : store_(store),
      snapshot_(store.db(), Transaction::Mode::kDeferred),
      form_id_(std::move(form_id)),
      round_(std::move(round)) {}

Result<std::unique_ptr<ExportSource>> ExportSource::open(ServerStore& store, const std::string& form_id,
                                                         const std::optional<std::string>& round) {
  // One read transaction for every pass: the export is a consistent snapshot
  // even while `serve` commits batches.
  std::unique_ptr<ExportSource> source(new ExportSource(store, form_id, round));
  EQ_RETURN_IF_ERROR(source->snapshot_.status());

  EQ_ASSIGN_OR_RETURN(auto registry, FormRegistry::load(store));
  std::vector<const forms::LibraryEntry*> entries;
  for (const auto& e : registry->library().entries()) {
    if (e.form->id == form_id) entries.push_back(&e);
  }
  // Oldest first, in the order FormLibrary::current() ranks versions.
  std::sort(entries.begin(), entries.end(), [](const auto* a, const auto* b) {
    return a->published_at != b->published_at ? a->published_at < b->published_at
                                              : a->form->version < b->form->version;
  });
  std::vector<ExportPlan::Version> versions;
  for (const auto* e : entries) versions.push_back({e->form, e->rounds});
  source->plan_ = ExportPlan::from_forms(versions);

  EQ_ASSIGN_OR_RETURN(Statement count, store.db().prepare(std::string("SELECT COUNT(*)") + kRowsWhere));
  count.bind(1, form_id);
  if (round) count.bind(2, *round); else count.bind_null(2);
  EQ_ASSIGN_OR_RETURN(bool has, count.step());
  source->rows_ = has ? static_cast<std::size_t>(count.column_int64(0)) : 0;
  return source;
}

Status ExportSource::scan(const std::function<Status(const ExportRow&)>& visit) {
  EQ_ASSIGN_OR_RETURN(Statement st, store_.db().prepare(
                                        "SELECT s.submission_id, s.revision, s.device_id, d.site, s.form_version, "
                                        "s.submitted_at, s.received_at, s.conflict, s.answers, s.round" +
                                        std::string(kRowsWhere) + " ORDER BY s.id"));
  st.bind(1, form_id_);
  if (round_) st.bind(2, *round_); else st.bind_null(2);
  const std::size_t total = rows_ * std::max<std::size_t>(passes_, 1);
  std::size_t done = passes_done_ * rows_;
  ExportRow r;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool has, st.step());
    if (!has) break;
    r.submission_id = id_text<SubmissionId>(st.column_blob(0));
    r.revision = st.column_int64(1);
    r.device_id = id_text<DeviceId>(st.column_blob(2));
    r.site = st.column_text(3);
    r.form_version = st.column_text(4);
    r.submitted_at = st.column_text(5);
    r.received_at = st.column_int64(6);
    r.conflict = st.column_int64(7) != 0;
    boost::system::error_code ec;
    auto v = boost::json::parse(st.column_text(8), ec);
    if (ec || !v.is_object()) {
      return Status::corruption("stored answers of submission " + r.submission_id + " are not a JSON object");
    }
    r.answers = std::move(v.as_object());
    r.round = st.column_text(9);
    EQ_RETURN_IF_ERROR(visit(r));
    if (progress_ && ++done % kProgressEvery == 0) progress_(std::min(done, total), total);
  }
  ++passes_done_;
  if (progress_) progress_(std::min(passes_done_ * rows_, total), total);
  return Status::ok();
}

Status ExportSource::build_plan() {
  EQ_RETURN_IF_ERROR(scan([this](const ExportRow& r) {
    plan_.observe(r.form_version, r.round, r.answers);
    return Status::ok();
  }));
  plan_.finish();
  return Status::ok();
}

}  // namespace equitas::server
