#include "disclosure.hpp"

#include <map>

namespace equitas::server {
namespace {

bool fully_withheld(const QuasiRecord& r) {
  for (const auto& v : r) {
    if (v) return false;
  }
  return true;
}

std::map<QuasiRecord, std::size_t> combinations(const std::vector<QuasiRecord>& records) {
  std::map<QuasiRecord, std::size_t> count;
  for (const auto& r : records) ++count[r];
  return count;
}

}  // namespace

std::size_t smallest_combination(const std::vector<QuasiRecord>& records) {
  std::size_t smallest = 0;
  for (const auto& [combination, n] : combinations(records)) {
    if (fully_withheld(combination)) continue;
    if (smallest == 0 || n < smallest) smallest = n;
  }
  return smallest;
}

DisclosureReport make_k_anonymous(std::vector<QuasiRecord>& records, std::size_t k) {
  DisclosureReport report;
  report.k = k;
  const std::size_t width = records.empty() ? 0 : records.front().size();
  report.suppressed_by_column.assign(width, 0);
  if (k <= 1 || width == 0) return report;

  // How often each value occurs in its column, over the original table: a
  // rare value is what singles a record out, so it goes first.
  std::vector<std::map<std::string, std::size_t>> frequency(width);
  for (const auto& r : records) {
    for (std::size_t c = 0; c < width; ++c) {
      if (r[c]) ++frequency[c][*r[c]];
    }
  }
  std::vector<bool> changed(records.size(), false);
  for (;;) {
    const auto count = combinations(records);
    bool any = false;
    for (std::size_t i = 0; i < records.size(); ++i) {
      QuasiRecord& r = records[i];
      if (count.at(r) >= k || fully_withheld(r)) continue;
      any = true;
      std::size_t pick = width;
      for (std::size_t c = 0; c < width; ++c) {
        if (!r[c]) continue;
        if (pick == width || frequency[c][*r[c]] <= frequency[pick][*r[pick]]) pick = c;
      }
      r[pick].reset();
      ++report.cells_suppressed;
      ++report.suppressed_by_column[pick];
      changed[i] = true;
    }
    if (!any) break;
  }
  for (bool c : changed) report.records_changed += c ? 1 : 0;
  return report;
}

}  // namespace equitas::server
