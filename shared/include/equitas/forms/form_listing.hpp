// What `forms list` and `forms show` print, the same in both programs.
#pragma once

#include <ostream>
#include <string>

#include "equitas/forms/form_library.hpp"

namespace equitas::forms {

void print_form_list(const FormLibrary& library, bool json, std::ostream& out);
// Not found when the library has no such form (version "" means current).
Status print_form(const FormLibrary& library, const std::string& id, const std::string& version,
                  bool json, const std::string& lang, std::ostream& out);

}  // namespace equitas::forms
