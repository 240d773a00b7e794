// The collector's web API, called as the HTTP server calls it, on a real
// enrolled collector with its real SQLite file. The browser tests in
// tests/browser drive the same API through Chromium.
#include "web/web_api.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fstream>

#include "equitas/util/qr_svg.hpp"
#include "fixtures.hpp"
#include "web/admin_auth.hpp"
#include "web/drafts.hpp"

using namespace equitas;
using namespace equitas::collector;
namespace json = boost::json;

namespace {

constexpr const char* kPin = "test-pin-8642";

struct Fixture {
  std::vector<std::string> lan_urls_seen;  // before `api`: filled while it is built
  test::TempDir tmp;
  test::TestServer server{tmp.path() / "server"};
  Collector collector;
  SyncRunner sync;
  WebApi api;
  std::map<std::string, std::string> cookies;  // what a browser would keep
  std::string page_half;  // the draft key half the page keeps in sessionStorage
  std::string host = "127.0.0.1:8080";
  std::string peer;  // the client's address; empty: the server's default

  explicit Fixture(WebOptions options = {})
      : collector(
            test::make_collector(tmp.path() / "c", server.enroll("Post A", "ws://127.0.0.1:9"))),
        sync(DataDir{tmp.path() / "c"}, std::chrono::seconds(0)),
        api(collector, sync, with_dir(std::move(options))) {
    REQUIRE(set_admin_pin(collector.store(), kPin, std::nullopt).is_ok());
    api.set_addresses({"127.0.0.1:8080", "localhost:8080", "192.168.1.20:8080"}, lan_urls_seen);
  }
  WebOptions with_dir(WebOptions o) {
    o.dir = DataDir{tmp.path() / "c"};
    lan_urls_seen = o.lan_urls;
    return o;
  }

