// What an XLSForm export cannot carry, found two ways: lists the importer
// reads back only when a question names them, and a second import of the
// written workbook compared with the form (xlsform_export.hpp).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "equitas/forms/form.hpp"

namespace equitas::forms {

// A note for each list from the external_choices sheet or a file that no
// question selects from (nor, for a .csv file, reads with instance()): the
// importer reads such lists only for a question that names them.
void note_unread_lists(const Form& form, std::vector<std::string>& notes);

// Imports the workbook at `path` (with the files beside it) and adds a note
// naming the first differences from `form`, or the import's errors. A Status
// only when the file cannot be read at all.
Status compare_reimport(const Form& form, const std::filesystem::path& path,
                        std::vector<std::string>& notes);

}  // namespace equitas::forms
