// Forms end to end: validation at capture and at ingest, publications for
// rounds reaching collectors, and versions merging into one dataset.
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <fstream>

#include "equitas/forms/form_json.hpp"
#include "fixtures.hpp"

using namespace equitas;
using namespace equitas::test;

namespace {

std::string write_file(const TempDir& tmp, const std::string& name, const std::string& text) {
  const auto path = tmp / name;
  std::ofstream(path) << text;
  return path.string();
}

// A small form, version `version`, with an extra question in version 2.
std::string small_form(const std::string& version) {
  std::string extra =
      version == "2" ? R"(,{"type": "integer", "name": "team_size", "constraint": ". > 0"})" : "";
  return R"({"id": "post-check", "version": ")" + version + R"(", "title": {"en": "Post check"},
    "languages": ["en"], "lists": {"yn": [{"name": "yes", "label": {"en": "Yes"}}, {"name": "no", "label": {"en": "No"}}]},
    "items": [{"type": "select_one", "name": "lights_ok", "list": "yn", "required": true})" +
         extra + "]}";
}

}  // namespace

TEST_CASE("collector submit refuses a constraint violation, listing every error, storing nothing",
          "[integration][forms]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  const std::string dir = (tmp / "c").string();
  REQUIRE(collector_cli({"init", "--data-dir", dir}).code == 0);
  REQUIRE(collector_cli({"enroll", "--data-dir", dir, server.enroll("Post")}).code == 0);
  const std::string bad =
      R"({"consent_ack": true, "eng_proud": "7", "dem_sex": "female", "shoe_size": 42,
                              "comment": ")" +
      std::string(2100, 'x') + R"("})";
  auto r = collector_cli(
      {"submit", "--data-dir", dir, "--form", "staff-climate", "--lang", "fr", "-"}, bad);
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Catch::Contains("3 invalid answer(s)"));
  CHECK_THAT(r.err, Catch::Contains("eng_proud: La réponse doit être l'un des choix proposés."));
  CHECK_THAT(r.err, Catch::Contains("shoe_size:"));
  CHECK_THAT(r.err, Catch::Contains("comment:"));
  CHECK_THAT(r.err, Catch::Contains("nothing was stored"));
  auto status = collector_cli({"status", "--data-dir", dir, "--json"});
  CHECK_THAT(status.out, Catch::Contains("\"pending\":0"));
  // The harassment path: answering "reported" without having experienced anything is refused.
  auto skip = collector_cli({"submit", "--data-dir", dir, "--form", "staff-climate", "-"},
                            R"({"h_remarks": "never", "harass_reported": "yes"})");
  CHECK(skip.code == 1);
  CHECK_THAT(skip.err, Catch::Contains("harass_reported"));
  auto unknown = collector_cli({"submit", "--data-dir", dir, "--form", "nonexistent", "-"}, "{}");
  CHECK(unknown.code == 1);
  CHECK_THAT(unknown.err, Catch::Contains("known: "));
}

TEST_CASE(
    "the server rejects invalid answers from a modified client, with the reason, and keeps the "
    "rest",
    "[integration][forms]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  auto c = make_collector(tmp / "c", server.enroll("Post"));
  submit_many(c, 3);
  // A modified client skips validation.
  AcceptAnyAnswers skip_checks;
  std::string bad = R"({"eng_proud": "7"})";
  REQUIRE(c.submit("staff-climate", "2026.1", bad, skip_checks).is_ok());
  std::string unknown_form = R"({"x": 1})";
  REQUIRE(c.submit("made-up-form", "1", unknown_form, skip_checks).is_ok());
  submit_many(c, 2);

  auto r = c.sync({});
  REQUIRE(r.is_ok());
  CHECK(r->accepted == 5);
  CHECK(r->rejected == 2);
  REQUIRE(r->rejections.size() == 2);
  CHECK_THAT(r->rejections[0], Catch::Contains("invalid answers"));
  CHECK_THAT(r->rejections[0], Catch::Contains("eng_proud"));
  CHECK_THAT(r->rejections[1], Catch::Contains("unknown form"));
  CHECK(exported_rows(server) == 5);
}

