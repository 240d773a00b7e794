// The workbook reader (forms/workbook_reader.hpp) on its own: workbooks
// written by libxlsxwriter and by the XLSForm export read back as sheets of
// cell text, and archives that are not workbooks, or are damaged, or go past
// a limit, give a Status that says which.
#include "equitas/forms/workbook_reader.hpp"

#include <xlsxwriter.h>
#include <zip.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "equitas/forms/form_library.hpp"
#include "equitas/forms/xlsform_export.hpp"
#include "temp_dir.hpp"

namespace {

using equitas::Bytes;
using equitas::forms::WorkbookLimits;
using equitas::forms::WorkbookReader;
using equitas::test::TempDir;
using Cells = std::map<int, std::string>;

Bytes file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Two sheets with a cell of each kind libxlsxwriter writes, a skipped
// column and a blank row.
Bytes two_sheet_book(const TempDir& tmp) {
  const std::filesystem::path path = tmp / "book.xlsx";
  lxw_workbook* wb = workbook_new(path.c_str());
  REQUIRE(wb != nullptr);
  lxw_worksheet* first = workbook_add_worksheet(wb, "first");
  worksheet_write_string(first, 0, 0, "name", nullptr);
  worksheet_write_string(first, 0, 1, "Zürich \xE2\x9C\x93", nullptr);
  worksheet_write_number(first, 0, 3, 3, nullptr);
  worksheet_write_number(first, 0, 4, 2.5, nullptr);
  worksheet_write_boolean(first, 0, 5, 1, nullptr);
  worksheet_write_string(first, 2, 0, "after a blank row", nullptr);
  lxw_worksheet* second = workbook_add_worksheet(wb, "Second sheet");
  worksheet_write_string(second, 0, 27, "AB1", nullptr);
  REQUIRE(workbook_close(wb) == LXW_NO_ERROR);
  return file_bytes(path);
}

// A zip archive of `parts` (name, text), written with libzip.
Bytes archive_of(const TempDir& tmp,
                 const std::vector<std::pair<std::string, std::string>>& parts) {
  const std::filesystem::path path = tmp / "parts.zip";
  int error = 0;
  zip_t* za = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  REQUIRE(za != nullptr);
  for (const auto& [name, text] : parts) {
    zip_source_t* src = zip_source_buffer(za, text.data(), text.size(), 0);
    REQUIRE(src != nullptr);
    REQUIRE(zip_file_add(za, name.c_str(), src, ZIP_FL_ENC_UTF_8) >= 0);
  }
  REQUIRE(zip_close(za) == 0);
  return file_bytes(path);
}

// A workbook part listing sheets "a" and "b", with no relationships: their
// parts are the conventional xl/worksheets/sheet1.xml and sheet2.xml.
constexpr const char* kTwoSheetWorkbook =
    R"(<workbook><sheets><sheet name="a" sheetId="1"/><sheet name="b" sheetId="2"/></sheets></workbook>)";

std::string refusal(equitas::ByteView bytes, const WorkbookLimits& limits = {}) {
  auto wb = WorkbookReader::open(bytes, limits);
  REQUIRE_FALSE(wb.is_ok());
  return wb.status().message();
}

}  // namespace

TEST_CASE("WorkbookReader: a workbook libxlsxwriter wrote reads back as its sheets of cell text",
          "[workbook]") {
  TempDir tmp;
  const Bytes bytes = two_sheet_book(tmp);
  auto wb = WorkbookReader::open(bytes);
  INFO(wb.status().to_string());
  REQUIRE(wb.is_ok());
  CHECK(wb->sheet_names() == std::vector<std::string>{"first", "Second sheet"});

  auto first = wb->read_sheet(0);
  INFO(first.status().to_string());
  REQUIRE(first.is_ok());
  CHECK(first->name == "first");
  // Numbers as a person reads them, booleans as Excel shows them; empty
  // cells and rows are left out, and the rest keep their numbers.
  REQUIRE(first->rows.size() == 2);
  CHECK(first->rows[0].num == 1);
  CHECK(first->rows[0].cells ==
        Cells{{1, "name"}, {2, "Zürich \xE2\x9C\x93"}, {4, "3"}, {5, "2.5"}, {6, "TRUE"}});
  CHECK(first->rows[1].num == 3);
  CHECK(first->rows[1].cells == Cells{{1, "after a blank row"}});

  auto second = wb->read_sheet(1);
  REQUIRE(second.is_ok());
  REQUIRE(second->rows.size() == 1);
  CHECK(second->rows[0].cells == Cells{{28, "AB1"}});

  auto none = wb->read_sheet(2);
  REQUIRE_FALSE(none.is_ok());
  CHECK_THAT(none.status().message(), Catch::Contains("no sheet number 3"));
}

