// XLSForm import: reads the .xlsx workbooks that ODK, KoboToolbox and
// SurveyCTO users write (sheets survey, choices, settings) into our Form.
//
// Anything the importer cannot represent is reported row by row, as a
// warning (imported with a stated difference, e.g. an ignored appearance) or
// an error (the form is refused). It never silently produces a different form.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "equitas/forms/form.hpp"
#include "equitas/util/bytes.hpp"

namespace equitas::forms {

struct ImportMessage {
  enum class Severity { kWarning, kError };
  Severity severity = Severity::kWarning;
  std::string sheet;  // "survey", "choices", "settings", or "" for the workbook
  int row = 0;        // 1-based spreadsheet row; 0 when not about a row
  std::string text;
  std::string to_string() const;  // "error: survey row 12: unknown type 'geopoint'"
};

struct ImportResult {
  std::optional<Form> form;  // set when there is no error
  std::vector<ImportMessage> messages;
  bool has_errors() const;
};

// A Status only when the bytes are not a readable .xlsx workbook at all;
// problems with the form itself are ImportMessages. `file_name` is the
// workbook's ("Staff survey 2026.xlsx"), or "": without a form_id in the
// settings sheet, the form id comes from it (as in pyxform), else from the
// form_title.
Result<ImportResult> import_xlsform(ByteView xlsx_bytes, std::string_view file_name = {});
Result<ImportResult> import_xlsform_file(const std::filesystem::path& path);

}  // namespace equitas::forms