TEST_CASE("a form published for a round reaches the collector, and versions merge into one dataset",
          "[integration][forms]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  const std::string sdir = server.dir().root.string();
  auto c = make_collector(tmp / "c", server.enroll("Airport"));

  auto v1 = server_cli({"forms", "publish", "--data-dir", sdir,
                        write_file(tmp, "v1.json", small_form("1")), "--round", "2025-baseline"});
  INFO(v1.err);
  REQUIRE(v1.code == 0);
  CHECK_THAT(v1.out, Catch::Contains("round 2025-baseline"));
  // The same version with other content is refused: versions are immutable.
  auto changed = small_form("1");
  changed.replace(changed.find("Post check"), 10, "Post CHECK");
  CHECK(server_cli({"forms", "publish", "--data-dir", sdir, write_file(tmp, "v1b.json", changed)})
            .code == 1);
  // A bundled form can be published for a round as it is.
  auto bundled = server_cli({"forms", "show", "--data-dir", sdir, "staff-climate", "--json"});
  REQUIRE(bundled.code == 0);
  REQUIRE(server_cli({"forms", "publish", "--data-dir", sdir,
                      write_file(tmp, "sc.json", bundled.out), "--round", "2026-follow-up"})
              .code == 0);

  auto first = c.sync({});
  INFO(first.status().to_string());
  REQUIRE(first.is_ok());
  CHECK(first->forms_received.size() == 2);
  CHECK(first->forms_refused.empty());
  auto list = collector_cli({"forms", "list", "--data-dir", (tmp / "c").string(), "--json"});
  CHECK_THAT(list.out, Catch::Contains("post-check"));
  CHECK_THAT(list.out, Catch::Contains("2026-follow-up"));

  std::string a1 = R"({"lights_ok": "yes"})";
  REQUIRE(c.submit("post-check", "", a1).is_ok());
  std::string missing = "{}";
  CHECK_FALSE(c.submit("post-check", "", missing).is_ok());  // required

  REQUIRE(server_cli({"forms", "publish", "--data-dir", sdir,
                      write_file(tmp, "v2.json", small_form("2")), "--round", "2026-follow-up"})
              .code == 0);
  auto second = c.sync({});
  REQUIRE(second.is_ok());
  CHECK(second->forms_received.size() == 1);
  CHECK(second->accepted == 1);  // the version 1 response captured before
  std::string a2 = R"({"lights_ok": "no", "team_size": 4})";
  REQUIRE(c.submit("post-check", "", a2).is_ok());  // the current version is now 2
  std::string climate = R"({"consent_ack": true, "eng_proud": "4"})";
  REQUIRE(c.submit("staff-climate", "", climate).is_ok());
  REQUIRE(c.sync({})->accepted == 2);

  auto csv = server_cli({"export", "--data-dir", sdir, "--form", "post-check"});
  REQUIRE(csv.code == 0);
  CHECK_THAT(csv.out, Catch::Contains(",1,2025-baseline,"));
  CHECK_THAT(csv.out, Catch::Contains(",2,2026-follow-up,"));
  CHECK_THAT(csv.out, Catch::Contains(",lights_ok,team_size\r\n"));
  auto sc =
      server_cli({"export", "--data-dir", sdir, "--form", "staff-climate", "--format", "jsonl"});
  auto row = boost::json::parse(sc.out);
  CHECK(row.at("round").as_string() == "2026-follow-up");
  // Anonymous: the round, and no time at all (docs/security.md, "Anonymity").
  CHECK_FALSE(row.as_object().contains("submitted_at"));
  CHECK_FALSE(row.as_object().contains("received_at"));
}

TEST_CASE("a publication altered on the collector's disk is ignored", "[integration][forms]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  const std::string sdir = server.dir().root.string();
  auto c = make_collector(tmp / "c", server.enroll("Port"));
  REQUIRE(server_cli(
              {"forms", "publish", "--data-dir", sdir, write_file(tmp, "v1.json", small_form("1"))})
              .code == 0);
  REQUIRE(c.sync({}).is_ok());
  REQUIRE((*c.library())->find("post-check", "1") != nullptr);
  // Someone edits the stored definition to drop the requirement.
  REQUIRE(c.store()
              .db()
              .exec("UPDATE forms SET definition = replace(definition, '\"required\":true', '')")
              .is_ok());
  auto reopened = collector::Collector::open(collector::DataDir{tmp / "c"});
  REQUIRE(reopened.is_ok());
  CHECK((*reopened->library())->find("post-check", "1") == nullptr);
  std::string answers = "{}";
  CHECK(reopened->submit("post-check", "1", answers).status().code() == StatusCode::kNotFound);
}

TEST_CASE("a form whose choice lists make its definition larger than 700 KiB reaches the collector",
          "[integration][forms]") {
  // A cascade as select_one_from_file gives it: 9,000 places, each in its
  // district, in two languages (about 1.1 MB of definition).
  std::string places;
  for (int i = 0; i < 9000; ++i) {
    places += std::string(i ? "," : "") + R"({"name": "p)" + std::to_string(i) +
              R"(", "label": {"en": "Place number )" + std::to_string(i) +
              R"(", "fr": "Lieu numéro )" + std::to_string(i) +
              R"("}, "filters": {"district": "d)" + std::to_string(i % 30) + R"("}})";
  }
  const std::string form =
      R"({"id": "places", "version": "1", "title": {"en": "Places", "fr": "Lieux"},
    "languages": ["en", "fr"], "lists": {"places": [)" +
      places + R"(],
      "districts": [{"name": "d7", "label": {"en": "Seven", "fr": "Sept"}}]},
    "list_sources": {"places": "places.csv"},
    "items": [{"type": "select_one", "name": "district", "list": "districts", "required": true},
              {"type": "select_one", "name": "place", "list": "places", "required": true,
               "choice_filter": "district = ${district}"}]})";
  REQUIRE(form.size() > 1000 * 1024);
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  const std::string sdir = server.dir().root.string();
  auto c = make_collector(tmp / "c", server.enroll("Border post"));
  auto pub =
      server_cli({"forms", "publish", "--data-dir", sdir, write_file(tmp, "places.json", form)});
  INFO(pub.err);
  REQUIRE(pub.code == 0);
  CHECK_THAT(pub.out, Catch::Contains("collectors older than sync subprotocol v3"));

  auto synced = c.sync({});
  INFO(synced.status().to_string());
  REQUIRE(synced.is_ok());
  REQUIRE(synced->forms_received.size() == 1);
  CHECK(synced->forms_refused.empty());
  // The cascade is checked at capture, offline: a place outside the district is refused.
  std::string wrong = R"({"district": "d7", "place": "p8"})";
  CHECK_FALSE(c.submit("places", "", wrong).is_ok());
  std::string right = R"({"district": "d7", "place": "p37"})";
  REQUIRE(c.submit("places", "", right).is_ok());
  REQUIRE(c.sync({})->accepted == 1);
  auto csv = server_cli({"export", "--data-dir", sdir, "--form", "places"});
  CHECK_THAT(csv.out, Catch::Contains(",d7,p37"));
}
