// `sync-server administration ...` and `sync-server assessment ...`: parse,
// call ServerApp, render. The command table in server_cli.cpp lists them
// with their help.
#pragma once

#include <iosfwd>

#include "equitas/util/cli_args.hpp"

namespace equitas::server {

int cmd_administration_add(const CliArgs& a, std::ostream& out, std::ostream& err);
int cmd_administration_list(const CliArgs& a, std::ostream& out, std::ostream& err);
int cmd_assessment_create(const CliArgs& a, std::ostream& out, std::ostream& err);
int cmd_assessment_list(const CliArgs& a, std::ostream& out, std::ostream& err);
int cmd_assessment_show(const CliArgs& a, std::ostream& out, std::ostream& err);
int cmd_assessment_report(const CliArgs& a, std::ostream& out, std::ostream& err);
int cmd_assessment_resolve(const CliArgs& a, std::ostream& out, std::ostream& err);
int cmd_assessment_review(const CliArgs& a, std::ostream& out, std::ostream& err);
int cmd_assessment_validate(const CliArgs& a, std::ostream& out, std::ostream& err);
int cmd_action_list(const CliArgs& a, std::ostream& out, std::ostream& err);
int cmd_action_update(const CliArgs& a, std::ostream& out, std::ostream& err);

inline constexpr const char* kAdministrationAddHelp =
    "sync-server administration add --data-dir DIR --id ID --name NAME\n"
    "  Records an administration once, under a stable ID (letters, digits, '-', '_') with its "
    "display\n"
    "  name; assessments name it by ID, so \"Testland Customs\" is one administration however it "
    "is spelt.\n";
inline constexpr const char* kAdministrationListHelp =
    "sync-server administration list --data-dir DIR\n  Administrations: id and name.\n";
inline constexpr const char* kAssessmentCreateHelp =
    "sync-server assessment create --data-dir DIR --form FORM --round R --administration ID\n"
    "  A team assessment (the GEOAT as one shared record) of administration ID for round R, in "
    "draft.\n"
    "  Prints its id. Collectors receive it at their next sync; team members contribute with\n"
    "  collector submit --form FORM --assessment ASSESSMENT_ID --role ROLE -.\n";
inline constexpr const char* kAssessmentListHelp =
    "sync-server assessment list --data-dir DIR\n  Assessments: id, administration, round, state, "
    "version.\n";
inline constexpr const char* kAssessmentShowHelp =
    "sync-server assessment show --data-dir DIR ID [--lang L] [--json]\n"
    "  The merged state: each field's current value, disagreements with their competing values "
    "(who,\n"
    "  where, when), each field's history, flagged contributions, workflow, and scores with "
    "coverage\n"
    "  (provisional until validated). docs/assessments.md explains the merge and the scores.\n";
inline constexpr const char* kAssessmentReportHelp =
    "sync-server assessment report --data-dir DIR ID [--lang L] [--out FILE]\n"
    "  The printable report for the head of Customs, as one HTML page (no script; print it, or "
    "save it\n"
    "  as PDF from a browser): scope, team, sites and dates; scores with coverage by principle "
    "(with a\n"
    "  radar) and key element; gaps weakest first and strengths, with their evidence; "
    "disagreements and\n"
    "  how they ended; the action plan; the review steps. L is en, fr, es, ru, ar or pt (default "
    "en).\n"
    "  Written to FILE (private to this user) or to standard output.\n";
inline constexpr const char* kAssessmentResolveHelp =
    "sync-server assessment resolve --data-dir DIR ID FIELD --value V --comment TEXT\n"
    "  The team's decision on FIELD (V is a choice code, text, or JSON): it ends a disagreement "
    "and\n"
    "  stays in the field's history with the comment. Audited.\n";
inline constexpr const char* kAssessmentReviewHelp =
    "sync-server assessment review --data-dir DIR ID --comment TEXT\n"
    "  draft -> under review, with the reviewer's comment. Audited.\n";
inline constexpr const char* kAssessmentValidateHelp =
    "sync-server assessment validate --data-dir DIR ID --comment TEXT\n"
    "  under review -> validated, refused while a disagreement remains. Only a validated "
    "assessment's\n"
    "  scores are official; contributions that arrive later are kept and flagged, not merged. Its "
    "action\n"
    "  plan becomes the administration's (see: sync-server action list). Audited.\n";
inline constexpr const char* kActionListHelp =
    "sync-server action list --data-dir DIR [--administration ID] [--lang L] [--json]\n"
    "  The action plan between rounds: every item adopted from a validated assessment, with its "
    "id\n"
    "  (ADMINISTRATION-APn, the same in every round), status (overdue when its deadline has passed "
    "and it\n"
    "  is not completed), deadline, activity, linked indicators, owner and last update. --json "
    "adds\n"
    "  each item's dated history.\n";
inline constexpr const char* kActionUpdateHelp =
    "sync-server action update --data-dir DIR ID [--status S] [--note TEXT] [--indicators "
    "P1.A.1,X.B.2]\n"
    "                          [--owner NAME] [--deadline YYYY-MM-DD]\n"
    "  A dated update of action item ID between rounds: S is a code of the form's ap_status list\n"
    "  (not_started, in_progress, completed, delayed); --indicators replaces its links with "
    "indicators\n"
    "  of the form. The next round's comparison shows the change. Audited.\n";

}  // namespace equitas::server
