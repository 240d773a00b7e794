// The printable sheet of `sync-server codes issue`: one slip per code, to
// cut apart and hand out at random, like ballots. Each slip names the survey
// (in its languages), shows the code in groups of four and as a QR code,
// and says in each of the form's languages how it is used. Nothing on a
// slip tells one from another but the code: no number, no order.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "equitas/forms/form.hpp"
#include "equitas/status/status.hpp"

namespace equitas::server {

// A self-contained HTML page (no script, no fetch), A4, ready to print.
Result<std::string> code_sheet_html(const forms::Form& form, std::string_view round,
                                    const std::vector<std::string>& codes);
// One code per row under the header "code", as printed (XXXX-XXXX-XXXX-XXXX).
std::string code_sheet_csv(const std::vector<std::string>& codes);

}  // namespace equitas::server
