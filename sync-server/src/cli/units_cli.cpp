#include "units_cli.hpp"

#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

#include "cli_support.hpp"
#include "server_app.hpp"

namespace equitas::server {
namespace {

// A headcount file of ten thousand rows is under a megabyte.
constexpr std::streamsize kMaxFile = 4 << 20;

Result<std::string> read_file_arg(const CliArgs& a) {
  EQ_ASSIGN_OR_RETURN(std::string path, a.require("--file"));
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::not_found("cannot read " + path);
  std::string text(static_cast<std::size_t>(kMaxFile) + 1, '\0');
  in.read(text.data(), kMaxFile + 1);
  if (in.bad()) return Status::io_error("cannot read " + path);
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > static_cast<std::size_t>(kMaxFile)) {
    return Status::invalid_argument(path + " is over 4 MiB: is this the right file?");
  }
  return text;
}

}  // namespace

int cmd_units_set(const CliArgs& a, std::ostream& out, std::ostream& err) {
  auto text = read_file_arg(a);
  if (!text.is_ok()) return cli_fail(err, text.status());
  auto units = parse_units_csv(*text);
  if (!units.is_ok()) return cli_fail(err, units.status());
  auto app = open_app(a);
  if (!app.is_ok()) return cli_fail(err, app.status());
  if (Status s = app->set_units(*units, "cli"); !s.is_ok()) return cli_fail(err, s);
  auto unit_of = app->unit_of_sites();
  if (!unit_of.is_ok()) return cli_fail(err, unit_of.status());
  std::map<std::string, int> posts;
  for (const auto& [site, unit] : *unit_of) ++posts[unit];
  out << "Reporting units set: " << unit_of->size() << " post(s) in " << posts.size()
      << " unit(s).\n";
  return 0;
}

int cmd_units_list(const CliArgs& a, std::ostream& out, std::ostream& err) {
  auto app = open_app(a);
  if (!app.is_ok()) return cli_fail(err, app.status());
  auto unit_of = app->unit_of_sites();
  if (!unit_of.is_ok()) return cli_fail(err, unit_of.status());
  if (unit_of->empty()) {
    out << "No posts yet (sync-server device enroll --site NAME).\n";
    return 0;
  }
  out << std::left << std::setw(32) << "POST (SITE)"
      << "REPORTING UNIT\n";
  for (const auto& [site, unit] : *unit_of) {
    out << std::setw(32) << site << unit << (unit == site ? "  (its own)" : "") << "\n";
  }
  return 0;
}

int cmd_headcounts_set(const CliArgs& a, std::ostream& out, std::ostream& err) {
  auto text = read_file_arg(a);
  if (!text.is_ok()) return cli_fail(err, text.status());
  auto counts = parse_headcounts_csv(*text);
  if (!counts.is_ok()) return cli_fail(err, counts.status());
  auto app = open_app(a);
  if (!app.is_ok()) return cli_fail(err, app.status());
  const std::string round = a.get_or("--round", "");
  if (Status s = app->set_headcounts(round, *counts, "cli"); !s.is_ok()) return cli_fail(err, s);
  out << "Headcounts set for " << (round.empty() ? "every round without its own" : "round " + round)
      << ": " << counts->size() << " row(s).\n";
  return 0;
}

int cmd_headcounts_list(const CliArgs& a, std::ostream& out, std::ostream& err) {
  auto app = open_app(a);
  if (!app.is_ok()) return cli_fail(err, app.status());
  auto all = app->headcounts();
  if (!all.is_ok()) return cli_fail(err, all.status());
  if (all->empty()) {
    out << "No headcounts yet (sync-server headcounts set --file HEADCOUNTS.csv).\n";
    return 0;
  }
  out << std::left << std::setw(20) << "ROUND" << std::setw(32) << "UNIT" << std::setw(12) << "SEX"
      << "HEADCOUNT\n";
  for (const auto& [round, h] : *all) {
    out << std::setw(20) << (round.empty() ? "(default)" : round) << std::setw(32) << h.unit
        << std::setw(12) << (h.sex.empty() ? "(all)" : h.sex) << h.headcount << "\n";
  }
  return 0;
}

}  // namespace equitas::server