  HttpResponse call(http::verb verb, const std::string& target, const std::string& body = "",
                    bool loopback = true, const std::string& origin = "") {
    HttpRequest req{verb, target, 11};
    req.set(http::field::host, host);
    if (!page_half.empty()) req.set("X-Draft-Key", page_half);
    if (!origin.empty()) req.set(http::field::origin, origin);
    if (!body.empty() || verb == http::verb::post || verb == http::verb::put) {
      req.set(http::field::content_type, "application/json");
      req.body() = body.empty() ? "{}" : body;
    }
    std::string cookie;
    for (const auto& [k, v] : cookies) cookie += (cookie.empty() ? "" : "; ") + k + "=" + v;
    if (!cookie.empty()) req.set(http::field::cookie, cookie);
    req.prepare_payload();
    HttpResponse res = api.handle(req, loopback, peer);
    for (auto it = res.find(http::field::set_cookie);
         it != res.end() && it->name() == http::field::set_cookie; ++it) {
      std::string c(it->value());
      const auto eq = c.find('=');
      const auto semi = c.find(';');
      const std::string name = c.substr(0, eq), value = c.substr(eq + 1, semi - eq - 1);
      if (c.find("Max-Age=0") != std::string::npos)
        cookies.erase(name);
      else
        cookies[name] = value;
    }
    if (res.result() == http::status::ok && res[http::field::content_type] == "application/json") {
      auto v = json::parse(res.body());
      if (v.is_object() && v.as_object().contains("key"))
        page_half = v.as_object()["key"].as_string().c_str();
    }
    return res;
  }
  json::object json_of(const HttpResponse& res) { return json::parse(res.body()).as_object(); }
  json::object start(const std::string& form, const std::string& lang = "en") {
    // A team assessment form (the GEOAT) starts from the admin page only.
    const bool team = form == "geoat-2023";
    if (team && cookies.count("eq_admin") == 0) {
      REQUIRE(
          call(http::verb::post, "/api/v1/admin/login", std::string(R"({"pin":")") + kPin + "\"}")
              .result() == http::status::ok);
    }
    auto res = call(http::verb::post, team ? "/api/v1/admin/team-draft" : "/api/v1/draft",
                    R"({"form":")" + form + R"(","lang":")" + lang + R"("})");
    REQUIRE(res.result() == http::status::ok);
    return json_of(res);
  }
  json::object save(const std::string& answers, bool check = false) {
    auto res = call(http::verb::put, "/api/v1/draft",
                    R"({"answers":)" + answers + (check ? R"(,"check":true})" : "}"));
    REQUIRE(res.result() == http::status::ok);
    return json_of(res);
  }
  std::string db_bytes() {
    std::string all;
    for (const char* f : {"collector.db", "collector.db-wal"}) {
      std::ifstream in(tmp.path() / "c" / f, std::ios::binary);
      all.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return all;
  }
};

// A respondent's own phone: the only mode in which the API gives an
// anonymous draft's answers back (see DeviceMode).
WebOptions personal() {
  WebOptions o;
  o.mode = DeviceMode::kPersonal;
  return o;
}

}  // namespace

TEST_CASE("the page and its assets come from the binary, never cached, under a strict CSP",
          "[web]") {
  Fixture f;
  for (const char* path : {"/", "/app.js", "/app.css", "/admin", "/team", "/geo.js", "/scan.js",
                           "/team.js", "/team.css"}) {
    auto res = f.call(http::verb::get, path);
    CHECK(res.result() == http::status::ok);
    CHECK(res[http::field::cache_control] == "no-store");
    CHECK(std::string(res["Content-Security-Policy"]).find("default-src 'none'") !=
          std::string::npos);
  }
  auto page = f.call(http::verb::get, "/");
  auto js = f.call(http::verb::get, "/app.js");
  auto css = f.call(http::verb::get, "/app.css");
  // The first page, everything it loads included, stays under 100 KB (geo.js
  // and scan.js are fetched only for a form with a question they draw,
  // team.js and team.css only on the admin and team pages).
  CHECK(page.body().size() + js.body().size() + css.body().size() < 100 * 1024);
  for (const char* lazy : {"team.js", "team.css", "geo.js", "scan.js"})
    CHECK(page.body().find(lazy) == std::string::npos);
  CHECK(f.call(http::verb::get, "/nothing-here").result() == http::status::not_found);
}

TEST_CASE("a draft is saved encrypted after every change and read back with the browser's key",
          "[web]") {
  Fixture f(personal());
  f.start("staff-climate", "fr");
  REQUIRE(f.cookies.count("eq_draft") == 1);
  const std::string canary = "CANARY-draft-at-rest-91c2";
  f.save(R"({"consent_ack":true,"comment":")" + canary + R"("})");
  CHECK(f.db_bytes().find(canary) == std::string::npos);

  auto got = f.json_of(f.call(http::verb::get, "/api/v1/draft"));
  CHECK(got["answers"].as_object()["comment"].as_string() == canary);
  CHECK(got["lang"].as_string() == "fr");

  SECTION("a wrong key opens nothing and changes nothing") {
    auto token = f.cookies["eq_draft"];
    char& c = token[token.size() - 10];
    c = c == 'A' ? 'B' : 'A';
    f.cookies["eq_draft"] = token;
    CHECK(f.call(http::verb::get, "/api/v1/draft").result() == http::status::forbidden);
    CHECK(f.call(http::verb::put, "/api/v1/draft", R"({"answers":{}})").result() ==
          http::status::forbidden);
  }
  SECTION("another draft's ciphertext does not open under this id") {
    auto first = f.cookies["eq_draft"];
    auto first_half = f.page_half;
    CHECK(f.call(http::verb::get, "/api/v1/draft").result() == http::status::ok);
    f.start("staff-climate");
    auto second = f.cookies["eq_draft"];
    // Swap the stored ciphertexts: the associated data binds each to its row.
    auto& db = f.collector.store().db();
    REQUIRE(db.exec("UPDATE drafts SET ciphertext = (SELECT ciphertext FROM drafts d2 WHERE d2.id "
                    "<> drafts.id)")
                .is_ok());
    f.cookies["eq_draft"] = first;
    f.page_half = first_half;
    CHECK(f.call(http::verb::get, "/api/v1/draft").result() == http::status::forbidden);
  }
}

TEST_CASE("hidden answers stay in the draft but are never sealed", "[web]") {
  Fixture f(personal());
  f.start("staff-climate");
  auto v = f.save(
      R"({"consent_ack":true,"h_remarks":"once","harass_reported":"yes","harass_channel":["hr"]})");
  CHECK_FALSE(v["items"].as_object().contains("harass_channel"));  // relevant, no error
  // A misclick on the branch: the follow-ups hide, and their answers wait.
  v = f.save(
      R"({"consent_ack":true,"h_remarks":"never","harass_reported":"yes","harass_channel":["hr"]})",
      true);
  CHECK(v["items"].as_object()["harass_reported"].as_object()["relevant"] == false);
  CHECK(v["check"].as_array().empty());  // the check drops hidden answers before judging
  auto stored = f.json_of(f.call(http::verb::get, "/api/v1/draft"))["answers"].as_object();
  CHECK(stored["harass_reported"].as_string() == "yes");
  // Submitted as they stand: sealed without the hidden answers, accepted.
  REQUIRE(f.call(http::verb::post, "/api/v1/draft/submit").result() == http::status::ok);
  CHECK(f.collector.status()->counts.pending == 1);
}

TEST_CASE("the cookie alone does not reopen a draft: the page's half of the key is needed",
          "[web]") {
  Fixture f(personal());
  f.start("staff-climate");
  f.save(R"({"comment":"left on the phone"})");
  const std::string half = f.page_half;
  f.page_half.clear();  // the page lost its half (cleared site data)
  CHECK(f.call(http::verb::get, "/api/v1/draft").result() == http::status::not_found);
  f.page_half = half;
  CHECK(f.call(http::verb::get, "/api/v1/draft").result() == http::status::ok);
}

TEST_CASE(
    "kiosk: a page that asks for an anonymous draft back gets nothing, and the draft is erased",
    "[web][kiosk]") {
  Fixture f;  // kiosk is the default
  const std::string canary = "CANARY-kiosk-handover-5d1e";
  f.start("staff-climate");
  f.save(R"({"consent_ack":true,"dem_sex":"female","comment":")" + canary + R"("})");
  DraftStore drafts(f.collector.store().db());
  REQUIRE(*drafts.count() == 1);

  SECTION("the next officer reloads: the page has no half of the key") { f.page_half.clear(); }
  SECTION("even with both halves, as the same tab would have them") {}

  auto res = f.call(http::verb::get, "/api/v1/draft");
  CHECK(res.result() == http::status::not_found);
  CHECK(res.body().find(canary) == std::string::npos);
  CHECK(f.json_of(res)["wiped"] == true);
  CHECK(f.cookies.count("eq_draft") == 0);
  CHECK(*drafts.count() == 0);  // erased on the collector, not only forgotten by the page
  // Nothing is left to save to, submit or ask for again.
  CHECK(f.call(http::verb::put, "/api/v1/draft", R"({"answers":{}})").result() ==
        http::status::not_found);
  CHECK(f.call(http::verb::post, "/api/v1/draft/submit").result() == http::status::not_found);
  CHECK(f.call(http::verb::get, "/api/v1/draft").result() == http::status::not_found);
  CHECK(f.collector.status()->counts.pending == 0);
}

TEST_CASE("kiosk: the page's wipe at the end of the countdown deletes the draft", "[web][kiosk]") {
  Fixture f;
  f.start("integrity-perception", "ar");
  f.save(R"({"consent_ack":true})");
  REQUIRE(f.call(http::verb::delete_, "/api/v1/draft").result() == http::status::ok);
  CHECK(*DraftStore(f.collector.store().db()).count() == 0);
  CHECK(f.cookies.count("eq_draft") == 0);
}

TEST_CASE("kiosk: the GEOAT team's draft is not erased, and the admin still resumes it",
          "[web][kiosk]") {
  Fixture f;
  f.start("geoat-2023");
  f.save(R"({"admin_name":"Customs of Somewhere"})");
  // The team's page reloads with its half (sessionStorage): it gets the draft back.
  auto got = f.call(http::verb::get, "/api/v1/draft");
  REQUIRE(got.result() == http::status::ok);
  CHECK(f.json_of(got)["answers"].as_object()["admin_name"] == "Customs of Somewhere");
  // Another tab without the half gets nothing, and the draft stays for the admin.
  f.page_half.clear();
  CHECK(f.call(http::verb::get, "/api/v1/draft").result() == http::status::not_found);
  CHECK(*DraftStore(f.collector.store().db()).count() == 1);
}

TEST_CASE("the device mode reaches the page, and a personal phone keeps its draft cookie",
          "[web][kiosk]") {
  SECTION("kiosk") {
    WebOptions o;
    o.anonymous_idle = std::chrono::seconds(90);
    o.idle_countdown = std::chrono::seconds(20);
    Fixture f(o);
    auto forms = f.json_of(f.call(http::verb::get, "/api/v1/forms"));
    CHECK(forms["mode"] == "kiosk");
    CHECK(forms["anonymous_idle_seconds"] == 90);
    CHECK(forms["idle_countdown_seconds"] == 20);
    auto res = f.call(http::verb::post, "/api/v1/draft", R"({"form":"staff-climate"})");
    // A session cookie: it dies with the kiosk's browser.
    CHECK(std::string(res[http::field::set_cookie]).find("Max-Age") == std::string::npos);
  }
  SECTION("personal") {
    Fixture f(personal());
    CHECK(f.json_of(f.call(http::verb::get, "/api/v1/forms"))["mode"] == "personal");
    auto res = f.call(http::verb::post, "/api/v1/draft", R"({"form":"staff-climate"})");
    CHECK_THAT(std::string(res[http::field::set_cookie]),
               Catch::Contains("Max-Age=" + std::to_string(draft_limits::kPersonalExpiry.count())));
    // Each save starts the day again, for the cookie as for the draft.
    auto saved = f.call(http::verb::put, "/api/v1/draft", R"({"answers":{"consent_ack":true}})");
    CHECK_THAT(std::string(saved[http::field::set_cookie]),
               Catch::Contains("Max-Age=" + std::to_string(draft_limits::kPersonalExpiry.count())));
    CHECK(std::string(saved[http::field::set_cookie]).find(f.cookies["eq_draft"]) !=
          std::string::npos);
    auto got = f.json_of(f.call(http::verb::get, "/api/v1/draft"));
    CHECK(got["mode"] == "personal");
    CHECK(got["anonymous"] == true);
  }
  CHECK(parse_device_mode("kiosk") == DeviceMode::kKiosk);
  CHECK(parse_device_mode("personal") == DeviceMode::kPersonal);
  CHECK_FALSE(parse_device_mode("shared"));
}

TEST_CASE("personal: an anonymous draft is not wiped at the kiosk's idle timeout, only after a day",
          "[web][kiosk]") {
  ManualClock clock(unix_now());
  WebOptions o = personal();
  o.anonymous_idle = std::chrono::seconds(60);
  o.clock = &clock;
  Fixture f(o);
  f.start("staff-climate");
  f.save(R"({"consent_ack":true})");
  DraftStore drafts(f.collector.store().db());
  clock.advance(3 * 3600);  // a long phone call
  f.api.tick();
  CHECK(*drafts.count() == 1);
  CHECK(f.call(http::verb::get, "/api/v1/draft").result() == http::status::ok);
  clock.advance(draft_limits::kPersonalExpiry.count() + 1);
  f.api.tick();
  CHECK(*drafts.count() == 0);
}

TEST_CASE("submit seals the response, deletes the draft and forgets the key", "[web]") {
  Fixture f;
  f.start("staff-climate", "fr");
  f.save(R"({"consent_ack":true,"dem_sex":"female","eng_proud":"9"})");
  SECTION("invalid answers are refused with every error, in French, and nothing is stored") {
    auto res = f.call(http::verb::post, "/api/v1/draft/submit");
    CHECK(res.result() == http::status::unprocessable_entity);
    auto errors = f.json_of(res)["errors"].as_array();
    REQUIRE(errors.size() >= 1);
    CHECK(errors[0].as_object()["path"].as_string() == "eng_proud");
    CHECK(std::string(errors[0].as_object()["message"].as_string()).find("choix") !=
          std::string::npos);
    CHECK(f.collector.status()->counts.pending == 0);
    CHECK(f.cookies.count("eq_draft") == 1);
  }
  SECTION("valid answers become one pending submission") {
    f.save(R"({"consent_ack":true,"dem_sex":"female","eng_proud":"4"})");
    auto res = f.call(http::verb::post, "/api/v1/draft/submit");
    REQUIRE(res.result() == http::status::ok);
    // staff-climate is anonymous: no reference that ties her to the stored row.
    CHECK_FALSE(f.json_of(res).contains("reference"));
    CHECK(f.collector.status()->counts.pending == 1);
    CHECK(f.cookies.count("eq_draft") == 0);
    CHECK(*DraftStore(f.collector.store().db()).count() == 0);
    CHECK(f.call(http::verb::post, "/api/v1/draft/submit").result() == http::status::not_found);
  }
}

TEST_CASE("anonymous drafts expire after the idle timeout, GEOAT drafts much later", "[web]") {
  ManualClock clock(unix_now());
  WebOptions o;
  o.anonymous_idle = std::chrono::seconds(0);
  o.clock = &clock;
  Fixture f(o);
  f.start("staff-climate");
  const auto anon = f.cookies["eq_draft"];
  const auto anon_half = f.page_half;
  f.start("geoat-2023");
  DraftStore drafts(f.collector.store().db());
  REQUIRE(*drafts.count() == 2);
  // Past the idle timeout and the grace the collector allows after it.
  REQUIRE(
      f.collector.store().db().exec("UPDATE drafts SET updated_at = updated_at - 1000").is_ok());
  f.api.tick();
  CHECK(*drafts.count() == 1);
  f.cookies["eq_draft"] = anon;
  f.page_half = anon_half;
  CHECK(f.call(http::verb::get, "/api/v1/draft").result() == http::status::not_found);
  CHECK(f.cookies.count("eq_draft") == 0);  // the stale cookie is cleared

  // The GEOAT draft goes 30 days after its last change, not before.
  const std::int64_t geoat_saved = clock.now();
  clock.set(geoat_saved + draft_limits::kResumableExpiry.count() - 1000);
  f.api.tick();
  CHECK(*drafts.count() == 1);
  clock.set(geoat_saved + draft_limits::kResumableExpiry.count() + 1);
  f.api.tick();
  CHECK(*drafts.count() == 0);
}

TEST_CASE("the expiry of resumable drafts is an option", "[web]") {
  ManualClock clock(unix_now());
  WebOptions o;
  o.resumable_expiry = std::chrono::hours(1);
  o.clock = &clock;
  Fixture f(o);
  f.start("geoat-2023");
  f.save(R"({"admin_name":"Customs of Somewhere"})");
  DraftStore drafts(f.collector.store().db());
  clock.advance(3000);
  f.api.tick();
  CHECK(*drafts.count() == 1);
  f.save(R"({"admin_name":"Customs of Elsewhere"})");  // a change restarts the count
  clock.advance(3000);
  f.api.tick();
  CHECK(*drafts.count() == 1);
  clock.advance(700);
  f.api.tick();
  CHECK(*drafts.count() == 0);
}

TEST_CASE("one draft's size is capped, with a plain message in the respondent's language",
          "[web][quota]") {
  Fixture f;
  f.start("geoat-2023", "fr");
  const std::string big(draft_limits::kMaxDraftBytes, 'x');
  auto res =
      f.call(http::verb::put, "/api/v1/draft", R"({"answers":{"admin_name":")" + big + R"("}})");
  CHECK(res.result() == http::status::payload_too_large);
  CHECK_THAT(std::string(f.json_of(res)["error"].as_string()), Catch::Contains("trop longue"));
  // Just under the cap is fine.
  f.save(R"({"admin_name":")" + std::string(draft_limits::kMaxDraftBytes - 100, 'y') + R"("})");
}

TEST_CASE("open drafts and their total bytes are capped per post", "[web][quota]") {
  Fixture f;
  auto& db = f.collector.store().db();
  SECTION("too many open drafts") {
    // Filled directly: the rate limit would stop one client well before.
    REQUIRE(db.exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
                    std::to_string(draft_limits::kMaxOpenDrafts) +
                    ") INSERT INTO drafts (id, form_id, form_version, anonymous, lang, created_at, "
                    "updated_at, "
                    "ciphertext) SELECT randomblob(16), 'staff-climate', '1', 1, 'en', 0, "
                    "unixepoch(), x'00' "
                    "FROM n")
                .is_ok());
    auto res = f.call(http::verb::post, "/api/v1/draft", R"({"form":"staff-climate","lang":"es"})");
    CHECK(res.result() == http::status::service_unavailable);
    CHECK_THAT(std::string(f.json_of(res)["error"].as_string()),
               Catch::Contains("demasiadas respuestas"));
    REQUIRE(
        db.exec("DELETE FROM drafts WHERE rowid IN (SELECT rowid FROM drafts LIMIT 1)").is_ok());
    CHECK(f.call(http::verb::post, "/api/v1/draft", R"({"form":"staff-climate"})").result() ==
          http::status::ok);
  }
  SECTION("too many bytes in all") {
    f.start("geoat-2023");
    f.save(R"({"admin_name":"small"})");
    REQUIRE(db.exec("INSERT INTO drafts (id, form_id, form_version, anonymous, lang, created_at, "
                    "updated_at, "
                    "ciphertext) VALUES (randomblob(16), 'staff-climate', '1', 1, 'en', 0, "
                    "unixepoch(), zeroblob(" +
                    std::to_string(draft_limits::kMaxTotalBytes - 100 * 1024) + "))")
                .is_ok());
    auto res = f.call(http::verb::put, "/api/v1/draft",
                      R"({"answers":{"admin_name":")" + std::string(200 * 1024, 'z') + R"("}})");
    CHECK(res.result() == http::status::service_unavailable);
    // The draft keeps its last saved state, and a small save still fits.
    f.save(R"({"admin_name":"still small"})");
    CHECK(
        f.json_of(f.call(http::verb::get, "/api/v1/draft"))["answers"].as_object()["admin_name"] ==
        "still small");
  }
}

