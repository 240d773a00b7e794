// `sync-server codes ...`: single-use response codes (one response per
// person; code_store.hpp). Calls ServerApp (app/codes.cpp) and writes the
// printable slips (code_sheet.hpp). The command table in server_cli.cpp
// lists them with their help.
#pragma once

#include <iosfwd>

#include "equitas/crypto/keys.hpp"
#include "equitas/util/cli_args.hpp"

namespace equitas::server {

int cmd_codes_issue(const CliArgs& a, const KeyUnlocker& unlocker, std::ostream& out,
                    std::ostream& err);
int cmd_codes_list(const CliArgs& a, std::ostream& out, std::ostream& err);

inline constexpr const char* kCodesIssueHelp =
    "sync-server codes issue --data-dir DIR --form FORM [--round R] --count N --out FOLDER\n"
    "  Single-use response codes for a form that asks for them (\"response_codes\": true), so "
    "that\n"
    "  each person answers once. Writes FOLDER/codes-FORM-ROUND-BATCH.html, one slip per code "
    "with\n"
    "  its QR code and how to use it in the form's languages, ready to print and cut, and the "
    "same\n"
    "  codes in a .csv beside it (both readable by you alone), and the signed batch of their "
    "digests\n"
    "  (.batch) to carry to a post that never connects (collector codes import). Hand the slips "
    "out\n"
    "  at random, like ballots. Collectors receive the batch at their next sync and check a code\n"
    "  offline; the server keeps a second use, or a code it never issued, flagged and out of\n"
    "  reports. The server keeps only digests of the codes: the .html and .csv are the only copy.\n"
    "  Up to 20,000 per batch; run again for more. Audited.\n";
inline constexpr const char* kCodesListHelp =
    "sync-server codes list --data-dir DIR\n"
    "  Per form and round: codes issued, codes used, and responses kept but not counted (a code "
    "used\n"
    "  before, a code never issued, no code).\n";

}  // namespace equitas::server
