// Files that responses name (issue 18), as HQ takes them through the admin
// API: GET /api/v1/files/SHA256 over real HTTP to a running server that
// received them from a real collector in chunks, for the roles that may
// see the form's microdata only, audited, with headers that keep a hostile
// name or media type harmless; evidence files in the GEOAT report, the
// assessment list and the printable report for those roles and for no
// other; and the export download with its files in one zip.
#include <sodium.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fstream>

#include "admin_api.hpp"
#include "assessment_store.hpp"
#include "equitas/forms/file_answer.hpp"
#include "fixtures.hpp"
#include "http_body.hpp"
#include "sample_files.hpp"
#include "server_app.hpp"

using namespace equitas;
using namespace equitas::test;
namespace http = boost::beast::http;
namespace json = boost::json;

namespace {

// A scored form in the GEOAT's shape: an indicator, and beside it a file
// question for its evidence (p1_a_1_files), photos or PDFs.
constexpr const char* kForm = R"json({"id": "evidence-assessment", "version": "1",
  "title": {"en": "Evidence assessment", "fr": "Évaluation avec justificatifs", "ar": "تقييم مع الأدلة"},
  "languages": ["en", "fr", "ar"],
  "lists": {"status": [{"name": "0", "label": {"en": "Not in place"}, "points": 0},
                       {"name": "4", "label": {"en": "Fully in place"}, "points": 4}]},
  "items": [
    {"type": "text", "name": "admin_name", "label": {"en": "Administration"}},
    {"type": "group", "name": "p1_a", "label": {"en": "P1.A Pay"}, "items": [
      {"type": "select_one", "name": "p1_a_1", "list": "status", "label": {"en": "P1.A.1 Pay scales are published."},
       "score": {"principle": "P1", "element": "P1.A", "indicator": "P1.A.1"}},
      {"type": "file", "name": "p1_a_1_files", "label": {"en": "Evidence files (P1.A.1)"},
       "file": {"accept": ["image/*", "application/pdf"], "max_files": 5}}
    ]}
  ]})json";

ByteView view_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

struct Reply {
  http::status status;
  http::response<http::string_body> res;
  const std::string& body() const { return res.body(); }
  std::string header(std::string_view name) const { return std::string(res[name]); }
};

Reply get(unsigned short port, const std::string& target, const std::string& bearer = "") {
  namespace net = boost::asio;
  net::io_context ioc;
  net::ip::tcp::socket sock(ioc);
  sock.connect({net::ip::make_address("127.0.0.1"), port});
  http::request<http::string_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  if (!bearer.empty()) req.set(http::field::authorization, "Bearer " + bearer);
  http::write(sock, req);
  boost::beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  http::read(sock, buf, parser);
  auto res = parser.release();
  return {res.result(), std::move(res)};
}

// A server that holds a photo and a PDF one response named beside
// indicator P1.A.1, received from a real collector; a token per role.
struct Fixture {
  TempDir tmp;
  TestServer server{tmp / "server"};
  std::string photo = fake_jpeg(150 * 1024);  // 3 chunks
  std::string pdf = fake_pdf("the published pay scales, 2026");
  std::string photo_sha = sha256_hex(photo), pdf_sha = sha256_hex(pdf);
  std::map<std::string, std::string> tokens;
  std::optional<collector::Collector> c;

  Fixture() {
    server.start();
    const auto form = tmp / "form.json";
    std::ofstream(form) << kForm;
    auto pub =
        server_cli({"forms", "publish", "--data-dir", server.dir().root.string(), form.string()});
    INFO(pub.err);
    REQUIRE(pub.code == 0);
    c.emplace(make_collector(tmp / "collector", server.enroll("Land post")));
    REQUIRE(c->sync({}).is_ok());  // the form
    auto lib = c->library();
    REQUIRE(lib.is_ok());
    const auto f = (*lib)->current("evidence-assessment");
    REQUIRE(f != nullptr);
    auto a = c->capture_file(*f, "p1_a_1_files", view_of(photo), "salle d'allaitement.jpg");
    INFO(a.status().to_string());
    REQUIRE(a.is_ok());
    auto b = c->capture_file(*f, "p1_a_1_files", view_of(pdf), "pay-scales.pdf");
    REQUIRE(b.is_ok());
    std::string answers = R"({"admin_name": "Testland Customs", "p1_a_1": "4", "p1_a_1_files": )" +
                          json::serialize(forms::file_answer_json({*a, *b}, true)) + "}";
    auto sub = c->submit("evidence-assessment", "", answers);
    INFO(sub.status().to_string());
    REQUIRE(sub.is_ok());
    auto r = c->sync({});
    INFO(r.status().to_string());
    REQUIRE(r.is_ok());
    REQUIRE(r->accepted == 1);
    REQUIRE(r->files_sent == 2);
    auto store = server.open_store();
    for (auto role : {server::Role::kViewer, server::Role::kAnalyst, server::Role::kSteward,
                      server::Role::kAdmin}) {
      auto t = store.create_admin_token(std::string(server::role_name(role)), role, unix_now());
      REQUIRE(t.is_ok());
      tokens[std::string(server::role_name(role))] = *t;
    }
  }

