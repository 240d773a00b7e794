#include "disclosure.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <string_view>

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
  const std::size_t n = records.size();

  // Each value as a number (0: withheld), so that a round compares and
  // sorts integers: 100,000 records of 8 values take milliseconds a round
  // rather than a second of string maps.
  std::vector<std::uint32_t> code(n * width, 0);
  // How often each value occurs in its column, over the original table: a
  // rare value is what singles a record out, so it goes first.
  std::vector<std::vector<std::size_t>> frequency(width, std::vector<std::size_t>(1, 0));
  for (std::size_t c = 0; c < width; ++c) {
    std::map<std::string_view, std::uint32_t> ids;
    for (std::size_t i = 0; i < n; ++i) {
      const auto& v = records[i][c];
      if (!v) continue;
      auto [it, fresh] = ids.emplace(*v, static_cast<std::uint32_t>(ids.size() + 1));
      if (fresh) frequency[c].push_back(0);
      code[i * width + c] = it->second;
      ++frequency[c][it->second];
    }
  }
  auto row = [&](std::size_t i) { return code.begin() + static_cast<std::ptrdiff_t>(i * width); };
  auto withheld_all = [&](std::size_t i) {
    return std::all_of(row(i), row(i) + width, [](auto v) { return v == 0; });
  };

  std::vector<std::size_t> order(n), group(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  std::vector<bool> changed(n, false);
  for (;;) {
    // The size of each record's combination: sort, then count the runs.
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return std::lexicographical_compare(row(a), row(a) + width, row(b), row(b) + width);
    });
    for (std::size_t start = 0; start < n;) {
      std::size_t end = start + 1;
      while (end < n && std::equal(row(order[start]), row(order[start]) + width, row(order[end])))
        ++end;
      for (std::size_t j = start; j < end; ++j) group[order[j]] = end - start;
      start = end;
    }
    bool any = false;
    for (std::size_t i = 0; i < n; ++i) {
      if (group[i] >= k || withheld_all(i)) continue;
      any = true;
      auto r = row(i);
      std::size_t pick = width;
      for (std::size_t c = 0; c < width; ++c) {
        if (r[c] == 0) continue;
        if (pick == width || frequency[c][r[c]] <= frequency[pick][r[pick]]) pick = c;
      }
      r[pick] = 0;
      records[i][pick].reset();
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
