// Shared between the parts of report.cpp: the merged form, the breakdown
// dimensions, and the single scan that counts everything a report needs.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <memory>
#include <unordered_map>

#include "analysis_store.hpp"
#include "cell_key.hpp"
#include "report.hpp"
#include "suppression.hpp"

namespace equitas::server::report_detail {

// One question of the merged dataset, with its definition from the newest
// version that has it.
struct ReportItem {
  const forms::Item* item = nullptr;
  const forms::ChoiceList* list = nullptr;
  std::string section, section_label;          // top-level group
  std::string element_label, principle_label;  // GEOAT: the groups above an indicator
};

struct Category {
  std::string code;  // "" for "(no answer)"
  std::string label;
};

struct Dimension {
  std::string name, label;
  int position = -1;                  // column in the codes
  std::vector<Category> categories;   // the list's choices, then "(no answer)"
  std::vector<int> category_of_code;  // code -> index in categories
};

// Response rates (report_rates.cpp): the unit each device counts in, and
// the form's sex question. Only when HQ entered headcounts.
struct RatePlan {
  std::vector<std::string> units;   // sorted
  std::vector<int> unit_of_device;  // devices.rowid -> index in units; -1 for none
  int sex_position = -1;            // column of the sex question; -1 when the form has none
  std::vector<Category> sexes;      // the sex list's choices
  std::vector<int> sex_of_code;     // code -> index in sexes; sexes.size() for any other answer
  std::size_t width() const { return sexes.size() + 1; }  // per unit: each sex, then the rest
};

struct Context {
  Database* db = nullptr;
  ReportOptions options;
  std::vector<std::shared_ptr<const forms::Form>> versions;  // newest first
  std::vector<ReportItem> items;
  AnalysisDictionary dict;
  std::int64_t threshold = 10;
  std::vector<Dimension> dims;  // 0, 1 or 2
  int rows = 1, cols = 1;       // categories of dims[0] and dims[1] (1 when absent)
  // An anonymous form's counts are published with noise (cell_key.hpp);
  // null for other forms (the GEOAT), whose figures are exact.
  std::shared_ptr<const CellKeys> cell_keys;
  std::shared_ptr<const RatePlan> rates;  // null without headcounts

