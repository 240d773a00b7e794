// XLSForm export: writes a Form as an XLSForm workbook (sheets survey,
// choices, settings, and external_choices when a list came from that sheet)
// that import_xlsform (xlsform.hpp) reads back to the same Form.
//
// What XLSForm has no column for (choice polarity, exclude and points, an
// item's score, breakdown, indicator and file limits, the form's languages,
// description and suppression threshold...) goes in columns and settings
// named `equitas_...`, a prefix the importer reserves (schema/README.md,
// "XLSForm export"). Texts are written in a `label::Name (code)` column per
// language. A list whose source is a file ("regions.csv", "sites.xml") is
// written as that file beside the workbook, so that importing the workbook
// from its folder reads it back.
//
// A few things a JSON definition may hold have no place in a workbook (a
// group's constraint, a text with spaces at either end...). The export
// still writes the workbook, then imports it again and compares: every
// difference is named in XlsformExport::notes.
#pragma once

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "equitas/forms/form.hpp"
#include "equitas/forms/form_library.hpp"

namespace equitas::forms {

struct XlsformExport {
  // What was written: the workbook first, then the list files beside it.
  std::vector<std::filesystem::path> files;
  // Why the workbook does not re-import to the same Form, one line each
  // (the construct, then the first differences found); empty when it does.
  std::vector<std::string> notes;
  bool exact() const { return notes.empty(); }
};

// Writes `form` to `path` (the workbook, replaced if it exists) and its
// file-sourced lists beside it. A Status when nothing usable was written
// (a folder that cannot be written, a text longer than a cell holds);
// constructs that do not round-trip are notes, not errors.
Result<XlsformExport> export_xlsform_file(const Form& form, const std::filesystem::path& path);

// `forms export --format xlsx` in both programs: finds FORM_ID (at
// `version`, or the current version when it is ""), writes it and prints
// what was written and any notes to `out`. Exit code: 0 when the workbook
// re-imports to the same definition, 3 when it was written with notes, 1
// (the Status printed to `err`) when nothing was written.
int run_xlsform_export(const FormLibrary& library, const std::string& id,
                       const std::string& version, const std::filesystem::path& path,
                       const std::string& program, std::ostream& out, std::ostream& err);

}  // namespace equitas::forms
