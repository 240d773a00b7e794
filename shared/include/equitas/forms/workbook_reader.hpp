// Reading an .xlsx workbook: the zip archive (libzip, read in memory) of
// SpreadsheetML parts (pugixml), as sheets of rows of cell text. Sheets are
// found by name through the workbook part and its relationships, cells by
// their "AB12" reference. Nothing here knows what the sheets mean: the
// XLSForm importer (xlsform.hpp) reads its sheets with it.
//
// A workbook comes from whoever wrote it, so every part, row and cell, and
// their totals, is bounded (WorkbookLimits) before it is trusted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "equitas/status/status.hpp"
#include "equitas/util/bytes.hpp"

namespace equitas::forms {

struct SheetRow {
  int num = 0;                       // 1-based spreadsheet row
  std::map<int, std::string> cells;  // 1-based column -> text (non-empty only)
};

struct Sheet {
  std::string name;            // as written in the workbook
  std::vector<SheetRow> rows;  // the rows with a non-empty cell, in the sheet's order
};

// What reading one workbook may take. The rows, cells and text are counted
// over every sheet read from it: a small archive can name one large part
// many times, or one long shared string from many cells, so a bound on each
// part alone lets the work and memory grow with the product (issue #19).
struct WorkbookLimits {
  std::int64_t archive_entries = 10000;        // parts in the zip archive, read or not
  std::uint64_t part_bytes = 50ull << 20;      // one part, decompressed
  std::uint64_t inflated_bytes = 64ull << 20;  // every part read, decompressed, together
  std::size_t sheets = 1000;                   // sheets the workbook lists
  std::size_t rows = 100000;                   // rows of the sheets read
  std::size_t cells = 1000000;                 // their cells
  std::size_t cell_text = 16u << 20;           // the cells' text, in bytes
  // What the caller expects instead, added to a refusal after "; " when not
  // empty: of any size or count ("an XLSForm is far smaller"), of the
  // archive's parts, and of the sheets the workbook lists.
  std::string size_note;
  std::string parts_note;
  std::string sheets_note;
};

// One workbook, opened from bytes that must outlive it (the archive is read
// in place). Movable, not copyable; one thread at a time.
//
// Errors: invalid_argument when the bytes are not an .xlsx workbook (not a
// zip archive, no workbook part, no sheets), when a cell's text is not UTF-8
// (naming the sheet and cell), and for anything past `limits` (a message
// starting "refused: ", naming the bound); corruption when a part the
// workbook names is missing, damaged or not XML. Allocation failure
// (std::bad_alloc) is not caught here.
class WorkbookReader {
 public:
  // Opens the archive and reads the workbook's list of sheets.
  static Result<WorkbookReader> open(ByteView bytes, WorkbookLimits limits = {});

  WorkbookReader(WorkbookReader&&) noexcept;
  WorkbookReader& operator=(WorkbookReader&&) noexcept;
  WorkbookReader(const WorkbookReader&) = delete;
  WorkbookReader& operator=(const WorkbookReader&) = delete;
  ~WorkbookReader();

  // The sheets' names, in the workbook's order.
  const std::vector<std::string>& sheet_names() const;

  // The cells of sheet `index` (of sheet_names()). The first call also
  // reads the shared strings, so a workbook whose sheets are never read
  // never has them read either. Each call counts against the same limits.
  Result<Sheet> read_sheet(std::size_t index);

 private:
  struct Impl;
  explicit WorkbookReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace equitas::forms