  // The newest audit-log entries, newest first, as "actor action detail".
  std::vector<std::string> audit_tail(int n) const {
    auto store = server.open_store();
    auto st = store.db().prepare(
        "SELECT actor || ' ' || action || ' ' || detail FROM audit_log ORDER BY id DESC LIMIT ?1");
    REQUIRE(st.is_ok());
    st->bind(1, static_cast<std::int64_t>(n));
    std::vector<std::string> out;
    while (*st->step()) out.push_back(st->column_text(0));
    return out;
  }
  void sql(const std::string& statement) const {
    auto store = server.open_store();
    REQUIRE(store.db().exec(statement).is_ok());
  }
};

server::AdminRequest request(const std::string& target, const std::string& bearer) {
  server::AdminRequest req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1:8443");
  req.set(http::field::authorization, "Bearer " + bearer);
  return req;
}

}  // namespace

TEST_CASE(
    "a steward downloads a response's file over HTTP: decrypted and checked, an attachment with a "
    "safe name, audited",
    "[server][admin][files]") {
  Fixture f;
  const auto port = f.server.port();
  for (const char* role : {"steward", "admin"}) {
    INFO(role);
    const Reply photo = get(port, "/api/v1/files/" + f.photo_sha, f.tokens.at(role));
    REQUIRE(photo.status == http::status::ok);
    CHECK(photo.body() == f.photo);  // byte for byte, as captured
    CHECK(photo.header("Content-Type") == "image/jpeg");
    // The name as captured, in ASCII, and in full (UTF-8, percent-encoded) in filename*.
    CHECK(photo.header("Content-Disposition") ==
          "attachment; filename=\"salle_d_allaitement.jpg\"; "
          "filename*=UTF-8''salle%20d%27allaitement.jpg");
    CHECK(photo.header("X-Content-Type-Options") == "nosniff");
    CHECK(photo.header("Cache-Control") == "no-store");
    CHECK_THAT(photo.header("Content-Security-Policy"),
               Catch::Contains("sandbox") && Catch::Contains("default-src 'none'"));
    CHECK_THAT(
        f.audit_tail(1).front(),
        Catch::StartsWith("token:" + std::string(role) + " file.download sha256=" + f.photo_sha +
                          " form=evidence-assessment name=salle d'allaitement.jpg bytes=" +
                          std::to_string(f.photo.size())) &&
            Catch::EndsWith("peer=127.0.0.1"));
  }
  const Reply pdf = get(port, "/api/v1/files/" + f.pdf_sha, f.tokens.at("steward"));
  REQUIRE(pdf.status == http::status::ok);
  CHECK(pdf.body() == f.pdf);
  CHECK(pdf.header("Content-Type") == "application/pdf");
  CHECK(pdf.header("Content-Disposition") == "attachment; filename=\"pay-scales.pdf\"");
  // Upper-case hex names the same file.
  std::string upper = f.pdf_sha;
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  CHECK(get(port, "/api/v1/files/" + upper, f.tokens.at("steward")).body() == f.pdf);
}

