#include "codes_cli.hpp"

#include <charconv>
#include <filesystem>
#include <iomanip>
#include <iostream>

#include "cli_support.hpp"
#include "code_sheet.hpp"

namespace equitas::server {
namespace {

// A form id or round in a file name: letters, digits, '-', '_' and '.'.
std::string file_part(std::string_view s) {
  std::string out;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    out.push_back(ok ? c : '_');
  }
  return out;
}

}  // namespace

int cmd_codes_issue(const CliArgs& a, const KeyUnlocker& unlocker, std::ostream& out,
                    std::ostream& err) {
  auto form = a.require("--form");
  if (!form.is_ok()) return cli_fail(err, form.status());
  auto count_text = a.require("--count");
  if (!count_text.is_ok()) return cli_fail(err, count_text.status());
  auto folder = a.require("--out");
  if (!folder.is_ok()) return cli_fail(err, folder.status());
  int count = 0;
  const auto* end = count_text->data() + count_text->size();
  if (auto [p, ec] = std::from_chars(count_text->data(), end, count);
      ec != std::errc() || p != end || count < 1) {
    return cli_fail(err,
                    Status::invalid_argument("--count takes a whole number of codes, 1 or more"));
  }
  const std::string round = a.get_or("--round", "");
  // The folder first: codes issued but not written would be lost.
  std::error_code ec;
  const std::filesystem::path dir(*folder);
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir)) {
    return cli_fail(err, Status::io_error("cannot create the folder " + dir.string()));
  }
  auto app = open_app(a, unlocker);
  if (!app.is_ok()) return cli_fail(err, app.status());
  auto issued = app->issue_codes(*form, round, count, "cli");
  if (!issued.is_ok()) return cli_fail(err, issued.status());
  const auto& codes = issued->batch.codes;
  auto html = code_sheet_html(*issued->form, round, codes);
  if (!html.is_ok()) return cli_fail(err, html.status());
  const std::string stem = "codes-" + file_part(*form) +
                           (round.empty() ? "" : "-" + file_part(round)) + "-" +
                           to_hex(issued->batch.batch.id).substr(0, 8);
  const auto html_path = dir / (stem + ".html"), csv_path = dir / (stem + ".csv"),
             batch_path = dir / (stem + ".batch");
  Status s = write_file_atomically(html_path, as_bytes(*html), 0600);
  if (s.is_ok()) s = write_file_atomically(csv_path, as_bytes(code_sheet_csv(codes)), 0600);
  // The signed batch (digests only), for posts that never connect.
  if (s.is_ok())
    s = write_file_atomically(batch_path, encode_code_batch(issued->batch.batch), 0644);
  if (!s.is_ok()) {
    // Issued, not written: the batch is useless but harmless (no code of it
    // can be typed). Say so rather than leave it unexplained.
    return cli_fail(
        err, s.with_context("the codes were issued (batch " + to_hex(issued->batch.batch.id) +
                            ") but could not be written; issue new ones"));
  }
  out << codes.size() << " response code(s) for " << *form
      << (round.empty() ? "" : " round " + round) << ":\n  " << html_path.string()
      << "  (print, cut, hand out at random)\n  " << csv_path.string() << "\n"
      << "Collectors receive them at their next sync; for a post that never connects, carry\n  "
      << batch_path.string() << "\n"
      << "and run there: collector codes import --data-dir DIR " << batch_path.filename().string()
      << "\n"
      << "The .html and .csv files are the only copy of the codes.\n";
  return 0;
}

int cmd_codes_list(const CliArgs& a, std::ostream& out, std::ostream& err) {
  auto app = open_app(a);
  if (!app.is_ok()) return cli_fail(err, app.status());
  auto usage = app->code_usage();
  if (!usage.is_ok()) return cli_fail(err, usage.status());
  if (usage->empty()) {
    out << "No response codes issued yet (sync-server codes issue).\n";
    return 0;
  }
  out << std::left << std::setw(22) << "FORM" << std::setw(20) << "ROUND" << std::right
      << std::setw(8) << "ISSUED" << std::setw(8) << "USED" << std::setw(12) << "USED TWICE"
      << std::setw(12) << "NOT ISSUED" << std::setw(9) << "NO CODE"
      << "\n";
  for (const auto& u : *usage) {
    out << std::left << std::setw(22) << u.form_id << std::setw(20)
        << (u.round.empty() ? "-" : u.round) << std::right << std::setw(8) << u.issued
        << std::setw(8) << u.used << std::setw(12) << u.used_before << std::setw(12) << u.not_issued
        << std::setw(9) << u.missing << "\n";
  }
  out << "Responses counted in USED TWICE, NOT ISSUED and NO CODE are kept but left out of reports "
         "and exports.\n";
  return 0;
}

}  // namespace equitas::server
