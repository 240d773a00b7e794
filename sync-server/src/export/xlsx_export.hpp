// An export as an Excel workbook, written with Debian's libxlsxwriter:
//   - "data": the same columns as the CSV, one row per submission, numbers
//     (numeric codes, integer and decimal answers, 0/1 choice columns) as
//     numbers and text as text cells. A text cell is never a formula, so no
//     defusing is needed and the text stays exactly as answered.
//   - "codebook": each question with its type, group, labels in every
//     language, versions and rounds, then its choices with codes and labels.
#pragma once

#include <filesystem>
#include <string>

#include "export_source.hpp"

namespace equitas::server {

// Makes the writing pass over `source`, whose plan must be built. Refuses
// (invalid_argument) what a sheet cannot hold: more than 1,048,575 rows, or
// a cell over 32,767 characters; JSON Lines holds everything. Temporary
// files go beside `path`, not to /tmp, so microdata stays where the admin
// put it.
Status write_xlsx(ExportSource& source, bool labels, const std::string& lang,
                  const std::filesystem::path& path);

}  // namespace equitas::server
