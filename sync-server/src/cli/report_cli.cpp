// `sync-server report`: the command-line face of build_report().
#include <boost/json/serialize.hpp>
#include <charconv>

#include "equitas/util/cli_args.hpp"
#include "form_registry.hpp"
#include "report.hpp"
#include "server_app.hpp"
#include "server_store.hpp"

namespace equitas::server {
namespace {

Result<ReportOptions> options_from(const CliArgs& a) {
  ReportOptions o;
  EQ_ASSIGN_OR_RETURN(o.form_id, a.require("--form"));
  if (auto r = a.get("--round")) o.round = *r;
  if (auto r = a.get("--compare")) o.compare = *r;
  if (auto by = a.get("--by")) {
    for (auto& word : comma_list(*by)) {
      if (word.empty()) return Status::invalid_argument("--by takes DIM or DIM,DIM");
      o.by.push_back(std::move(word));
    }
  }
  if (auto m = a.get("--min-cell")) {
    int n = 0;
    const auto [ptr, ec] = std::from_chars(m->data(), m->data() + m->size(), n);
    if (ec != std::errc() || ptr != m->data() + m->size() || n < 1) {
      return Status::invalid_argument("--min-cell takes a whole number of respondents, at least 1");
    }
    o.min_cell = n;
  }
  return o;
}

}  // namespace

int run_report_command(const CliArgs& a, std::ostream& out, std::ostream& err) {
  auto fail = [&](const Status& s) {
    err << "sync-server: " << s.message() << "\n";
    return 1;
  };
  auto options = options_from(a);
  if (!options.is_ok()) return fail(options.status());
  auto dir = a.require("--data-dir");
  if (!dir.is_ok()) return fail(dir.status());
  // Our own connection, never the serve process's writer: the report reads
  // in one snapshot while serve keeps committing (WAL).
  auto app = ServerApp::open(DataDir{*dir});
  if (!app.is_ok()) return fail(app.status());
  auto report = app->report(*options);
  if (!report.is_ok()) return fail(report.status());
  if (a.has("--json")) {
    out << boost::json::serialize(*report) << "\n";
  } else {
    print_report(*report, out);
  }
  return 0;
}

}  // namespace equitas::server
