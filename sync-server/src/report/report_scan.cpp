// The one scan a report makes over the analysis store.
//
// It runs on two threads, because the machine has two cores and a report
// over a million rows must take under a second: the calling thread steps
// SQLite (the only connection, so one snapshot) and copies rows into
// batches; a worker counts them. Batches go round between two queues, so
// memory stays at a few batches whatever the size of the form.
#include <sqlite3.h>

#include <cstring>
#include <deque>
#include <system_error>
#include <thread>

#include "equitas/util/thread_annotations.hpp"
#include "report_internal.hpp"

namespace equitas::server::report_detail {

void DeviceDays::add(std::int32_t day, std::uint32_t key) {
  if (counts.empty()) {
    first_day = day;
  } else if (day < first_day) {
    counts.insert(counts.begin(), static_cast<std::size_t>(first_day - day), 0);
    keys.insert(keys.begin(), static_cast<std::size_t>(first_day - day), 0);
    first_day = day;
  }
  const auto i = static_cast<std::size_t>(day - first_day);
  if (i >= counts.size()) {
    counts.resize(i + 1, 0);
    keys.resize(i + 1, 0);
  }
  ++counts[i];
  keys[i] += key;
}

namespace {

constexpr std::size_t kBatchRows = 8192;
constexpr std::size_t kBatches = 4;

struct Batch {
  std::vector<std::uint8_t> bytes;  // every row's codes, back to back
  std::vector<std::uint32_t> ends;  // where each row's codes end in `bytes`
  std::vector<std::uint32_t> device;
  std::vector<std::int32_t> day;
  std::vector<std::int64_t> rowid;
  std::vector<std::uint32_t> key;  // record keys, with cell keys
  void clear() {
    bytes.clear();
    ends.clear();
    device.clear();
    day.clear();
    rowid.clear();
    key.clear();
  }
};

// Batches waiting to be counted (full) and waiting to be filled (free).
class BatchQueues {
 public:
  explicit BatchQueues(std::size_t n) : batches_(n) {
    for (auto& b : batches_) free_.push_back(&b);
  }
  Batch* take_free() { return take(false); }
  Batch* take_full() { return take(true); }  // nullptr once finished and drained
  void give_free(Batch* b) { give(false, b); }
  void give_full(Batch* b) { give(true, b); }
  void finish() {
    MutexLock lock(&mu_);
    finished_ = true;
    cv_.notify_all();
  }

 private:
  std::deque<Batch*>& queue(bool full) EQ_REQUIRES(mu_) { return full ? full_ : free_; }
  Batch* take(bool full) {
    MutexLock lock(&mu_);
    cv_.wait(mu_, [&]() EQ_REQUIRES(mu_) { return !queue(full).empty() || (full && finished_); });
    std::deque<Batch*>& q = queue(full);
    if (q.empty()) return nullptr;
    Batch* b = q.front();
    q.pop_front();
    return b;
  }
  void give(bool full, Batch* b) {
    MutexLock lock(&mu_);
    queue(full).push_back(b);
    cv_.notify_all();
  }
  std::vector<Batch> batches_;
  Mutex mu_;
  CondVar cv_;
  std::deque<Batch*> free_ EQ_GUARDED_BY(mu_);
  std::deque<Batch*> full_ EQ_GUARDED_BY(mu_);
  bool finished_ EQ_GUARDED_BY(mu_) = false;
};

// Which grid cell a row falls in, by its breakdown codes.
class CellOf {
 public:
  explicit CellOf(const Context& ctx)
      : ctx_(ctx),
        d0_(ctx.dims.empty() ? -1 : ctx.dims[0].position),
        d1_(ctx.dims.size() < 2 ? -1 : ctx.dims[1].position),
        map0_(ctx.dims.empty() ? none_ : ctx.dims[0].category_of_code),
        map1_(ctx.dims.size() < 2 ? none_ : ctx.dims[1].category_of_code) {}
  std::size_t operator()(const std::uint8_t* codes, std::size_t len) const {
    const int na0 = ctx_.rows - 1, na1 = ctx_.cols - 1;  // the "(no answer)" categories
    int r = 0, c = 0;
    if (d0_ >= 0)
      r = static_cast<std::size_t>(d0_) < len && codes[d0_] < map0_.size() ? map0_[codes[d0_]]
                                                                           : na0;
    if (d1_ >= 0)
      c = static_cast<std::size_t>(d1_) < len && codes[d1_] < map1_.size() ? map1_[codes[d1_]]
                                                                           : na1;
    return static_cast<std::size_t>(r * ctx_.cols + c);
  }

