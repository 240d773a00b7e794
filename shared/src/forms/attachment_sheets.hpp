// Files published with an XLSForm (select_one_from_file, pulldata): a CSV
// or an XML file read into a Sheet with a header row, so the importer reads
// its choices as it reads the choices sheet. Private to the XLSForm importer.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "equitas/forms/workbook_reader.hpp"

namespace equitas::forms::xlsform_detail {

// Files published with the form (select_one_from_file, pulldata): each one,
// and all of them, become choices inside the signed definition.
inline constexpr std::size_t kMaxAttachmentBytes = 8u * 1024 * 1024;
inline constexpr std::size_t kMaxAttachmentTotal = 16u * 1024 * 1024;
inline constexpr std::size_t kMaxAttachmentRows = 100000;
inline constexpr int kMaxAttachmentColumns = 256;

// A CSV file (RFC 4180: comma-separated, fields in double quotes may hold
// commas, newlines and doubled quotes), in UTF-8 with or without Excel's
// BOM. invalid_argument, naming `file` and the line, when it is not.
Result<Sheet> csv_sheet(std::string_view text, const std::string& file);

// An XML file of <root><item><name/><label/>...</item></root>: each element
// name inside an item is a column. invalid_argument, naming `file`, for any
// other shape.
Result<Sheet> xml_sheet(std::string_view text, const std::string& file);

}  // namespace equitas::forms::xlsform_detail
