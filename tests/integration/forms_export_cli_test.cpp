// `forms export --format xlsx` in both programs, run as the real binaries:
// the workbook a bundled or published form becomes, publishing it back, what
// the exit codes say, and the server's signed `forms export` unchanged.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "equitas/forms/form_library.hpp"
#include "equitas/forms/xlsform.hpp"
#include "process.hpp"
#include "temp_dir.hpp"

using equitas::test::bin_path;
using equitas::test::run_command;
using equitas::test::TempDir;

namespace {

equitas::test::RunResult server(std::vector<std::string> args) {
  args.insert(args.begin(), bin_path("sync-server"));
  return run_command(args);
}

equitas::test::RunResult collector(std::vector<std::string> args) {
  args.insert(args.begin(), bin_path("collector"));
  return run_command(args);
}

// The bundled definition of `id`, as the programs hold it.
equitas::forms::Form bundled(const std::string& id) {
  auto library = equitas::forms::FormLibrary::with_bundled();
  REQUIRE(library.is_ok());
  auto f = library->current(id);
  REQUIRE(f);
  return *f;
}

equitas::forms::Form imported(const std::filesystem::path& book) {
  auto r = equitas::forms::import_xlsform_file(book);
  REQUIRE(r.is_ok());
  REQUIRE(r->form.has_value());
  return *r->form;
}

}  // namespace

TEST_CASE(
    "sync-server forms export --format xlsx writes a workbook that publishes back the same form",
    "[cli][xlsform][export]") {
  TempDir tmp;
  const std::string data = (tmp / "hq").string();
  REQUIRE(server({"init", "--data-dir", data}).exit_code == 0);

  // Without --format, as before: every publication, signed (none yet).
  auto none =
      server({"forms", "export", "--data-dir", data, "--out", (tmp / "forms.eqf").string()});
  CHECK(none.exit_code == 1);
  CHECK_THAT(none.err, Catch::Contains("no form has been published"));

  const auto book = tmp / "integrity perception.xlsx";
  auto r = server({"forms", "export", "--data-dir", data, "--format", "xlsx", "--out",
                   book.string(), "integrity-perception"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("Wrote integrity-perception version"));
  CHECK_THAT(r.out, Catch::Contains("It imports back to the same definition"));
  CHECK(imported(book) == bundled("integrity-perception"));

  // Published back, it is the bundled form (the server refuses a bundled
  // id and version whose definition differs).
  auto pub =
      server({"forms", "publish", "--data-dir", data, book.string(), "--round", "2027-baseline"});
  INFO(pub.out << pub.err);
  CHECK(pub.exit_code == 0);
  auto pubs =
      server({"forms", "export", "--data-dir", data, "--out", (tmp / "forms.eqf").string()});
  CHECK(pubs.exit_code == 0);
  CHECK_THAT(pubs.out, Catch::Contains("Wrote 1 form publication(s)"));

  // A published form with a group constraint: written, named, exit 3.
  std::ofstream(tmp / "g.json")
      << R"json({"id": "grouped", "version": "1", "title": {"en": "Grouped"},
    "items": [{"type": "group", "name": "g", "constraint": "true()", "items": [{"type": "text", "name": "t"}]}]})json";
  REQUIRE(server({"forms", "publish", "--data-dir", data, (tmp / "g.json").string()}).exit_code ==
          0);
  auto lossy = server({"forms", "export", "--data-dir", data, "--format", "xlsx", "--out",
                       (tmp / "g.xlsx").string(), "grouped"});
  CHECK(lossy.exit_code == 3);
  CHECK(std::filesystem::exists(tmp / "g.xlsx"));
  CHECK_THAT(lossy.err, Catch::Contains("group 'g': constraint not written"));

  // Usage errors.
  auto csv = server(
      {"forms", "export", "--data-dir", data, "--format", "csv", "--out", "x.csv", "grouped"});
  CHECK(csv.exit_code == 1);
  CHECK_THAT(csv.err, Catch::Contains("--format is xlsx"));
  auto unknown = server({"forms", "export", "--data-dir", data, "--format", "xlsx", "--out",
                         (tmp / "n.xlsx").string(), "no-such-form"});
  CHECK(unknown.exit_code == 1);
  CHECK_THAT(unknown.err, Catch::Contains("no form 'no-such-form'"));
  auto stray =
      server({"forms", "export", "--data-dir", data, "--out", (tmp / "f.eqf").string(), "grouped"});
  CHECK(stray.exit_code == 1);
  CHECK_THAT(stray.err, Catch::Contains("FORM_ID and --version go with --format xlsx"));
  CHECK_THAT(server({"forms", "export", "--help"}).out, Catch::Contains("--format xlsx"));
}

TEST_CASE("collector forms export --format xlsx writes a bundled form's workbook",
          "[cli][xlsform][export]") {
  TempDir tmp;
  const std::string data = (tmp / "post").string();
  REQUIRE(collector({"init", "--data-dir", data}).exit_code == 0);
  const auto book = tmp / "geoat.xlsx";
  auto r = collector({"forms", "export", "--data-dir", data, "--format", "xlsx", "--out",
                      book.string(), "geoat-2023"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("Wrote geoat-2023 version"));
  CHECK(imported(book) == bundled("geoat-2023"));

  auto staff = collector({"forms", "export", "--data-dir", data, "--format", "xlsx", "--out",
                          (tmp / "sc.xlsx").string(), "staff-climate", "--version",
                          bundled("staff-climate").version});
  CHECK(staff.exit_code == 0);
  CHECK(imported(tmp / "sc.xlsx") == bundled("staff-climate"));

  // The collector has no other format: --format is required.
  auto bare = collector(
      {"forms", "export", "--data-dir", data, "--out", (tmp / "x.xlsx").string(), "geoat-2023"});
  CHECK(bare.exit_code == 1);
  CHECK_THAT(bare.err, Catch::Contains("--format xlsx is required"));
  auto not_xlsx = collector({"forms", "export", "--data-dir", data, "--format", "xlsx", "--out",
                             (tmp / "x.json").string(), "geoat-2023"});
  CHECK(not_xlsx.exit_code == 1);
  CHECK_THAT(not_xlsx.err, Catch::Contains("--out must name an .xlsx file"));
  CHECK_THAT(collector({"--help"}).out, Catch::Contains("collector forms export"));
}