 private:
  const std::vector<int> none_{0};
  const Context& ctx_;
  const int d0_, d1_;
  const std::vector<int>& map0_;
  const std::vector<int>& map1_;
};

// One respondent in its unit and sex, for response rates.
void count_rate(const RatePlan& plan, const std::uint8_t* codes, std::size_t len,
                std::uint32_t device, std::uint32_t key, Counts& k) {
  if (device >= plan.unit_of_device.size() || plan.unit_of_device[device] < 0) return;
  std::size_t sex = plan.sexes.size();
  if (plan.sex_position >= 0 && static_cast<std::size_t>(plan.sex_position) < len &&
      codes[plan.sex_position] < plan.sex_of_code.size()) {
    sex = static_cast<std::size_t>(plan.sex_of_code[codes[plan.sex_position]]);
  }
  const std::size_t i = static_cast<std::size_t>(plan.unit_of_device[device]) * plan.width() + sex;
  ++k.rate_counts[i];
  if (!k.rate_keys.empty()) k.rate_keys[i] += key;
}

// Counts one batch into `k`. The hot loop of every report.
void count(const Context& ctx, const CellOf& cell_of, const Batch& b, bool keep_rows, Counts& k) {
  const std::size_t ncols = ctx.dict.columns.size();
  const int* offset = k.offset.data();
  const int* width = k.width.data();
  const bool keyed = !k.keys.empty();
  std::uint32_t start = 0;
  for (std::size_t row = 0; row < b.ends.size(); ++row) {
    const std::uint8_t* codes = b.bytes.data() + start;
    const std::size_t len = b.ends[row] - start;
    start = b.ends[row];
    const std::size_t cell = cell_of(codes, len);
    std::uint32_t* base = k.cells.data() + cell * k.stride;
    const std::size_t n = std::min(len, ncols);
    if (keyed) {
      // An anonymous form: the row's record key is summed wherever the row
      // is counted, in the same pass (k.keys has the shape of k.cells).
      const std::uint32_t key = b.key[row];
      std::uint32_t* keys = k.keys.data() + cell * k.stride;
      for (std::size_t j = 0; j < n; ++j) {
        if (codes[j] < width[j]) {
          const int at = offset[j] + codes[j];
          ++base[at];
          keys[at] += key;
        }
      }
      for (std::size_t j = n; j < ncols; ++j) {
        ++base[offset[j]];
        keys[offset[j]] += key;
      }
      k.respondent_keys[cell] += key;
    } else {
      for (std::size_t j = 0; j < n; ++j) {
        // A code beyond the dictionary cannot come from this snapshot; a
        // damaged row is simply not counted in that column.
        if (codes[j] < width[j]) ++base[offset[j] + codes[j]];
      }
      for (std::size_t j = n; j < ncols; ++j) ++base[offset[j]];  // columns newer than the row
    }
    ++k.respondents[cell];
    ++k.total;
    const std::uint32_t device = b.device[row];
    if (ctx.rates) count_rate(*ctx.rates, codes, len, device, b.key.empty() ? 0 : b.key[row], k);
    if (device >= k.device_days.size()) k.device_days.resize(device + 1);
    k.device_days[device].add(b.day[row], b.key.empty() ? 0 : b.key[row]);
    if (keep_rows) {
      k.rowids.push_back(b.rowid[row]);
      k.codes.emplace_back(codes, codes + len);
    }
  }
}

}  // namespace

Result<Counts> scan(Context& ctx, const std::vector<std::int64_t>& round_refs, bool keep_rows) {
  Counts k;
  for (const auto& col : ctx.dict.columns) {
    k.offset.push_back(static_cast<int>(k.stride));
    const int w = col.kind == ColumnKind::kOne     ? static_cast<int>(col.values.size())
                  : col.kind == ColumnKind::kMulti ? 3
                                                   : 2;
    k.width.push_back(w);
    k.stride += static_cast<std::size_t>(w);
  }
  k.cells.assign(static_cast<std::size_t>(ctx.rows * ctx.cols) * k.stride, 0);
  k.respondents.assign(static_cast<std::size_t>(ctx.rows * ctx.cols), 0);
  const bool keyed = ctx.cell_keys != nullptr;
  if (keyed) {
    k.keys.assign(k.cells.size(), 0);
    k.respondent_keys.assign(k.respondents.size(), 0);
  }
  if (ctx.rates) {
    k.rate_counts.assign(ctx.rates->units.size() * ctx.rates->width(), 0);
    if (keyed) k.rate_keys.assign(k.rate_counts.size(), 0);
  }
  // Record keys come from the row id, so a keyed scan reads it too.
  const bool read_rowid = keep_rows || keyed;
  EQ_ASSIGN_OR_RETURN(AnalysisRowReader rows, AnalysisRowReader::open(*ctx.db, read_rowid));

  const CellOf cell_of(ctx);
  BatchQueues queues(kBatches);
  auto counter = [&] {
    while (Batch* b = queues.take_full()) {
      count(ctx, cell_of, *b, keep_rows, k);
      queues.give_free(b);
    }
  };
  std::thread worker;
  try {
    worker = std::thread(counter);
  } catch (const std::system_error&) {
    // No thread to be had: count each batch here, as soon as it is full.
  }
  auto hand_over = [&](Batch* b) {
    queues.give_full(b);
    if (!worker.joinable()) {
      Batch* full = queues.take_full();
      count(ctx, cell_of, *full, keep_rows, k);
      queues.give_free(full);
    }
  };
  Status failed;
  Batch* b = queues.take_free();
  b->clear();
  for (std::int64_t ref : round_refs) {
    rows.start(ctx.dict.form_ref, ref);
    while (rows.next()) {
      const auto codes = rows.codes();
      b->bytes.insert(b->bytes.end(), codes.begin(), codes.end());
      b->ends.push_back(static_cast<std::uint32_t>(b->bytes.size()));
      b->device.push_back(static_cast<std::uint32_t>(rows.device_ref()));
      b->day.push_back(static_cast<std::int32_t>(rows.day()));
      if (read_rowid) {
        const std::int64_t rowid = rows.submission_rowid();
        b->rowid.push_back(rowid);
        // Keys are hashed here, on the thread that steps SQLite, and
        // summed by the one that counts, in its one pass over the codes.
        if (keyed) b->key.push_back(ctx.cell_keys->record_key(rowid));
      }
      if (b->ends.size() == kBatchRows) {
        hand_over(b);
        b = queues.take_free();
        b->clear();
      }
    }
    if (!rows.status().is_ok()) {
      failed = rows.status();
      break;
    }
  }
  hand_over(b);
  queues.finish();
  if (worker.joinable()) worker.join();
  EQ_RETURN_IF_ERROR(failed);
  return k;
}

}  // namespace equitas::server::report_detail
