#include "suppression.hpp"

#include <algorithm>
#include <limits>

namespace equitas::server {
namespace {

// Hiding a total costs more than hiding any count could: totals are what
// every other breakdown of the same data shows too. Among totals, the
// smallest goes first (its value, scaled, outweighs any interior cost), which
// is the partner a one-way report on the same dimension picks as well: the
// two reports then hide the same total, and neither gives the other away.
constexpr std::int64_t kTotalPenalty = std::int64_t{1} << 56;
constexpr std::int64_t kTotalScale = std::int64_t{1} << 20;
constexpr std::int64_t kGrandTotalPenalty = std::int64_t{1} << 60;

// Is hidden cell (r, c) on a cycle of hidden cells? Rows are nodes 0..R,
// columns nodes R+1..R+1+C; a path from r to c that avoids the edge itself.
bool on_cycle(const SuppressedTable& t, int r, int c) {
  const int R = t.rows + 1, C = t.cols + 1;
  std::vector<bool> seen(static_cast<std::size_t>(R + C), false);
  std::vector<int> stack{r};
  seen[static_cast<std::size_t>(r)] = true;
  while (!stack.empty()) {
    const int n = stack.back();
    stack.pop_back();
    if (n < R) {
      for (int j = 0; j < C; ++j) {
        if (!t.is_hidden(n, j) || (n == r && j == c) || seen[static_cast<std::size_t>(R + j)])
          continue;
        if (j == c) return true;
        seen[static_cast<std::size_t>(R + j)] = true;
        stack.push_back(R + j);
      }
    } else {
      const int j = n - R;
      for (int i = 0; i < R; ++i) {
        if (!t.is_hidden(i, j) || (i == r && j == c) || seen[static_cast<std::size_t>(i)]) continue;
        seen[static_cast<std::size_t>(i)] = true;
        stack.push_back(i);
      }
    }
  }
  return false;
}

std::int64_t cost(const SuppressedTable& t, int r, int c) {
  if (t.is_hidden(r, c)) return 0;
  const bool row_total = c == t.cols, col_total = r == t.rows;
  // +1: each extra hidden value counts, a zero too. Counts stay below
  // 2^31 (a form's responses), so no sum of three costs overflows.
  const std::int64_t v = std::min<std::int64_t>(t.value(r, c), std::int64_t{1} << 31) + 1;
  if (row_total && col_total) return kGrandTotalPenalty;
  if (row_total || col_total) return kTotalPenalty + v * kTotalScale;
  return v;
}

void hide(SuppressedTable& t, int r, int c) {
  t.hidden[static_cast<std::size_t>(r * t.width() + c)] = true;
}

void secondary_two_way(SuppressedTable& t) {
  for (;;) {
    int br = -1, bc = -1;
    for (int r = 0; r <= t.rows && br < 0; ++r) {
      for (int c = 0; c <= t.cols; ++c) {
        if (t.is_hidden(r, c) && !on_cycle(t, r, c)) {
          br = r;
          bc = c;
          break;
        }
      }
    }
    if (br < 0) return;
    // The cheapest rectangle (br,bc) (br,c2) (r2,bc) (r2,c2) puts the bridge
    // on a cycle; ties go to the first found, for a stable pattern.
    std::int64_t best = std::numeric_limits<std::int64_t>::max();
    int best_r = -1, best_c = -1;
    for (int r2 = 0; r2 <= t.rows; ++r2) {
      if (r2 == br) continue;
      for (int c2 = 0; c2 <= t.cols; ++c2) {
        if (c2 == bc) continue;
        const std::int64_t k = cost(t, br, c2) + cost(t, r2, bc) + cost(t, r2, c2);
        if (k < best) {
          best = k;
          best_r = r2;
          best_c = c2;
        }
      }
    }
    if (best_r < 0) return;  // a 1 x 1 grid cannot happen: rows, cols >= 1
    hide(t, br, best_c);
    hide(t, best_r, bc);
    hide(t, best_r, best_c);
  }
}

// One column: the only equation is "the rows add up to the total", so a
// lone hidden value among rows and total is recoverable; hide the smallest
// other row with it.
void secondary_one_way(SuppressedTable& t) {
  int hidden = 0;
  for (int r = 0; r <= t.rows; ++r) hidden += t.is_hidden(r, 0) ? 1 : 0;
  if (hidden == 1) {
    int pick = -1;
    for (int r = 0; r < t.rows; ++r) {
      if (!t.is_hidden(r, 0) && (pick < 0 || t.value(r, 0) < t.value(pick, 0))) pick = r;
    }
    hide(t, pick < 0 ? t.rows : pick, 0);
  }
  for (int r = 0; r <= t.rows; ++r) {
    if (t.is_hidden(r, 0)) hide(t, r, 1);
  }
}

}  // namespace

SuppressedTable suppress_table(std::span<const std::int64_t> interior, int rows, int cols,
                               std::int64_t threshold) {
  SuppressedTable t;
  t.rows = rows;
  t.cols = cols;
  t.values.assign(static_cast<std::size_t>((rows + 1) * (cols + 1)), 0);
  t.hidden.assign(t.values.size(), false);
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      const std::int64_t v = interior[static_cast<std::size_t>(r * cols + c)];
      t.values[static_cast<std::size_t>(r * t.width() + c)] = v;
      t.values[static_cast<std::size_t>(r * t.width() + cols)] += v;
      t.values[static_cast<std::size_t>(rows * t.width() + c)] += v;
      t.values[static_cast<std::size_t>(rows * t.width() + cols)] += v;
    }
  }
  for (std::size_t i = 0; i < t.values.size(); ++i) t.hidden[i] = t.values[i] < threshold;
  if (cols == 1) {
    secondary_one_way(t);
  } else {
    secondary_two_way(t);
  }
  return t;
}

}  // namespace equitas::server