TEST_CASE("draft creation and saves are rate limited per client address", "[web][rate]") {
  ManualClock clock(1'800'000'000);
  WebOptions o;
  o.lan = true;
  o.post_token = "token-abc-123";
  o.clock = &clock;
  Fixture f(o);
  f.cookies["eq_post"] = "token-abc-123";
  f.peer = "192.168.1.31";
  REQUIRE(
      f.call(http::verb::post, "/api/v1/draft", R"({"form":"staff-climate","lang":"fr"})", false)
          .result() == http::status::ok);
  int allowed = 1;
  HttpResponse last;
  for (int i = 0; i < 200; ++i) {
    last = f.call(http::verb::put, "/api/v1/draft", R"({"answers":{"comment":"x"}})", false);
    if (last.result() != http::status::ok) break;
    ++allowed;
  }
  CHECK(allowed == static_cast<int>(draft_limits::kWriteBurst));
  CHECK(last.result() == http::status::too_many_requests);
  CHECK(last[http::field::retry_after] == "1");
  CHECK_THAT(std::string(f.json_of(last)["error"].as_string()),
             Catch::Contains("Trop d’enregistrements"));
  // Another phone is not held back by this one.
  f.peer = "192.168.1.32";
  CHECK(f.call(http::verb::post, "/api/v1/draft", R"({"form":"staff-climate"})", false).result() ==
        http::status::ok);
  // A second later, this one may go on at the refill rate.
  f.peer = "192.168.1.31";
  CHECK(f.call(http::verb::put, "/api/v1/draft", R"({"answers":{}})", false).result() ==
        http::status::too_many_requests);
  clock.advance(1);
  for (int i = 0; i < static_cast<int>(draft_limits::kWritesPerSecond); ++i) {
    CHECK(
        f.call(http::verb::post, "/api/v1/draft", R"({"form":"staff-climate"})", false).result() ==
        http::status::ok);
  }
  CHECK(f.call(http::verb::post, "/api/v1/draft", R"({"form":"staff-climate"})", false).result() ==
        http::status::too_many_requests);
}

TEST_CASE("a store failure shows no SQL: plain words for the page, the details in the log",
          "[web]") {
  std::vector<std::string> logged;
  WebOptions o;
  o.log = [&](const std::string& line) { logged.push_back(line); };
  Fixture f(o);
  f.start("staff-climate", "ru");
  auto& db = f.collector.store().db();
  REQUIRE(db.exec("CREATE TRIGGER fail_saves BEFORE UPDATE ON drafts BEGIN SELECT RAISE(ABORT, "
                  "'boom'); END; "
                  "CREATE TRIGGER fail_creates BEFORE INSERT ON drafts BEGIN SELECT RAISE(ABORT, "
                  "'boom'); END")
              .is_ok());
  auto saved = f.call(http::verb::put, "/api/v1/draft", R"({"answers":{"comment":"x"}})");
  auto created = f.call(http::verb::post, "/api/v1/draft", R"({"form":"staff-climate"})");
  REQUIRE(db.exec("DROP TABLE drafts").is_ok());
  auto admin_list =
      f.call(http::verb::post, "/api/v1/admin/login", std::string(R"({"pin":")") + kPin + "\"}");
  REQUIRE(admin_list.result() == http::status::ok);
  auto listed = f.call(http::verb::get, "/api/v1/admin/drafts");
  // A trigger's RAISE(ABORT) is a constraint failure, which the store
  // reports as kAlreadyExists: 409 under the one status map
  // (equitas/web/http_status.hpp). A missing table is a plain failure: 500.
  CHECK(saved.result() == http::status::conflict);
  CHECK(created.result() == http::status::conflict);
  CHECK(listed.result() == http::status::internal_server_error);
  for (const auto* res : {&saved, &created, &listed}) {
    const std::string body = res->body();
    for (const char* word :
         {"SQL", "INSERT", "UPDATE", "SELECT", "drafts", "boom", "sqlite", "constraint"}) {
      INFO(body);
      CHECK(body.find(word) == std::string::npos);
    }
  }
  CHECK_THAT(std::string(f.json_of(saved)["error"].as_string()),
             Catch::Contains("Устройству не удалось"));
  REQUIRE(logged.size() == 3);
  CHECK_THAT(logged[0], Catch::Contains("UPDATE drafts"));
  CHECK_THAT(logged[1], Catch::Contains("INSERT INTO drafts"));
}

TEST_CASE("the admin API needs the PIN, and only the admin can resume a GEOAT draft", "[web]") {
  Fixture f;
  CHECK(f.call(http::verb::get, "/api/v1/admin/status").result() == http::status::unauthorized);
  CHECK(f.call(http::verb::post, "/api/v1/admin/login", R"({"pin":"wrong-pin"})").result() ==
        http::status::unauthorized);
  REQUIRE(f.call(http::verb::post, "/api/v1/admin/login", std::string(R"({"pin":")") + kPin + "\"}")
              .result() == http::status::ok);
  auto status = f.json_of(f.call(http::verb::get, "/api/v1/admin/status"));
  CHECK(status["enrolled"].as_bool());
  CHECK(status["site"].as_string() == "Post A");
  CHECK(status["drafts"].as_int64() == 0);

  // An officer starts the GEOAT and closes the browser.
  auto admin_cookie = f.cookies["eq_admin"];
  f.cookies.clear();
  f.start("geoat-2023");
  f.save(R"({"admin_name":"Customs of Somewhere"})");
  f.start("staff-climate");  // and an anonymous one
  f.cookies.clear();

  f.cookies["eq_admin"] = admin_cookie;
  auto list = f.json_of(f.call(http::verb::get, "/api/v1/admin/drafts"))["drafts"].as_array();
  REQUIRE(list.size() == 2);
  std::string geoat_id, anon_id;
  for (auto& d : list) {
    (d.as_object()["form"].as_string() == "geoat-2023" ? geoat_id : anon_id) =
        d.as_object()["id"].as_string();
  }
  CHECK(f.call(http::verb::post, "/api/v1/admin/drafts/" + anon_id + "/resume").result() ==
        http::status::forbidden);
  REQUIRE(f.call(http::verb::post, "/api/v1/admin/drafts/" + geoat_id + "/resume").result() ==
          http::status::ok);
  auto got = f.json_of(f.call(http::verb::get, "/api/v1/draft"));
  CHECK(got["answers"].as_object()["admin_name"].as_string() == "Customs of Somewhere");

  CHECK(f.call(http::verb::post, "/api/v1/admin/logout").result() == http::status::ok);
  CHECK(f.call(http::verb::get, "/api/v1/admin/status").result() == http::status::unauthorized);
}

TEST_CASE(
    "a submitted response to a form that is not anonymous is kept for the admin to correct: the "
    "correction seals the same submission's next revision, and an anonymous one is never kept",
    "[web][revisions]") {
  Fixture f;
  const std::string geoat =
      R"({"admin_name":"Customs of Somewhere","assessment_start":"2026-11-20",)"
      R"("assessment_date":"2026-11-30"})";
  f.start("geoat-2023");
  f.save(R"({"admin_name":"Saved before the last keystroke"})");
  // What the respondent's browser holds until the submit.
  const auto respondent_cookies = f.cookies;
  const std::string respondent_half = f.page_half;
  // The page sends what it shows; the record keeps exactly what is sealed.
  auto first = f.json_of(f.call(http::verb::post, "/api/v1/draft/submit",
                                std::string(R"({"answers":)") + geoat + "}"));
  REQUIRE(first["submitted"].as_bool());
  CHECK(first["revision"] == 1);
  const std::string reference(first["reference"].as_string());
  // The browser that submitted it (its cookie and key half, replayed) can
  // neither read it nor seal another revision: the record has a new key.
  {
    auto admin = f.cookies;
    f.cookies = respondent_cookies;
    f.page_half = respondent_half;
    CHECK(f.call(http::verb::get, "/api/v1/draft").result() != http::status::ok);
    CHECK(f.call(http::verb::post, "/api/v1/draft/submit").result() != http::status::ok);
    f.cookies = admin;
    f.cookies.erase("eq_draft");
    f.page_half.clear();
  }
  // An anonymous response leaves nothing behind.
  f.start("staff-climate");
  auto climate = f.call(http::verb::post, "/api/v1/draft/submit",
                        R"({"answers":{"consent_ack":true,"eng_proud":"4"}})");
  INFO(climate.body());
  REQUIRE(climate.result() == http::status::ok);

  auto list = f.json_of(f.call(http::verb::get, "/api/v1/admin/drafts"))["drafts"].as_array();
  REQUIRE(list.size() == 1);
  auto record = list[0].as_object();
  CHECK(record["form"] == "geoat-2023");
  CHECK(record["reference"].as_string() == reference);
  CHECK(record["revision"] == 1);
  CHECK(record["edited"] == false);
  // Records do not count as open drafts.
  CHECK(f.json_of(f.call(http::verb::get, "/api/v1/admin/status"))["drafts"] == 0);

  // The admin opens it, corrects the administration's name and submits.
  const std::string id(record["id"].as_string());
  REQUIRE(f.call(http::verb::post, "/api/v1/admin/drafts/" + id + "/resume").result() ==
          http::status::ok);
  auto got = f.json_of(f.call(http::verb::get, "/api/v1/draft"));
  CHECK(got["answers"].as_object()["admin_name"] == "Customs of Somewhere");
  f.save(R"({"admin_name":"Testland Customs","assessment_start":"2026-11-20",)"
         R"("assessment_date":"2026-11-30"})");
  list = f.json_of(f.call(http::verb::get, "/api/v1/admin/drafts"))["drafts"].as_array();
  CHECK(list.at(0).at("edited") == true);
  auto second = f.json_of(f.call(http::verb::post, "/api/v1/draft/submit"));
  CHECK(second["revision"] == 2);
  CHECK(second["reference"].as_string() == reference);

  // The outbox holds both revisions of one submission, and the record says 2.
  auto pending = f.collector.store().next_pending(10, 1 << 24);
  REQUIRE(pending.is_ok());
  std::vector<std::pair<std::string, std::uint32_t>> geoat_items;
  for (const auto& item : *pending) {
    if (item.form_id == "geoat-2023")
      geoat_items.emplace_back(item.submission_id.to_string(), item.revision);
  }
  REQUIRE(geoat_items.size() == 2);
  CHECK(geoat_items[0].first == geoat_items[1].first);
  CHECK(geoat_items[0].first.substr(0, 8) == reference);
  CHECK(geoat_items[0].second == 1);
  CHECK(geoat_items[1].second == 2);
  list = f.json_of(f.call(http::verb::get, "/api/v1/admin/drafts"))["drafts"].as_array();
  REQUIRE(list.size() == 1);
  CHECK(list.at(0).at("revision") == 2);
  CHECK(list.at(0).at("edited") == false);

  // Without the admin's session, nobody opens it: the respondent's browser
  // let go of it at submit.
  f.cookies.clear();
  f.page_half.clear();
  CHECK(f.call(http::verb::get, "/api/v1/draft").result() != http::status::ok);
  CHECK(f.call(http::verb::post, "/api/v1/admin/drafts/" + id + "/resume").result() ==
        http::status::unauthorized);
}

TEST_CASE("repeated wrong PINs lock the login for a minute", "[web]") {
  Fixture f;
  for (int i = 0; i < 5; ++i) {
    CHECK(f.call(http::verb::post, "/api/v1/admin/login", R"({"pin":"nope-nope"})").result() ==
          http::status::unauthorized);
  }
  CHECK(f.call(http::verb::post, "/api/v1/admin/login", std::string(R"({"pin":")") + kPin + "\"}")
            .result() == http::status::too_many_requests);
}

TEST_CASE("changing the PIN keeps the admin key, so drafts stay resumable", "[web]") {
  Fixture f;
  auto before = admin_public_key(f.collector.store());
  CHECK_FALSE(
      set_admin_pin(f.collector.store(), "new-pin-1234", std::string_view("wrong")).is_ok());
  REQUIRE(set_admin_pin(f.collector.store(), "new-pin-1234", std::string_view(kPin)).is_ok());
  CHECK(**admin_public_key(f.collector.store()) == **before);
  CHECK(unlock_admin(f.collector.store(), "new-pin-1234").is_ok());
  CHECK(unlock_admin(f.collector.store(), kPin).status().code() == StatusCode::kPermissionDenied);
  CHECK(set_admin_pin(f.collector.store(), "12345", std::string_view("new-pin-1234")).code() ==
        StatusCode::kInvalidArgument);
}

TEST_CASE("state-changing calls refuse other origins and non-JSON bodies", "[web]") {
  Fixture f;
  f.host = "evil.example:8080";  // DNS rebinding: a foreign name pointed at 127.0.0.1
  CHECK(f.call(http::verb::post, "/api/v1/draft", R"({"form":"staff-climate"})", true,
               "http://evil.example:8080")
            .result() == http::status::misdirected_request);
  CHECK(f.call(http::verb::get, "/api/v1/forms").result() == http::status::misdirected_request);
  f.host = "127.0.0.1:8080";
  CHECK(f.call(http::verb::post, "/api/v1/draft", R"({"form":"staff-climate"})", true,
               "http://evil.example")
            .result() == http::status::forbidden);
  HttpRequest form_post{http::verb::post, "/api/v1/draft", 11};
  form_post.set(http::field::host, "127.0.0.1:8080");
  form_post.set(http::field::content_type, "application/x-www-form-urlencoded");
  form_post.body() = "form=staff-climate";
  form_post.prepare_payload();
  CHECK(f.api.handle(form_post, true).result() == http::status::unsupported_media_type);
  CHECK(f.call(http::verb::post, "/api/v1/draft", R"({"form":"staff-climate"})", true,
               "http://127.0.0.1:8080")
            .result() == http::status::ok);
  CHECK(f.call(http::verb::put, "/api/v1/draft", "[1,2").result() == http::status::bad_request);
  // A body that is not JSON says where it breaks.
  auto broken = f.call(http::verb::post, "/api/v1/draft", "{\"form\":\n \"staff-climate\",}");
  CHECK(broken.result() == http::status::bad_request);
  CHECK_THAT(broken.body(), Catch::Contains("not valid JSON: syntax error at line 2, column 18"));
  CHECK(f.call(http::verb::post, "/api/v1/draft", R"({"form":"no-such-form"})").result() ==
        http::status::not_found);
}

TEST_CASE("in LAN mode a phone needs the post token from the QR code", "[web]") {
  WebOptions o;
  o.lan = true;
  o.post_token = "token-abc-123";
  o.lan_urls = {"http://192.168.1.20:8080"};
  Fixture f(o);
  CHECK(f.call(http::verb::get, "/", "", false).result() == http::status::unauthorized);
  CHECK(f.call(http::verb::get, "/api/v1/forms", "", false).result() == http::status::unauthorized);
  CHECK(f.call(http::verb::get, "/?t=wrong-token", "", false).result() ==
        http::status::unauthorized);
  auto res = f.call(http::verb::get, "/?t=token-abc-123", "", false);
  CHECK(res.result() == http::status::see_other);
  CHECK(f.cookies["eq_post"] == "token-abc-123");
  CHECK(f.call(http::verb::get, "/api/v1/forms", "", false).result() == http::status::ok);
  // The admin page is the laptop's alone, even with the token.
  CHECK(f.call(http::verb::post, "/api/v1/admin/login", std::string(R"({"pin":")") + kPin + "\"}",
               false)
            .result() == http::status::forbidden);
  // The laptop itself (loopback) needs no token.
  f.cookies.clear();
  CHECK(f.call(http::verb::get, "/api/v1/forms", "", true).result() == http::status::ok);

  REQUIRE(f.call(http::verb::post, "/api/v1/admin/login", std::string(R"({"pin":")") + kPin + "\"}")
              .result() == http::status::ok);
  auto qr = f.call(http::verb::get, "/api/v1/admin/qr.svg");
  CHECK(qr.result() == http::status::ok);
  CHECK(qr.body().rfind("<svg", 0) == 0);
  auto status = f.json_of(f.call(http::verb::get, "/api/v1/admin/status"));
  CHECK(status["lan_urls"].as_array()[0].as_string() ==
        "http://192.168.1.20:8080/?t=token-abc-123");
}

// A collector serving the post's Wi-Fi, on `clock`.
WebOptions on_the_wifi(const Clock& clock) {
  WebOptions o;
  o.lan = true;
  o.post_token = "token-abc-123";
  o.lan_urls = {"http://192.168.1.20:8080"};
  o.clock = &clock;
  return o;
}

TEST_CASE(
    "team phones: a one-time pass from the admin's laptop opens the team page's calls on a "
    "phone, and nothing of the admin's",
    "[web][team]") {
  ManualClock clock(1'800'000'000);
  Fixture f(on_the_wifi(clock));
  const std::string pin = std::string(R"({"pin":")") + kPin + "\"}";
  // The laptop: the admin shows a pass.
  REQUIRE(f.call(http::verb::post, "/api/v1/admin/login", pin).result() == http::status::ok);
  auto shown = f.json_of(f.call(http::verb::post, "/api/v1/admin/team-pass"));
  const std::string pass(shown["pass"].as_string());
  const std::string url(shown["url"].as_string());
  CHECK(url == "http://192.168.1.20:8080/?t=token-abc-123&team=" + pass);
  CHECK(
      f.call(http::verb::get, "/api/v1/admin/team-pass.svg?pass=" + pass).body().rfind("<svg", 0) ==
      0);
  const auto laptop = f.cookies;

  // The phone scans it: the post token's redirect carries the pass to /team.
  f.cookies.clear();
  f.peer = "192.168.1.40";
  auto landed = f.call(http::verb::get, "/?t=token-abc-123&team=" + pass, "", false);
  CHECK(landed.result() == http::status::see_other);
  CHECK(landed[http::field::location] == "/team?pass=" + pass);
  // A pass with characters of its own is not carried into the header.
  CHECK(f.call(http::verb::get, "/?t=token-abc-123&team=a%0d%0aSet-Cookie", "", false)
            .at(http::field::location) == "/");
  CHECK(f.call(http::verb::get, "/team", "", false).result() == http::status::ok);
  // Before it joins, the team's calls are refused, saying what to do.
  auto refused = f.call(http::verb::get, "/api/v1/team/assessments", "", false);
  CHECK(refused.result() == http::status::unauthorized);
  CHECK_THAT(std::string(f.json_of(refused)["error"].as_string()), Catch::Contains("team pass"));
  CHECK(f.json_of(f.call(http::verb::get, "/api/v1/team/status", "", false))["joined"] == false);
  auto joined = f.call(http::verb::post, "/api/v1/team/join", R"({"pass":")" + pass + "\"}", false);
  REQUIRE(joined.result() == http::status::ok);
  REQUIRE(f.cookies.count("eq_team") == 1);
  CHECK(joined[http::field::set_cookie].find("Path=/api/v1/team") != std::string::npos);
  CHECK(f.json_of(f.call(http::verb::get, "/api/v1/team/status", "", false))["joined"] == true);
  auto list = f.call(http::verb::get, "/api/v1/team/assessments", "", false);
  CHECK(list.result() == http::status::ok);
  CHECK(f.json_of(list)["assessments"].as_array().empty());
  // Signed in to the team, it reaches the team's calls (an unknown
  // assessment is a 404, not a 401) and none of the admin's.
  CHECK(f.call(http::verb::post, "/api/v1/team/assessments/A-9/contribute",
               R"({"role":"hr","answers":{"x_a_1":"2"}})", false)
            .result() == http::status::not_found);
  // An action update: a note too long for the server is refused at once,
  // saying so; an action this collector has not received is not found.
  auto long_note =
      f.call(http::verb::post, "/api/v1/team/assessments/A-9/actions/TL-AP1",
             R"({"status":"completed","note":")" + std::string(2001, 'x') + "\"}", false);
  CHECK(long_note.result() == http::status::bad_request);
  CHECK_THAT(std::string(f.json_of(long_note)["error"].as_string()),
             Catch::Contains("at most 2000 bytes"));
  CHECK(f.call(http::verb::post, "/api/v1/team/assessments/A-9/actions/TL-AP1",
               R"({"status":"completed","note":"ok"})", false)
            .result() == http::status::not_found);
  for (const char* admin_call : {"/api/v1/admin/status", "/api/v1/admin/drafts",
                                 "/api/v1/admin/assessments", "/api/v1/team/drafts"}) {
    INFO(admin_call);
    CHECK(f.call(http::verb::get, admin_call, "", false).result() != http::status::ok);
  }
  CHECK(f.call(http::verb::post, "/api/v1/admin/sync", "{}", false).result() ==
        http::status::forbidden);
  // The pass served once: a second phone with it is refused.
  const auto phone = f.cookies;
  f.cookies = {{"eq_post", "token-abc-123"}};
  f.peer = "192.168.1.41";
  auto again = f.call(http::verb::post, "/api/v1/team/join", R"({"pass":")" + pass + "\"}", false);
  CHECK(again.result() == http::status::unauthorized);
  CHECK_THAT(std::string(f.json_of(again)["error"].as_string()), Catch::Contains("already used"));
  // An unused pass ends after ten minutes.
  f.cookies = laptop;
  f.peer.clear();
  const std::string late(
      f.json_of(f.call(http::verb::post, "/api/v1/admin/team-pass"))["pass"].as_string());
  clock.advance(600);
  f.cookies = {{"eq_post", "token-abc-123"}};
  f.peer = "192.168.1.41";
  CHECK(f.call(http::verb::post, "/api/v1/team/join", R"({"pass":")" + late + "\"}", false)
            .result() == http::status::unauthorized);
  // Wrong passes from any phone on the Wi-Fi never keep a member with the
  // right one out (a shared lockout would let a respondent's phone do so).
  f.peer = "192.168.1.66";
  for (int i = 0; i < 20; ++i) {
    CHECK(f.call(http::verb::post, "/api/v1/team/join", R"({"pass":"guess"})", false).result() ==
          http::status::unauthorized);
  }
  f.cookies = laptop;
  f.peer.clear();
  REQUIRE(f.call(http::verb::post, "/api/v1/admin/login", pin).result() == http::status::ok);
  const std::string fresh(
      f.json_of(f.call(http::verb::post, "/api/v1/admin/team-pass"))["pass"].as_string());
  const auto laptop_now = f.cookies;
  f.cookies = {{"eq_post", "token-abc-123"}};
  f.peer = "192.168.1.41";
  CHECK(f.call(http::verb::post, "/api/v1/team/join", R"({"pass":")" + fresh + "\"}", false)
            .result() == http::status::ok);
  // A phone's saves share the respondents' per-address write budget: one
  // in a loop is held back (429), and the laptop never is.
  HttpResponse last;
  for (int i = 0; i < 200; ++i) {
    last = f.call(http::verb::post, "/api/v1/team/assessments/A-9/contribute",
                  R"({"role":"hr","answers":{"x_a_1":"2"}})", false);
    if (last.result() == http::status::too_many_requests) break;
  }
  CHECK(last.result() == http::status::too_many_requests);
  // The first phone, used a moment ago, is still in; the admin sees two
  // team phones and signs them all out.
  f.cookies = phone;
  f.peer = "192.168.1.40";
  CHECK(f.call(http::verb::get, "/api/v1/team/assessments", "", false).result() ==
        http::status::ok);
  f.cookies = laptop_now;
  f.peer.clear();
  CHECK(f.json_of(f.call(http::verb::get, "/api/v1/admin/status"))["team_phones"] == 2);
  CHECK(f.json_of(f.call(http::verb::delete_, "/api/v1/admin/team-phones"))["signed_out"] == 2);
  f.cookies = phone;
  f.peer = "192.168.1.40";
  CHECK(f.call(http::verb::get, "/api/v1/team/assessments", "", false).result() ==
        http::status::unauthorized);
}

