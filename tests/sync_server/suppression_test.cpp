// Small-cell suppression: hand-built tables (primary; secondary along rows,
// columns and the total; one small cell alone in its row) and a property
// test over random tables that no hidden value can be worked out from the
// shown ones by the table's additive equations.
#include "suppression.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <random>

using namespace equitas::server;

namespace {

// Is each hidden value of `t` determined by the shown ones? The equations a
// reader has: every row of the extended grid (the totals row included) sums
// to its last cell, and every column to its last cell. A hidden value x_i is
// determined exactly when the unit vector e_i lies in the row space of the
// equations' coefficients over the hidden values, i.e. appending e_i to
// them does not raise the rank. Checked by Gaussian elimination, independently
// of how suppress_table reasons about cycles.
int rank_of(std::vector<std::vector<double>> m) {
  int rank = 0;
  const std::size_t cols = m.empty() ? 0 : m[0].size();
  for (std::size_t c = 0; c < cols && rank < static_cast<int>(m.size()); ++c) {
    std::size_t pivot = static_cast<std::size_t>(rank);
    for (std::size_t r = pivot; r < m.size(); ++r) {
      if (std::fabs(m[r][c]) > std::fabs(m[pivot][c])) pivot = r;
    }
    if (std::fabs(m[pivot][c]) < 1e-9) continue;
    std::swap(m[pivot], m[static_cast<std::size_t>(rank)]);
    const auto& p = m[static_cast<std::size_t>(rank)];
    for (std::size_t r = 0; r < m.size(); ++r) {
      if (r == static_cast<std::size_t>(rank) || std::fabs(m[r][c]) < 1e-12) continue;
      const double f = m[r][c] / p[c];
      for (std::size_t k = 0; k < cols; ++k) m[r][k] -= f * p[k];
    }
    ++rank;
  }
  return rank;
}

std::vector<std::pair<int, int>> derivable(const SuppressedTable& t) {
  std::vector<std::pair<int, int>> unknowns;
  for (int r = 0; r <= t.rows; ++r) {
    for (int c = 0; c <= t.cols; ++c) {
      if (t.is_hidden(r, c)) unknowns.emplace_back(r, c);
    }
  }
  if (unknowns.empty()) return {};
  auto index = [&](int r, int c) {
    for (std::size_t i = 0; i < unknowns.size(); ++i) {
      if (unknowns[i] == std::make_pair(r, c)) return static_cast<int>(i);
    }
    return -1;
  };
  std::vector<std::vector<double>> eqs;
  for (int r = 0; r <= t.rows; ++r) {
    std::vector<double> e(unknowns.size(), 0.0);
    for (int c = 0; c <= t.cols; ++c) {
      if (int i = index(r, c); i >= 0) e[static_cast<std::size_t>(i)] = c == t.cols ? -1.0 : 1.0;
    }
    eqs.push_back(e);
  }
  for (int c = 0; c <= t.cols; ++c) {
    std::vector<double> e(unknowns.size(), 0.0);
    for (int r = 0; r <= t.rows; ++r) {
      if (int i = index(r, c); i >= 0) e[static_cast<std::size_t>(i)] = r == t.rows ? -1.0 : 1.0;
    }
    eqs.push_back(e);
  }
  const int base = rank_of(eqs);
  std::vector<std::pair<int, int>> out;
  for (std::size_t i = 0; i < unknowns.size(); ++i) {
    auto with = eqs;
    std::vector<double> unit(unknowns.size(), 0.0);
    unit[i] = 1.0;
    with.push_back(unit);
    if (rank_of(with) == base) out.push_back(unknowns[i]);
  }
  return out;
}

int hidden_in_row(const SuppressedTable& t, int r) {
  int n = 0;
  for (int c = 0; c <= t.cols; ++c) n += t.is_hidden(r, c) ? 1 : 0;
  return n;
}

int hidden_in_col(const SuppressedTable& t, int c) {
  int n = 0;
  for (int r = 0; r <= t.rows; ++r) n += t.is_hidden(r, c) ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("A table with no small cell shows everything", "[report][suppression]") {
  const std::vector<std::int64_t> v{12, 30, 45, 10};
  const auto t = suppress_table(v, 2, 2, 10);
  for (bool h : t.hidden) CHECK_FALSE(h);
  CHECK(t.total() == 97);
  CHECK(t.value(0, 2) == 42);  // row total
  CHECK(t.value(2, 1) == 40);  // column total
}

TEST_CASE("Primary suppression hides every value under the threshold, zero included",
          "[report][suppression]") {
  const std::vector<std::int64_t> v{0, 30, 45, 9, 50, 60, 70, 80, 90};
  const auto t = suppress_table(v, 3, 3, 10);
  CHECK(t.is_hidden(0, 0));
  CHECK(t.is_hidden(1, 0));
  for (int r = 0; r <= t.rows; ++r) {
    for (int c = 0; c <= t.cols; ++c) {
      if (!t.is_hidden(r, c)) CHECK(t.value(r, c) >= 10);
    }
  }
  CHECK(derivable(t).empty());
}

TEST_CASE("One small cell alone in its row takes a partner in its row and its column",
          "[report][suppression]") {
  // Row 0: only the 3 is small. Shown alone, it would be row total - 40 - 50.
  const std::vector<std::int64_t> v{3,  40, 50,  //
                                    20, 25, 30,  //
                                    60, 15, 35};
  const auto t = suppress_table(v, 3, 3, 10);
  CHECK(t.is_hidden(0, 0));
  CHECK(hidden_in_row(t, 0) >= 2);
  CHECK(hidden_in_col(t, 0) >= 2);
  // The row, column and overall totals stay shown: totals are dearer to hide.
  CHECK_FALSE(t.is_hidden(0, 3));
  CHECK_FALSE(t.is_hidden(3, 0));
  CHECK_FALSE(t.total_hidden());
  // The cheapest partners: the smallest cells that close a rectangle.
  CHECK(t.is_hidden(1, 0));  // 20, the smallest other in column 0
  CHECK(t.is_hidden(0, 1));  // 40, the smallest other in row 0
  CHECK(t.is_hidden(1, 1));  // 25 closes the rectangle
  CHECK(derivable(t).empty());
}

TEST_CASE("A small row total is protected along the column of totals", "[report][suppression]") {
  // Row 1 sums to 8: all its cells and its total are small. Its total alone
  // would be the overall total minus the other row totals.
  const std::vector<std::int64_t> v{40, 50, 3, 5, 30, 60};
  const auto t = suppress_table(v, 3, 2, 10);
  CHECK(t.is_hidden(1, 2));
  CHECK(hidden_in_col(t, 2) >= 2);
  CHECK_FALSE(t.total_hidden());
  CHECK(derivable(t).empty());
}

TEST_CASE("A two-way table hides the same total as the one-way table of that dimension",
          "[report][suppression]") {
  // Row totals 90, 8, 50: the one-way report by rows hides 8 and 50.
  const std::vector<std::int64_t> v{40, 50, 3, 5, 30, 20};
  const auto two = suppress_table(v, 3, 2, 10);
  const auto one = suppress_table(std::vector<std::int64_t>{90, 8, 50}, 3, 1, 10);
  for (int r = 0; r <= 3; ++r) CHECK(two.is_hidden(r, 2) == one.is_hidden(r, 0));
  CHECK(two.is_hidden(2, 2));
  CHECK(derivable(two).empty());
}

TEST_CASE("A one-way breakdown hides a second category with a lone small one",
          "[report][suppression]") {
  const std::vector<std::int64_t> v{4, 120, 35};
  const auto t = suppress_table(v, 3, 1, 10);
  CHECK(t.is_hidden(0, 0));
  CHECK(t.is_hidden(2, 0));  // 35, the smallest other: 4 is no longer total - 120 - 35
  CHECK_FALSE(t.is_hidden(1, 0));
  CHECK_FALSE(t.total_hidden());
  CHECK(t.is_hidden(0, 1));  // the row "totals" of a one-way table are the same numbers
  CHECK(derivable(t).empty());
}

TEST_CASE("A small overall total hides everything", "[report][suppression]") {
  const std::vector<std::int64_t> v{2, 3, 1, 0};
  const auto t = suppress_table(v, 2, 2, 10);
  for (bool h : t.hidden) CHECK(h);
  const auto one = suppress_table(std::vector<std::int64_t>{7}, 1, 1, 10);
  CHECK(one.total_hidden());
}

TEST_CASE("Property: no hidden value of a random table can be worked out",
          "[report][suppression]") {
  std::mt19937 rng(20261123);
  std::uniform_int_distribution<int> dim(1, 6), small(0, 12), big(10, 300), pick(0, 3);
  for (int round = 0; round < 2000; ++round) {
    const int rows = dim(rng), cols = dim(rng);
    std::vector<std::int64_t> v(static_cast<std::size_t>(rows * cols));
    for (auto& x : v) x = pick(rng) == 0 ? small(rng) : big(rng);
    const std::int64_t threshold = round % 3 == 0 ? 5 : 10;
    const auto t = suppress_table(v, rows, cols, threshold);
    INFO("table " << rows << "x" << cols << " round " << round);
    for (int r = 0; r <= rows; ++r) {
      for (int c = 0; c <= cols; ++c) {
        if (t.value(r, c) < threshold) REQUIRE(t.is_hidden(r, c));
      }
    }
    const auto leaks = derivable(t);
    if (!leaks.empty()) {
      INFO("recoverable hidden value at " << leaks[0].first << "," << leaks[0].second);
      REQUIRE(leaks.empty());
    }
    // The same table always gets the same pattern.
    REQUIRE(suppress_table(v, rows, cols, threshold).hidden == t.hidden);
  }
}
