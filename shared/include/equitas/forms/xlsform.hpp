// XLSForm import: reads the .xlsx workbooks that ODK, KoboToolbox and
// SurveyCTO users write (sheets survey, choices, settings) into our Form.
//
// Anything the importer cannot represent is reported row by row, as a
// warning (imported with a stated difference, e.g. an ignored appearance) or
// an error (the form is refused). It never silently produces a different form.
#pragma once

#include <filesystem>
#include <functional>
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

// The files a workbook names, published with the form: the .csv or .xml of
// select_one_from_file, and the NAME.csv that pulldata('NAME', ...) or
// instance('NAME') reads. Asked for by file name ("regions.csv"); nullopt
// when there is no such file. Each becomes a choice list inside the
// definition (ChoiceList::source names the file), so it is signed and
// delivered with the form and read offline.
using AttachmentReader = std::function<Result<std::optional<Bytes>>(const std::string& name)>;

// A Status only when the bytes are not a readable .xlsx workbook at all;
// problems with the form itself are ImportMessages. `file_name` is the
// workbook's ("Staff survey 2026.xlsx"), or "": without a form_id in the
// settings sheet, the form id comes from it (as in pyxform), else from the
// form_title.
Result<ImportResult> import_xlsform(ByteView xlsx_bytes, std::string_view file_name = {},
                                    const AttachmentReader& files = {});
// Files the workbook names are read from `attach` (files, or folders that
// hold them), then from the workbook's own folder.
Result<ImportResult> import_xlsform_file(const std::filesystem::path& path,
                                         const std::vector<std::filesystem::path>& attach = {});

}  // namespace equitas::forms