TEST_CASE(
    "a file is refused below steward and without a token, and unknown or malformed names get 404 "
    "and 400",
    "[server][admin][files][roles]") {
  Fixture f;
  const auto port = f.server.port();
  const std::string path = "/api/v1/files/" + f.photo_sha;
  CHECK(get(port, path).status == http::status::unauthorized);
  for (const char* role : {"viewer", "analyst"}) {
    INFO(role);
    const Reply r = get(port, path, f.tokens.at(role));
    CHECK(r.status == http::status::forbidden);
    CHECK_THAT(r.body(), Catch::Contains("role steward") &&
                             Catch::Contains(std::string("this one is ") + role));
    CHECK(r.body().find(f.photo.substr(0, 64)) == std::string::npos);
    CHECK(f.audit_tail(1).front() == "token:" + std::string(role) + " api.forbidden role=" + role +
                                         " path=" + path + " peer=127.0.0.1");
  }
  // Refused before anything is looked up: a viewer learns nothing of which files exist.
  CHECK(get(port, "/api/v1/files/" + std::string(64, '0'), f.tokens.at("viewer")).status ==
        http::status::forbidden);
  const Reply unknown = get(port, "/api/v1/files/" + std::string(64, '0'), f.tokens.at("steward"));
  CHECK(unknown.status == http::status::not_found);
  CHECK_THAT(unknown.body(), Catch::Contains("no response on this server names"));
  for (const std::string& bad : std::vector<std::string>{"abc", std::string(63, 'a') + "g",
                                                         std::string(66, 'a'), "../server.key"}) {
    INFO(bad);
    CHECK(get(port, "/api/v1/files/" + bad, f.tokens.at("steward")).status ==
          http::status::bad_request);
  }
  // A file a response names that has not arrived yet (its blob and record
  // gone here, as before the post's next sync): 404 that says so.
  f.sql("DELETE FROM file_blobs WHERE sha256 = x'" + f.pdf_sha + "'");
  const Reply later = get(port, "/api/v1/files/" + f.pdf_sha, f.tokens.at("steward"));
  CHECK(later.status == http::status::not_found);
  CHECK_THAT(later.body(),
             Catch::Contains("does not hold the file") && Catch::Contains("next sync"));
  // None of these was a download.
  for (const auto& line : f.audit_tail(20)) CHECK(line.find("file.download") == std::string::npos);
}

TEST_CASE("a hostile name and media type from a device are served as a harmless attachment",
          "[server][admin][files][security]") {
  Fixture f;
  // What a modified collector could have signed: a name with quotes, a
  // line break and a path, and a media type that would render as a page.
  f.sql(
      "UPDATE files SET name = 'x\"; filename=evil.html' || char(13) || char(10) || "
      "'Set-Cookie: eq_dash=1/../../<script>.html', media_type = 'text/html; charset=utf-8' "
      "WHERE sha256 = x'" +
      f.pdf_sha + "'");
  const Reply r = get(f.server.port(), "/api/v1/files/" + f.pdf_sha, f.tokens.at("steward"));
  REQUIRE(r.status == http::status::ok);
  CHECK(r.body() == f.pdf);
  CHECK(r.header("Content-Type") == "application/octet-stream");
  CHECK(r.header("Set-Cookie").empty());
  const std::string cd = r.header("Content-Disposition");
  CHECK_THAT(cd, Catch::StartsWith("attachment; filename=\"_script_.html\"; filename*=UTF-8''"));
  CHECK(cd.find('\r') == std::string::npos);
  CHECK(cd.find('\n') == std::string::npos);
  CHECK(std::count(cd.begin(), cd.end(), '"') == 2);
  CHECK(r.header("X-Content-Type-Options") == "nosniff");
  CHECK_THAT(r.header("Content-Security-Policy"), Catch::Contains("sandbox"));
}

TEST_CASE("a file that an anonymous form's response names is never served, whatever the role",
          "[server][admin][files][anonymity]") {
  Fixture f;
  // Anonymous forms cannot ask for files; the server checks the form anyway.
  std::string climate_version;
  {
    auto app = server::ServerApp::open(f.server.dir());
    REQUIRE(app.is_ok());
    auto forms = app->forms();
    REQUIRE(forms.is_ok());
    const auto climate = (*forms)->library().current("staff-climate");
    REQUIRE(climate != nullptr);
    REQUIRE(climate->anonymous);
    climate_version = climate->version;
  }
  f.sql("UPDATE submissions SET form_id = 'staff-climate', form_version = '" + climate_version +
        "'");
  for (const char* role : {"steward", "admin"}) {
    const Reply r = get(f.server.port(), "/api/v1/files/" + f.photo_sha, f.tokens.at(role));
    CHECK(r.status == http::status::forbidden);
    CHECK_THAT(r.body(), Catch::Contains("anonymous"));
    CHECK(r.body().find(f.photo.substr(4, 32)) == std::string::npos);
    CHECK_THAT(f.audit_tail(1).front(),
               Catch::Contains("api.forbidden") && Catch::Contains("form=staff-climate"));
  }
}

