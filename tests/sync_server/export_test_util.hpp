// Helpers for the export tests: storing hand-made submissions, and reading
// exports back (an RFC 4180 CSV parser, an XLSX sheet reader over libzip
// and pugixml) so that tests compare what a user would open with the store.
#pragma once

#include <boost/json/object.hpp>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fixtures.hpp"

namespace equitas::test {

// The bundled staff-climate published again as a form that is NOT
// anonymous, under this id: the tests of export mechanics (columns, codes,
// labels, files) use it, since an anonymous form's export is under
// disclosure control (export_source.hpp). add_submission publishes it on
// first use.
inline constexpr const char* kNamedClimate = "climate-named";
void publish_named_climate(server::ServerStore& store);
// Publishes the form definition `text` straight into the store.
void publish_json(server::ServerStore& store, const std::string& text);

// Stores one accepted submission as the ingestor would, without an
// envelope worth verifying (the exporter reads answers, not envelopes).
// `id` and `revision` store a revision of an earlier submission.
void add_submission(server::ServerStore& store, const DeviceId& device, const std::string& form,
                    const std::string& version, const std::string& answers_json,
                    const std::string& round = "",
                    const std::optional<SubmissionId>& id = std::nullopt,
                    std::uint32_t revision = 1);

// Rows of cells, the header first. CRLF or LF line ends; quoted fields may
// hold commas, quotes and line breaks. A leading UTF-8 BOM is skipped.
using CsvTable = std::vector<std::vector<std::string>>;
CsvTable parse_csv(const std::string& text);
// The index of `name` in a header row; fails the test when it is missing.
std::size_t column(const std::vector<std::string>& header, const std::string& name);

std::string read_text(const std::filesystem::path& path);
std::filesystem::path write_text(const std::filesystem::path& dir, const std::string& name,
                                 const std::string& text);

// A small form published under `version`: version 1 asks lights_ok and
// tools (select_multiple), version 2 drops tools, adds team_size and lets
// lights_ok be answered "other" (with lights_ok_other).
std::string post_check_form(const std::string& version);

// `sync-server export --format FORMAT --out PATH` (plus `extra` flags) on
// `form`; requires success and returns PATH.
std::filesystem::path export_to_file(const TestServer& server, const std::string& format,
                                     const std::filesystem::path& path,
                                     std::vector<std::string> extra = {},
                                     const std::string& form = kNamedClimate);

// Submission id (as exported) -> stored answers, for every stored row of `form`.
std::map<std::string, boost::json::object> stored_answers(const TestServer& server,
                                                          const std::string& form);

// One cell of a sheet: its type as the XML says ('n' number, 's' text,
// 'b' boolean; 0 when the cell is absent) and its value as text.
struct XlsxCell {
  char type = 0;
  std::string value;
};
using XlsxSheet = std::vector<std::vector<XlsxCell>>;
// Every sheet of a workbook, by name, read through its relationships.
std::map<std::string, XlsxSheet> read_xlsx(const std::filesystem::path& path);
// One part of a workbook as text ("xl/worksheets/sheet1.xml").
std::string xlsx_part(const std::filesystem::path& path, const std::string& part);

}  // namespace equitas::test
