// `sync-server units ...` and `sync-server headcounts ...`: read HQ's CSV
// files, call ServerApp (app/units.cpp), render. The command table in
// server_cli.cpp lists them with their help.
#pragma once

#include <iosfwd>

#include "equitas/util/cli_args.hpp"

namespace equitas::server {

int cmd_units_set(const CliArgs& a, std::ostream& out, std::ostream& err);
int cmd_units_list(const CliArgs& a, std::ostream& out, std::ostream& err);
int cmd_headcounts_set(const CliArgs& a, std::ostream& out, std::ostream& err);
int cmd_headcounts_list(const CliArgs& a, std::ostream& out, std::ostream& err);

inline constexpr const char* kUnitsSetHelp =
    "sync-server units set --data-dir DIR --file UNITS.csv\n"
    "  Groups posts into reporting units, so that a small post is never shown on its own. The "
    "file\n"
    "  has the header site,unit and one row per post (Excel's or LibreOffice's CSV). A post not "
    "in\n"
    "  the file is its own unit. Anonymous forms' exports then name the unit, never the post, and\n"
    "  response rates are per unit. Replaces the whole mapping; a file naming a site that no "
    "device\n"
    "  was enrolled for is refused, listing those sites, and nothing changes. Audited.\n";
inline constexpr const char* kUnitsListHelp =
    "sync-server units list --data-dir DIR\n  Every post (device site) and the reporting unit it "
    "counts in.\n";
inline constexpr const char* kHeadcountsSetHelp =
    "sync-server headcounts set --data-dir DIR --file HEADCOUNTS.csv [--round R]\n"
    "  Staff numbers, the denominators of response rates. The file has the header "
    "unit,sex,headcount;\n"
    "  a blank sex gives the unit's total, a sex code of the forms' sex list (female, male) the\n"
    "  number of that sex. With --round R the numbers are for that round only; without, for every\n"
    "  round that has none of its own. Replaces the numbers of that round; an unknown unit or sex "
    "is\n"
    "  refused, listing them, and nothing changes. Reports then show response rates per unit and\n"
    "  sex, suppressed like every other count. Audited.\n";
inline constexpr const char* kHeadcountsListHelp =
    "sync-server headcounts list --data-dir DIR\n  Headcounts by round (\"(default)\" for every "
    "round), unit and sex.\n";

}  // namespace equitas::server
