// The text of spreadsheet cells, as the workbook reader and the XLSForm
// importer both read it (internal to shared/src/forms).
#pragma once

#include <string>
#include <string_view>

namespace equitas::forms {

// ASCII letters in lower case (std::tolower, in the C locale); other bytes as they are.
std::string ascii_lower(std::string_view s);

// C's white space: space, \t, \n, \r, \f, \v.
bool is_space(char c);

// `s` without white space or UTF-8 no-break spaces (C2 A0) at either end,
// which spreadsheet cells often carry.
std::string trim(std::string_view s);

}  // namespace equitas::forms
