#include "export_source.hpp"

#include <sodium.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <map>
#include <unordered_map>

#include "equitas/forms/file_answer.hpp"
#include "file_store.hpp"
#include "form_registry.hpp"
#include "latest_submissions.hpp"
#include "units_store.hpp"

namespace equitas::server {
namespace {

// Puts the stable names of the files in place of the references of file
// question `name`, in `scope` or, below repeats[depth...], in each row.
void name_files(boost::json::object& scope, const std::vector<std::string>& repeats,
                std::size_t depth, const std::string& name) {
  if (depth == repeats.size()) {
    if (auto* files = scope.if_contains(name); files != nullptr && files->is_array()) {
      *files = file_export_names(files->get_array());
    }
    return;
  }
  auto* rows = scope.if_contains(repeats[depth]);
  if (rows == nullptr || !rows->is_array()) return;
  for (auto& row : rows->get_array()) {
    if (row.is_object()) name_files(row.get_object(), repeats, depth + 1, name);
  }
}

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

const std::vector<MetaColumn>& meta_columns(bool anonymous) {
  static const std::vector<MetaColumn> kAll = {
      {"submission_id", "the submission's id, the same on the collector"},
      {"revision", "revision of the submission; the latest is exported"},
      {"device_id", "the collector device that captured it"},
      {"site", "the device's site"},
      {"form_version", "the form version it was captured with"},
      {"round", "the survey round it was captured for"},
      {"submitted_at", "when it was finished on the device"},
      {"received_at", "when the server received it (UTC)"},
      {"conflict",
       "1 when another copy with different content arrived under the same id and revision"},
  };
  static const std::vector<MetaColumn> kAnonymous = {
      {"row",
       "1 to n in a random order drawn for this export; not the submission's id, and not arrival "
       "order"},
      {"unit",
       "the reporting unit (posts grouped by sync-server units set; else the post's site); blank "
       "where "
       "withheld by disclosure control"},
      {"form_version", "the form version it was captured with"},
      {"round", "the survey round it was captured for"},
  };
  return anonymous ? kAnonymous : kAll;
}

std::vector<ExportCell> meta_cells(const ExportRow& row, bool anonymous) {
  if (anonymous) {
    return {{ExportCell::Kind::kNumber, row.submission_id, std::stod(row.submission_id)},
            row.site.empty() ? ExportCell{} : text(row.site),
            text(row.form_version),
            text(row.round)};
  }
  return {
      text(row.submission_id),
      {ExportCell::Kind::kNumber, std::to_string(row.revision), static_cast<double>(row.revision)},
      text(row.device_id),
      text(row.site),
      text(row.form_version),
      text(row.round),
      text(row.submitted_at),
      text(iso8601_utc(row.received_at)),
      {ExportCell::Kind::kNumber, row.conflict ? "1" : "0", row.conflict ? 1.0 : 0.0}};
}

ExportSource::ExportSource(ServerStore& store, std::string form_id,
                           std::optional<std::string> round, std::int64_t now)
    : store_(store),
      snapshot_(store.db(), Transaction::Mode::kDeferred),
      form_id_(std::move(form_id)),
      round_(std::move(round)),
      now_(now) {}

Result<std::unique_ptr<ExportSource>> ExportSource::open(ServerStore& store,
                                                         const std::string& form_id,
                                                         const std::optional<std::string>& round,
                                                         std::int64_t now, bool every_revision) {
  // One read transaction for every pass: the export is a consistent snapshot
  // even while `serve` commits batches.
  std::unique_ptr<ExportSource> source(new ExportSource(store, form_id, round, now));
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

  source->every_revision_ = every_revision;
  EQ_ASSIGN_OR_RETURN(source->rows_,
                      count_latest_submissions(store.db(), form_id, round, every_revision));

  for (const auto* e : entries) {
    e->form->walk([&](const forms::Item& it, const std::vector<const forms::Item*>& parents) {
      if (!forms::is_file_question(it)) return true;
      FileField f{{}, it.name};
      for (const forms::Item* p : parents) {
        if (p->type == forms::QuestionType::kRepeat) f.repeats.push_back(p->name);
      }
      auto& known = source->file_fields_;
      if (std::find(known.begin(), known.end(), f) == known.end()) known.push_back(std::move(f));
      return true;
    });
  }
  source->anonymous_ = source->plan_.anonymous();
  if (source->anonymous_) {
    std::set<std::string, std::less<>> breakdowns, free_text;
    std::size_t k = kDisclosureFloor;
    for (const auto* e : entries) {
      // A response keeps the highest threshold any version ever had.
      k = std::max(k, static_cast<std::size_t>(std::max(e->form->suppression_threshold, 0)));
      e->form->walk([&](const forms::Item& it, const std::vector<const forms::Item*>&) {
        if (it.breakdown) breakdowns.insert(it.name);
        if (it.type == forms::QuestionType::kText) free_text.insert(it.name);
        if (it.or_other) free_text.insert(it.name + "_other");
        return true;
      });
    }
    EQ_RETURN_IF_ERROR(source->protect(breakdowns, free_text, k));
  }
  return source;
}

namespace {

// Fisher-Yates with libsodium's uniform generator.
template <typename T>
void shuffle(std::vector<T>& v) {
  for (std::size_t i = v.size(); i > 1; --i) {
    const std::size_t j = randombytes_uniform(static_cast<std::uint32_t>(i));
    std::swap(v[i - 1], v[j]);
  }
}

std::string value_text(const boost::json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : boost::json::serialize(v);
}

}  // namespace

Status ExportSource::protect(const std::set<std::string, std::less<>>& breakdowns,
                             const std::set<std::string, std::less<>>& free_text, std::size_t k) {
  EQ_RETURN_IF_ERROR(scan_stored(
      [this](ExportRow& r) {
        plan_.observe(r.form_version, r.round, r.answers);
        safe_rows_.push_back(std::move(r));
        return Status::ok();
      },
      &rows_memory_));
  plan_.finish();
  // Only questions a definition describes, and no free text: an answer key
  // seen only in the data could be anything. Kept by question index, since
  // it is asked for every answer of every row: every key is a question of
  // the plan (observe() added those only the data has).
  const auto& questions = plan_.questions();
  std::vector<bool> withheld_question(questions.size());
  for (std::size_t i = 0; i < questions.size(); ++i) {
    withheld_question[i] = !questions[i].known || free_text.count(questions[i].name) != 0;
  }
  auto withheld = [&](std::string_view key) {
    const auto q = plan_.question_index(key);
    return q ? withheld_question[*q] : free_text.count(key) != 0;
  };
  for (const auto& c : plan_.columns()) {
    if (!withheld_question[c.question]) safe_columns_.push_back(c);
  }

  // Free text: only from units with k responses or more, apart from the rows.
  std::map<std::string, std::size_t> per_unit;
  for (const auto& r : safe_rows_) ++per_unit[r.site];
  for (auto& r : safe_rows_) {
    for (auto it = r.answers.begin(); it != r.answers.end();) {
      if (!withheld(it->key())) {
        // A repeat's rows are objects of their own: their free text goes
        // too (not to the comments file, where it would lose its row).
        if (auto* rows = it->value().if_array()) {
          for (auto& row : *rows) {
            if (auto* o = row.if_object()) {
              for (auto f = o->begin(); f != o->end();)
                f = free_text.count(std::string_view(f->key())) ? o->erase(f) : std::next(f);
            }
          }
        }
        ++it;
        continue;
      }
      if (free_text.count(std::string_view(it->key())) != 0 && per_unit[r.site] >= k &&
          it->value().is_string() && !it->value().as_string().empty()) {
        comments_.push_back({std::string(it->key()), std::string(it->value().as_string())});
      }
      it = r.answers.erase(it);
    }
  }

  // k-anonymity on the unit and the breakdown answers.
  quasi_identifiers_ = {"unit"};
  quasi_identifiers_.insert(quasi_identifiers_.end(), breakdowns.begin(), breakdowns.end());
  std::vector<QuasiRecord> records;
  records.reserve(safe_rows_.size());
  for (const auto& r : safe_rows_) {
    QuasiRecord q{r.site};
    for (const auto& b : breakdowns) {
      const auto* v = r.answers.if_contains(b);
      q.emplace_back(v == nullptr ? std::string() : value_text(*v));
    }
    records.push_back(std::move(q));
  }
  disclosure_ = make_k_anonymous(records, k);
  for (std::size_t i = 0; i < safe_rows_.size(); ++i) {
    ExportRow& r = safe_rows_[i];
    if (!records[i][0]) r.site.clear();
    std::size_t c = 1;
    for (const auto& b : breakdowns) {
      // Withheld even where it was blank: a blank is a value like any other
      // to k-anonymity, and telling the two apart would undo its work.
      if (!records[i][c++]) {
        r.answers.erase(b);
        r.withheld.push_back(b);
      }
    }
    // Nothing that could single the response out beyond the columns above.
    r.device_id.clear();
    r.submitted_at.clear();
    r.received_at = 0;
    r.revision = 0;
    r.conflict = false;
  }
  shuffle(safe_rows_);
  for (std::size_t i = 0; i < safe_rows_.size(); ++i)
    safe_rows_[i].submission_id = std::to_string(i + 1);
  shuffle(comments_);
  rows_ = safe_rows_.size();
  return Status::ok();
}

Status ExportSource::scan(const std::function<Status(const ExportRow&)>& visit) {
  if (anonymous_) {
    for (const auto& r : safe_rows_) EQ_RETURN_IF_ERROR(visit(r));
    ++passes_done_;
    if (progress_) progress_(passes_done_ * rows_, rows_ * std::max<std::size_t>(passes_, 1));
    return Status::ok();
  }
  return scan_stored([&](ExportRow& r) { return visit(r); });
}

Status ExportSource::scan_stored(const std::function<Status(ExportRow&)>& visit,
                                 boost::json::storage_ptr storage) {
  EQ_ASSIGN_OR_RETURN(LatestSubmissions st,
                      LatestSubmissions::open(store_.db(), form_id_, round_, every_revision_));
  const std::size_t total = rows_ * std::max<std::size_t>(passes_, 1);
  std::size_t done = passes_done_ * rows_;
  std::map<std::string, std::string> unit_of_site;
  if (anonymous_) {
    EQ_ASSIGN_OR_RETURN(unit_of_site, UnitsStore(store_.db()).unit_of_sites());
  }
  // Each device's site, once: a few hundred devices against 100,000 rows.
  EQ_ASSIGN_OR_RETURN(auto site_of_device, site_of_devices(store_.db()));
  ExportRow r(storage);
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool has, st.next());
    if (!has) break;
    r.submission_id = id_text<SubmissionId>(st.submission_id());
    r.revision = st.revision();
    const Bytes device = st.device_id();
    r.device_id = id_text<DeviceId>(device);
    const auto site = site_of_device.find(std::string(device.begin(), device.end()));
    if (site == site_of_device.end()) {
      return Status::corruption("submission " + id_text<SubmissionId>(st.submission_id()) +
                                " names device " + r.device_id +
                                ", which this server does not know");
    }
    r.site = site->second;
    if (anonymous_) {
      // An anonymous row reports under its reporting unit (units_store.hpp).
      if (auto u = unit_of_site.find(r.site); u != unit_of_site.end()) r.site = u->second;
    }
    r.form_version = st.form_version();
    r.submitted_at = st.submitted_at();
    r.received_at = st.received_at();
    r.conflict = st.conflict();
    boost::system::error_code ec;
    auto v = boost::json::parse(st.answers(), ec, storage);
    if (ec || !v.is_object()) {
      return Status::corruption("stored answers of submission " + r.submission_id +
                                " are not a JSON object");
    }
    r.answers = std::move(v.as_object());  // the same storage: moved, not copied
    for (const FileField& f : file_fields_) name_files(r.answers, f.repeats, 0, f.name);
    r.round = st.round();
    EQ_RETURN_IF_ERROR(visit(r));
    if (progress_ && ++done % kProgressEvery == 0) progress_(std::min(done, total), total);
  }
  ++passes_done_;
  if (progress_) progress_(std::min(passes_done_ * rows_, total), total);
  return Status::ok();
}

Status ExportSource::build_plan() {
  if (anonymous_) {  // built by protect(), from the rows before protection
    ++passes_done_;
    return Status::ok();
  }
  EQ_RETURN_IF_ERROR(scan([this](const ExportRow& r) {
    plan_.observe(r.form_version, r.round, r.answers);
    return Status::ok();
  }));
  plan_.finish();
  return Status::ok();
}

}  // namespace equitas::server