TEST_CASE("a team phone's session ends when idle, after its day, or when it leaves",
          "[web][team]") {
  ManualClock clock(1'800'000'000);
  Fixture f(on_the_wifi(clock));
  const std::string pin = std::string(R"({"pin":")") + kPin + "\"}";
  // Joins a fresh phone: its cookies are then the fixture's.
  auto join = [&] {
    f.cookies.clear();
    f.peer.clear();
    REQUIRE(f.call(http::verb::post, "/api/v1/admin/login", pin).result() == http::status::ok);
    const std::string pass(
        f.json_of(f.call(http::verb::post, "/api/v1/admin/team-pass"))["pass"].as_string());
    f.cookies = {{"eq_post", "token-abc-123"}};
    f.peer = "192.168.1.40";
    REQUIRE(f.call(http::verb::post, "/api/v1/team/join", R"({"pass":")" + pass + "\"}", false)
                .result() == http::status::ok);
  };
  auto in = [&] {
    return f.call(http::verb::get, "/api/v1/team/assessments", "", false).result() ==
           http::status::ok;
  };
  join();
  clock.advance(2 * 3600 - 1);
  CHECK(in());  // used within two hours: still in
  clock.advance(2 * 3600);
  CHECK_FALSE(in());  // two idle hours: out
  join();
  for (int h = 0; h < 11; ++h) {
    clock.advance(3600);
    CHECK(in());
  }
  clock.advance(3600);
  CHECK_FALSE(in());  // twelve hours after joining, however busy
  join();
  CHECK(f.call(http::verb::post, "/api/v1/team/leave", "{}", false).result() == http::status::ok);
  CHECK(f.cookies.count("eq_team") == 0);
  CHECK_FALSE(in());
}