TEST_CASE("the GEOAT report lists evidence files for stewards and admins only",
          "[server][admin][files][report]") {
  Fixture f;
  const auto port = f.server.port();
  const std::string path = "/api/v1/reports/evidence-assessment";
  for (const char* role : {"steward", "admin"}) {
    INFO(role);
    const Reply r = get(port, path, f.tokens.at(role));
    REQUIRE(r.status == http::status::ok);
    const auto report = json::parse(r.body()).as_object();
    const auto& admin =
        report.at("periods").at(0).at("geoat").at("administrations").at(0).as_object();
    CHECK(admin.at("administration") == "Testland Customs");
    const auto& files = admin.at("evidence_files").as_array();
    REQUIRE(files.size() == 2);
    const auto& photo = files.at(0).as_object();
    CHECK(photo.at("indicator") == "P1.A.1");
    CHECK(photo.at("question") == "p1_a_1_files");
    CHECK(photo.at("label") == "Evidence files (P1.A.1)");
    CHECK(photo.at("sha256").as_string() == f.photo_sha);
    CHECK(photo.at("name") == "salle d'allaitement.jpg");
    CHECK(photo.at("type") == "image/jpeg");
    CHECK(photo.at("size").as_int64() == static_cast<std::int64_t>(f.photo.size()));
    CHECK(photo.at("held") == true);
    CHECK(photo.at("submission_id").as_string().size() == 32);
    CHECK(files.at(1).at("name") == "pay-scales.pdf");
  }
  for (const char* role : {"viewer", "analyst"}) {
    INFO(role);
    const Reply r = get(port, path, f.tokens.at(role));
    REQUIRE(r.status == http::status::ok);
    CHECK(r.body().find("evidence_files") == std::string::npos);
    CHECK(r.body().find(f.photo_sha) == std::string::npos);
    CHECK(r.body().find("allaitement") == std::string::npos);
  }
}

TEST_CASE(
    "team assessments: evidence files in the list and the printable report for stewards only, with "
    "links and thumbnails",
    "[server][admin][files][assessment]") {
  Fixture f;
  std::string id;
  {
    // A contribution naming the two files, as ingest stores it (without keys).
    auto app = server::ServerApp::open(f.server.dir());
    REQUIRE(app.is_ok());
    REQUIRE(app->add_administration("TL", "Testland Customs", "cli").is_ok());
    auto made = app->create_assessment("evidence-assessment", "2026-review", "TL", "cli");
    REQUIRE(made.is_ok());
    id = *made;
    auto st = app->store().db().prepare("SELECT answers FROM submissions");
    REQUIRE(st.is_ok());
    REQUIRE(*st->step());
    const auto stored = json::parse(st->column_text(0)).as_object();
    server::AssessmentStore assessments(app->store().db());
    auto a = assessments.find_assessment(id);
    REQUIRE(a.is_ok());
    REQUIRE(*a);
    ResponsePayload p;
    p.answers["p1_a_1"] = "4";
    p.answers["p1_a_1_files"] = stored.at("p1_a_1_files");
    p.submitted_at = "2026-12-01T10:00:00Z";
    p.contribution = ContributionMeta{id, "hr", 0, ""};
    REQUIRE(assessments
                .apply_event(**a,
                             server::contribution_event(SubmissionId::random(), DeviceId::random(),
                                                        "Land post", p, nullptr),
                             std::nullopt)
                .is_ok());
  }
  auto api = server::AdminApi::open(f.server.dir());
  REQUIRE(api.is_ok());
  auto call = [&](const std::string& target, const std::string& role) {
    return (*api)->handle(request(target, f.tokens.at(role)), "127.0.0.1");
  };
  // The list.
  {
    auto steward = call("/api/v1/assessments", "steward");
    REQUIRE(steward.text.result() == http::status::ok);
    const json::value list = json::parse(steward.text.body());
    const auto& files = list.at("assessments").at(0).at("evidence_files").as_array();
    REQUIRE(files.size() == 2);
    CHECK(files.at(0).at("indicator") == "P1.A.1");
    CHECK(files.at(0).at("sha256").as_string() == f.photo_sha);
    CHECK(files.at(1).at("held") == true);
    auto viewer = call("/api/v1/assessments", "viewer");
    REQUIRE(viewer.text.result() == http::status::ok);
    CHECK(viewer.text.body().find("evidence_files") == std::string::npos);
    CHECK(viewer.text.body().find(f.photo_sha) == std::string::npos);
  }
  // The printable report.
  const std::string report = "/api/v1/assessments/" + id + "/report";
  {
    auto r = call(report, "steward");
    REQUIRE(r.text.result() == http::status::ok);
    const std::string& html = r.text.body();
    CHECK_THAT(html, Catch::Contains("<h2>Evidence files</h2>"));
    CHECK_THAT(html, Catch::Contains("<a href=\"/api/v1/files/" + f.photo_sha +
                                     "\" download><bdi>salle d&#39;allaitement.jpg</bdi></a>"));
    CHECK_THAT(html,
               Catch::Contains("<img class=\"thumb\" src=\"/api/v1/files/" + f.photo_sha + "\""));
    // A thumbnail for the image only.
    CHECK_THAT(html, Catch::Contains("<a href=\"/api/v1/files/" + f.pdf_sha + "\" download>"));
    CHECK(html.find("src=\"/api/v1/files/" + f.pdf_sha) == std::string::npos);
    CHECK_THAT(html, Catch::Contains("150.0</bdi> KB"));
    CHECK_THAT(std::string(r.text["Content-Security-Policy"]),
               Catch::Contains("img-src 'self' data:"));
    auto ar = call(report + "?lang=ar", "admin");
    REQUIRE(ar.text.result() == http::status::ok);
    CHECK_THAT(ar.text.body(), Catch::Contains("ملفات الأدلة") && Catch::Contains("كيلوبايت") &&
                                   Catch::Contains("dir=\"rtl\""));
  }
  for (const char* role : {"viewer", "analyst"}) {
    INFO(role);
    auto r = call(report, role);
    REQUIRE(r.text.result() == http::status::ok);
    CHECK(r.text.body().find("Evidence files") == std::string::npos);
    CHECK(r.text.body().find("/api/v1/files/") == std::string::npos);
    CHECK(r.text.body().find("allaitement") == std::string::npos);
    CHECK_THAT(std::string(r.text["Content-Security-Policy"]), Catch::Contains("img-src data:;"));
  }
  // A file not on the server yet is named, without a link.
  f.sql("DELETE FROM file_blobs WHERE sha256 = x'" + f.pdf_sha + "'");
  auto later = call(report, "steward");
  CHECK_THAT(
      later.text.body(),
      Catch::Contains("<bdi>pay-scales.pdf</bdi> <span class=\"muted\">(not on the server yet"));
  CHECK(later.text.body().find("href=\"/api/v1/files/" + f.pdf_sha) == std::string::npos);
}

