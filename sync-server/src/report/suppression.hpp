// Small-cell suppression for the count tables of a report.
//
// A table is `rows` x `cols` interior counts plus what a report also shows:
// row totals, column totals and the overall total, held in an extended grid
// of (rows+1) x (cols+1) with the totals last. A one-way breakdown is a table
// with one column (its row totals are the same numbers as its cells).
//
// Primary suppression hides every value under the threshold, zero included
// (a zero would tell a reader that the hidden ones are not zero). Secondary
// suppression then hides more values until no hidden value can be worked out
// from the shown ones through the table's additive equations (each row sums
// to its total, each column to its total, both sets of totals to the overall
// total). In the grid's graph, where rows and columns are nodes and each
// hidden value an edge, a hidden value is recoverable exactly when it is a
// bridge (on no cycle); so secondary suppression adds the cheapest rectangle
// of extra hidden values through each bridge until none is left. Interior
// values are preferred over totals (a total is shown again in one-way
// reports) and small values over large ones, to lose as little as possible.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace equitas::server {

struct SuppressedTable {
  int rows = 0;
  int cols = 0;
  std::vector<std::int64_t> values;  // (rows+1) x (cols+1), row-major, totals last
  std::vector<bool> hidden;          // same shape

  int width() const { return cols + 1; }
  std::int64_t value(int r, int c) const {
    return values[static_cast<std::size_t>(r * width() + c)];
  }
  bool is_hidden(int r, int c) const { return hidden[static_cast<std::size_t>(r * width() + c)]; }
  std::int64_t total() const { return value(rows, cols); }
  bool total_hidden() const { return is_hidden(rows, cols); }
};

// `interior` holds rows x cols counts, row-major. rows >= 1, cols >= 1.
// Deterministic: the same table always gets the same pattern.
SuppressedTable suppress_table(std::span<const std::int64_t> interior, int rows, int cols,
                               std::int64_t threshold);

}  // namespace equitas::server