TEST_CASE("QR codes encode the address and refuse what cannot fit", "[web]") {
  auto svg = qr_svg("http://10.0.0.7:8080/?t=abcdefghijkm");
  REQUIRE(svg.is_ok());
  CHECK(svg->find("<path") != std::string::npos);
  CHECK_FALSE(qr_svg(std::string(8000, 'x')).is_ok());
}

TEST_CASE("the GEOAT is not among the respondents' surveys: only the admin lists and starts it",
          "[web][team]") {
  Fixture f;
  auto listed = f.json_of(f.call(http::verb::get, "/api/v1/forms"))["forms"].as_array();
  bool geoat = false, staff = false;
  for (const auto& x : listed) {
    geoat = geoat || x.as_object().at("id") == "geoat-2023";
    staff = staff || x.as_object().at("id") == "staff-climate";
  }
  CHECK(staff);
  CHECK_FALSE(geoat);
  auto refused = f.call(http::verb::post, "/api/v1/draft", R"({"form":"geoat-2023","lang":"en"})");
  CHECK(refused.result() == http::status::forbidden);
  CHECK_THAT(refused.body(), Catch::Contains("assessment team"));
  CHECK(f.call(http::verb::get, "/api/v1/admin/team-forms").result() == http::status::unauthorized);
  CHECK(*DraftStore(f.collector.store().db()).count() == 0);

  REQUIRE(f.call(http::verb::post, "/api/v1/admin/login", std::string(R"({"pin":")") + kPin + "\"}")
              .result() == http::status::ok);
  auto team = f.json_of(f.call(http::verb::get, "/api/v1/admin/team-forms"))["forms"].as_array();
  REQUIRE(team.size() == 1);
  CHECK(team[0].as_object().at("id") == "geoat-2023");
  CHECK(f.call(http::verb::post, "/api/v1/admin/team-draft", R"({"form":"geoat-2023","lang":"en"})")
            .result() == http::status::ok);
  CHECK(*DraftStore(f.collector.store().db()).count() == 1);
}