TEST_CASE("the export download with_files=1 is one zip of the data and the files, for stewards",
          "[server][admin][files][export]") {
  Fixture f;
  auto api = server::AdminApi::open(f.server.dir());
  REQUIRE(api.is_ok());
  auto call = [&](const std::string& target, const std::string& role) {
    return (*api)->handle(request(target, f.tokens.at(role)), "127.0.0.1");
  };
  auto r = call("/api/v1/exports/evidence-assessment?format=csv&with_files=1", "steward");
  REQUIRE(r.file.has_value());
  CHECK(r.file->result() == http::status::ok);
  CHECK(std::string((*r.file)[http::field::content_type]) == "application/zip");
  CHECK(std::string((*r.file)[http::field::content_disposition]) ==
        "attachment; filename=\"evidence-assessment.zip\"");
  CHECK(std::string((*r.file)["X-Equitas-Rows"]) == "1");
  CHECK(std::string((*r.file)["X-Equitas-Files"]) == "2");
  CHECK(std::string((*r.file)["X-Equitas-Files-Missing"]) == "0");
  const auto entries = read_zip_bytes(read_body(r.file->body()));
  REQUIRE(entries.count("files/" + f.photo_sha + ".jpg") == 1);
  CHECK(entries.at("files/" + f.photo_sha + ".jpg") == f.photo);
  CHECK(entries.at("files/" + f.pdf_sha + ".pdf") == f.pdf);
  REQUIRE(entries.count("evidence-assessment.csv") == 1);
  CHECK_THAT(entries.at("evidence-assessment.csv"),
             Catch::Contains("files/" + f.photo_sha + ".jpg"));
  CHECK_THAT(f.audit_tail(1).front(),
             Catch::StartsWith("token:steward export.files evidence-assessment: 2 files"));
  // Nothing decrypted stays in the data folder.
  for (const auto& e : std::filesystem::directory_iterator(f.server.dir().root)) {
    const std::string name = e.path().filename().string();
    CHECK(name.rfind("download-", 0) != 0);
    CHECK(name.rfind(".equitas-export-", 0) != 0);
  }
  // The same role as the form's data; a form without files has none to add.
  auto analyst = call("/api/v1/exports/evidence-assessment?format=csv&with_files=1", "analyst");
  CHECK(analyst.text.result() == http::status::forbidden);
  auto climate = call("/api/v1/exports/staff-climate?format=csv&with_files=1", "admin");
  CHECK(climate.text.result() == http::status::bad_request);
  // The forms list says which forms have files.
  const json::value forms = json::parse(call("/api/v1/forms", "viewer").text.body());
  std::map<std::string, bool> files;
  for (const auto& x : forms.at("forms").as_array())
    files[std::string(x.at("id").as_string())] = x.at("files").as_bool();
  CHECK(files.at("evidence-assessment"));
  CHECK_FALSE(files.at("staff-climate"));
}
