#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <sstream>

#include "exporter.hpp"
#include "fixtures.hpp"

using namespace equitas;
using namespace equitas::server;
using namespace equitas::test;

namespace {
void add(ServerStore& store, const DeviceId& dev, const std::string& answers_json) {
  Envelope e;
  e.device_id = dev;
  e.submission_id = SubmissionId::random();
  e.form_id = "staff-climate";
  e.form_version = "1";
  ResponsePayload p;
  p.answers = boost::json::parse(answers_json).as_object();
  p.submitted_at = "2026-11-23T10:00:00Z";
  // The exporter reads answers, not envelopes: any distinct bytes will do.
  const Bytes fake_envelope(e.submission_id.bytes.begin(), e.submission_id.bytes.end());
  REQUIRE(store.store_submission(e, fake_envelope, p, std::nullopt, unix_now()).is_ok());
}
}  // namespace

TEST_CASE("CSV export quotes, flattens multi-selects and defuses formulas", "[server][export]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  auto store = server.open_store();
  const DeviceId dev = DeviceId::random();
  REQUIRE(store.add_pending_device(dev, "Post, \"North\"", {}, 0).is_ok());
  add(store, dev, R"({"q1":4,"channels":["hotline","manager"],"comment":"line one\nline \"two\""})");
  add(store, dev, R"j({"q1":2,"comment":"=HYPERLINK(\"x\")","extra":-3})j");

  std::ostringstream out;
  ExportOptions opts;
  opts.form_id = "staff-climate";
  opts.excel_bom = true;
  auto rows = export_submissions(store, opts, out);
  REQUIRE(rows.is_ok());
  CHECK(*rows == 2);
  const std::string csv = out.str();
  CHECK(csv.rfind("\xEF\xBB\xBF" "submission_id,revision,device_id,site,", 0) == 0);
  CHECK_THAT(csv, Catch::Contains(",q1,channels,comment,extra\r\n"));
  CHECK_THAT(csv, Catch::Contains("\"Post, \"\"North\"\"\""));
  CHECK_THAT(csv, Catch::Contains(",4,hotline manager,\"line one\nline \"\"two\"\"\","));
  CHECK_THAT(csv, Catch::Contains(",2,,\"'=HYPERLINK(\"\"x\"\")\",-3\r\n"));

  std::ostringstream none;
  opts.form_id = "no-such-form";
  CHECK(*export_submissions(store, opts, none) == 0);
}

TEST_CASE("JSONL export has one object per submission with its answers", "[server][export]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  auto store = server.open_store();
  const DeviceId dev = DeviceId::random();
  REQUIRE(store.add_pending_device(dev, "Airport", {}, 0).is_ok());
  add(store, dev, R"({"q1":"منصف"})");
  std::ostringstream out;
  ExportOptions opts;
  opts.form_id = "staff-climate";
  opts.format = ExportFormat::kJsonl;
  REQUIRE(*export_submissions(store, opts, out) == 1);
  auto v = boost::json::parse(out.str());
  CHECK(v.at("site").as_string() == "Airport");
  CHECK(v.at("answers").at("q1").as_string() == "منصف");
  CHECK(v.at("conflict").as_bool() == false);
}