  const forms::Form& form() const { return *versions.front(); }
  std::string text(const forms::LangText& t) const {
    return t.get(options.lang, form().default_language);
  }
};

// Responses of one device per day: counts[day - first_day], and the sum
// of their record keys (mod 2^32) in keys[day - first_day].
struct DeviceDays {
  std::int32_t first_day = 0;
  std::vector<std::uint32_t> counts;
  std::vector<std::uint32_t> keys;
  void add(std::int32_t day, std::uint32_t key);
};

// Counts of one period (a round, or all rounds), from one scan.
struct Counts {
  std::vector<int> offset, width;  // per column: where its codes' counters start, how many
  std::size_t stride = 0;          // counters per cell
  // rows*cols cells x stride. 32 bits: half the cache of 64, and a form
  // would need four billion responses to overflow it.
  std::vector<std::uint32_t> cells;
  // With cell keys: the same shape as `cells`, each the sum (mod 2^32) of
  // the record keys of the rows counted there; empty otherwise.
  std::vector<std::uint32_t> keys;
  std::vector<std::int64_t> respondents;      // per cell
  std::vector<std::int64_t> respondent_keys;  // per cell, with cell keys
  std::int64_t total = 0;
  std::vector<DeviceDays> device_days;  // by devices.rowid
  // With a rate plan: respondents per unit and sex (units x width), and
  // their record key sums with cell keys.
  std::vector<std::uint32_t> rate_counts, rate_keys;
  std::vector<std::int64_t> rowids;  // submissions.id of each row, when asked for
  std::vector<Bytes> codes;          // and its codes
};

Result<Counts> scan(Context& ctx, const std::vector<std::int64_t>& round_refs, bool keep_rows);

// The interior counts (rows x cols) of one column's codes for which `take`
// holds, summed over those codes; from `source`, k.cells (counts) or
// k.keys (record key sums: their sum keeps its value mod 2^32).
template <typename Take>
std::vector<std::int64_t> interior_of(const Context& ctx, const Counts& k,
                                      const std::vector<std::uint32_t>& source, int position,
                                      Take take) {
  std::vector<std::int64_t> out(static_cast<std::size_t>(ctx.rows * ctx.cols), 0);
  if (source.empty()) return out;
  const auto p = static_cast<std::size_t>(position);
  for (std::size_t cell = 0; cell < out.size(); ++cell) {
    for (int code = 0; code < k.width[p]; ++code) {
      if (take(code))
        out[cell] += source[cell * k.stride + static_cast<std::size_t>(k.offset[p] + code)];
    }
  }
  return out;
}
template <typename Take>
std::vector<std::int64_t> interior(const Context& ctx, const Counts& k, int position, Take take) {
  return interior_of(ctx, k, k.cells, position, take);
}

// A measure over the (rows+1) x (cols+1) grid: the true counts and the
// sums of their records' keys (zeros without cell keys).
struct Measure {
  std::vector<std::int64_t> count, key;
};
template <typename Take>
Measure measure(const Context& ctx, const Counts& k, int position, Take take);

// What a report shows of count i of a measure: the count itself for a form
// that is not anonymous, else the count with its cell's noise.
std::int64_t published(const Context& ctx, const Measure& m, std::size_t i);

// The grid cells a report shows, in order, with their group keys:
// no breakdown: the total; one: each category then the total; two: the grid.
struct Shown {
  int r, c;
  boost::json::object group;
};
std::vector<Shown> shown_cells(const Context& ctx);

// Sums interior values into the (rows+1) x (cols+1) grid, totals last.
std::vector<std::int64_t> with_totals(const Context& ctx,
                                      const std::vector<std::int64_t>& interior);

double percent(std::int64_t part, std::int64_t whole);

template <typename Take>
Measure measure(const Context& ctx, const Counts& k, int position, Take take) {
  if (position < 0) {
    const auto zero =
        std::vector<std::int64_t>(static_cast<std::size_t>((ctx.rows + 1) * (ctx.cols + 1)), 0);
    return {zero, zero};
  }
  return {with_totals(ctx, interior_of(ctx, k, k.cells, position, take)),
          with_totals(ctx, interior_of(ctx, k, k.keys, position, take))};
}

// The rate plan for a report, or null when no headcount is stored.
Result<std::shared_ptr<const RatePlan>> load_rate_plan(Context& ctx);
// Response rates per unit and sex for one period: published respondents
// (suppressed and perturbed like every count) over HQ's headcounts for
// `round` (report_rates.cpp).
Result<boost::json::object> response_rates(const Context& ctx, const Counts& k,
                                           const std::string& round);

// The survey part (items, sections) and the GEOAT part of one period.
Result<boost::json::object> survey_period(const Context& ctx, const Counts& k);
// Team assessments of the report's form (in `round`, when given), each with
// its scores and coverage: official when validated, provisional otherwise.
Result<boost::json::array> assessments_section(Context& ctx,
                                               const std::optional<std::string>& round);
Result<boost::json::object> geoat_period(Context& ctx, const Counts& k);
bool has_scores(const Context& ctx);
// The change between two periods' results, item by item.
boost::json::object compare_survey(const boost::json::object& a, const boost::json::object& b);
boost::json::object compare_geoat(const boost::json::object& a, const boost::json::object& b);
// The action plan between two rounds (report_actions.cpp): each item's
// status as each round stood, and the indicators it was meant to move.
Result<boost::json::array> compare_actions(Context& ctx, const std::string& older,
                                           const std::string& newer);

}  // namespace equitas::server::report_detail