TEST_CASE("WorkbookReader: a workbook the XLSForm export wrote reads back", "[workbook]") {
  auto library = equitas::forms::FormLibrary::with_bundled();
  REQUIRE(library.is_ok());
  const auto form = library->current("staff-climate");
  REQUIRE(form != nullptr);
  TempDir tmp;
  auto done = equitas::forms::export_xlsform_file(*form, tmp / "staff.xlsx");
  INFO(done.status().to_string());
  REQUIRE(done.is_ok());

  const Bytes bytes = file_bytes(tmp / "staff.xlsx");
  auto wb = WorkbookReader::open(bytes);
  REQUIRE(wb.is_ok());
  const auto& names = wb->sheet_names();
  REQUIRE(names.size() >= 3);
  CHECK(names[0] == "survey");
  CHECK(names[1] == "choices");
  CHECK(names[2] == "settings");
  auto survey = wb->read_sheet(0);
  REQUIRE(survey.is_ok());
  REQUIRE(survey->rows.size() > 1);
  CHECK(survey->rows[0].num == 1);
  CHECK(survey->rows[0].cells.at(1) == "type");
  CHECK(survey->rows[0].cells.at(2) == "name");
}

TEST_CASE("WorkbookReader: bytes that are not a whole workbook give a Status saying so",
          "[workbook]") {
  TempDir tmp;
  const Bytes whole = two_sheet_book(tmp);

  SECTION("a truncated archive") {
    const Bytes cut(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(whole.size() / 2));
    CHECK_THAT(refusal(cut),
               Catch::StartsWith("not an .xlsx workbook (not a readable zip archive: "));
  }
  SECTION("text, and no bytes at all") {
    CHECK_THAT(refusal(equitas::as_bytes("not a zip")), Catch::StartsWith("not an .xlsx workbook"));
    CHECK_THAT(refusal(Bytes{}), Catch::StartsWith("not an .xlsx workbook"));
  }
  SECTION("a zip archive without a workbook part") {
    CHECK(refusal(archive_of(tmp, {{"readme.txt", "hello"}})) ==
          "not an .xlsx workbook: the archive has no 'xl/workbook.xml'");
  }
  SECTION("a workbook part that lists no sheets") {
    CHECK(refusal(archive_of(tmp, {{"xl/workbook.xml", "<workbook><sheets/></workbook>"}})) ==
          "not an .xlsx workbook: it lists no sheets");
  }
  SECTION("a sheet part that is missing, or not XML") {
    const Bytes bytes = archive_of(tmp, {{"xl/workbook.xml", kTwoSheetWorkbook},
                                         {"xl/worksheets/sheet1.xml", "<worksheet><sheetData"}});
    auto wb = WorkbookReader::open(bytes);
    REQUIRE(wb.is_ok());
    auto a = wb->read_sheet(0);
    REQUIRE_FALSE(a.is_ok());
    CHECK_THAT(
        a.status().message(),
        Catch::StartsWith("the workbook part 'xl/worksheets/sheet1.xml' is not valid XML: "));
    auto b = wb->read_sheet(1);
    REQUIRE_FALSE(b.is_ok());
    CHECK(b.status().message() ==
          "the workbook lists sheet 'b' but has no part 'xl/worksheets/sheet2.xml'");
  }
}

TEST_CASE("WorkbookReader: a workbook past its limits is refused, with the caller's note",
          "[workbook]") {
  TempDir tmp;
  const Bytes bytes = two_sheet_book(tmp);

  WorkbookLimits sheets;
  sheets.sheets = 1;
  CHECK(refusal(bytes, sheets) == "refused: the workbook lists more than 1 sheets");
  sheets.sheets_note = "one is enough";
  CHECK(refusal(bytes, sheets) == "refused: the workbook lists more than 1 sheets; one is enough");

  WorkbookLimits parts;
  parts.archive_entries = 2;
  CHECK_THAT(refusal(bytes, parts), Catch::StartsWith("refused: the workbook has ") &&
                                        Catch::EndsWith(" parts, more than 2"));

  // Rows are counted over every sheet read from one workbook.
  WorkbookLimits rows;
  rows.rows = 2;
  rows.size_note = "a smaller one will do";
  auto wb = WorkbookReader::open(bytes, rows);
  REQUIRE(wb.is_ok());
  REQUIRE(wb->read_sheet(0).is_ok());
  auto second = wb->read_sheet(1);
  REQUIRE_FALSE(second.is_ok());
  CHECK(second.status().message() ==
        "refused: the workbook has more than 2 rows; a smaller one will do");
}
