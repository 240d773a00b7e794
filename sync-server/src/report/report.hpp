// Reports over the analysis store: `sync-server report`, and later the
// dashboard, which calls build_report() while `serve` runs.
//
// What a report holds (the JSON is stable; "report_version" changes if a key
// changes meaning):
//   - per item: n (substantive answers), percent positive / neutral /
//     negative for Likert items ("reversed" on a reverse-worded statement,
//     where positive means disagreeing), or per choice for other selects, with the
//     excluded answers ("don't know", "not applicable") counted apart;
//     free text is counted, never shown;
//   - per section, an index: the mean of its Likert items' percent positive
//     (as FEVS computes its indices), over the items shown for the group (a
//     hidden item must not be recoverable from the index); in a form whose sections are named
//     fNN_... (the integrity perception survey) each such section is one of
//     the ten Arusha factors and its index is the factor's index;
//   - breakdowns by at most two questions the form marks `breakdown`, with
//     primary and secondary suppression (suppression.hpp): a suppressed group
//     shows as {"suppressed": true, "display": "n<10"}, never as a number;
//   - GEOAT (items with `score`): percent of the maximum score per key
//     element, principle and overall, for each administration, weakest
//     elements first, and the action-plan rows (an assessment describes an
//     organisation, not a person: no suppression applies to it);
//   - with `compare`, the same for a second round and the change, always
//     newer minus older whichever round was named first ("older", "newer",
//     and "order_by": how the newer was told, by publication, first
//     response, or name); an item's change in percent positive says
//     whether it is larger than sampling noise ("beyond_noise", by the test
//     named in "noise_test"); a GEOAT score is not a sample, so untested;
//   - operations: responses per site per day, each device's last contact,
//     and the devices not seen for 14 days.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "equitas/db/database.hpp"
#include "equitas/forms/form_library.hpp"
#include "equitas/status/status.hpp"
#include "equitas/util/cli_args.hpp"
#include "equitas/util/clock.hpp"

namespace equitas::server {

// 2: comparison.from and .to are the older and newer round (they were the
// compared and the chosen round); a GEOAT conflict withholds its scores.
inline constexpr int kReportVersion = 2;

struct ReportOptions {
  std::string form_id;
  std::optional<std::string> round;  // nullopt: every round together
  std::optional<std::string>
      compare;  // a second round: change = newer - older, in either order (needs round)
  std::vector<std::string> by;  // breakdown questions ("dem_sex", or "sex"), at most two
  // Smallest group shown. It can only raise the form's suppression_threshold:
  // the form's owner sets the floor, not whoever runs the report.
  std::optional<int> min_cell;
  // Where "generated_at" and "not seen for 14 days" read the time; must
  // outlive the call. ServerApp::report gives its own.
  const Clock* clock = &SystemClock::instance();
  std::string lang = "en";
};

// Builds the report from the analysis store. `db` is a connection of the
// caller's own (not the writer's), outside any transaction: everything is read in one read
// transaction, so the report is consistent while `serve` is writing (and it
// sets mmap_size on the connection, for the scan's speed). `forms`
// supplies labels, lists and structure (all versions of the form).
// invalid_argument: a bad option (unknown breakdown, too many, threshold
// lowered); not_found: no such form, or no data for the round asked.
Result<boost::json::object> build_report(Database& db, const forms::FormLibrary& forms,
                                         const ReportOptions& options);

// The same report as text tables for a terminal.
void print_report(const boost::json::object& report, std::ostream& out);

// `sync-server report`: opens the data folder (decoding any submission the
// analysis store lacks), builds the report and prints it, as text or --json.
int run_report_command(const CliArgs& args, std::ostream& out, std::ostream& err);
inline constexpr const char* kReportHelp =
    "sync-server report --data-dir DIR --form ID [--round R] [--compare R2] [--by DIM[,DIM]]\n"
    "                   [--min-cell N] [--json]\n"
    "  Results per item (n; percent positive, neutral, negative, with \"don't know\" and \"not\n"
    "  applicable\" counted apart), an index per section (per Arusha factor for the integrity\n"
    "  survey), GEOAT scores per element, principle and administration with the action plan, and\n"
    "  operations (responses per site per day, devices not seen for 14 days).\n"
    "  Without --round, every round together. --compare R2 shows round R2 beside R, with the "
    "change\n"
    "  from the older of the two to the newer, positive when the newer is higher, whichever is "
    "named\n"
    "  first. The newer is the one published later (else the one whose responses began later).\n"
    "  --by breaks results down by one or two questions the form marks as breakdown dimensions\n"
    "  (e.g. --by sex,grade; the dem_ prefix is optional).\n"
    "  Groups under the form's suppression threshold (default 10) are shown as n<10, and other\n"
    "  groups are hidden with them so that none can be worked out from totals. --min-cell N "
    "raises\n"
    "  the threshold; it cannot lower it. Safe while serve is running.\n";

}  // namespace equitas::server
