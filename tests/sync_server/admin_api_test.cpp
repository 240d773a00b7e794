// The dashboard's admin API: sign-in, tokens, Origin, audit, reports and
// downloads, on a real server data folder filled through a real sync, and
// over a real HTTP connection to the running server.
#include "admin_api.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fstream>

#include "fixtures.hpp"
#include "http_body.hpp"

using namespace equitas;
using namespace equitas::test;
namespace http = boost::beast::http;
namespace json = boost::json;

namespace {

struct Fixture {
  TempDir tmp;
  TestServer server{tmp / "server"};
  std::string token;
  std::string device;

  Fixture() {
    server.start();
    auto c = make_collector(tmp / "collector", server.enroll("Namanga"));
    submit_many(c, 30);
    auto r = c.sync({});
    INFO(r.status().to_string());
    REQUIRE(r.is_ok());
    REQUIRE(r->accepted == 30);
    auto store = server.open_store();
    auto t = store.create_admin_token("analyst", server::Role::kAdmin, unix_now());
    REQUIRE(t.is_ok());
    token = *t;
    auto devices = store.list_devices();
    REQUIRE(devices.is_ok());
    REQUIRE(devices->size() == 1);
    device = devices->front().id.to_string();
  }
};

server::AdminRequest request(http::verb verb, const std::string& target,
                             const std::string& bearer = "") {
  server::AdminRequest req{verb, target, 11};
  req.set(http::field::host, "127.0.0.1:8443");
  if (!bearer.empty()) req.set(http::field::authorization, "Bearer " + bearer);
  return req;
}

json::value body_of(const server::AdminResponse& r) {
  REQUIRE_FALSE(r.file.has_value());
  return json::parse(r.text.body());
}

// The newest audit-log entries, newest first, as "actor action detail".
std::vector<std::string> audit_tail(const Fixture& f, int n) {
  auto store = f.server.open_store();
  auto st = store.db().prepare(
      "SELECT actor || ' ' || action || ' ' || detail FROM audit_log ORDER BY id DESC LIMIT ?1");
  REQUIRE(st.is_ok());
  st->bind(1, static_cast<std::int64_t>(n));
  std::vector<std::string> out;
  while (*st->step()) out.push_back(st->column_text(0));
  return out;
}

}  // namespace

TEST_CASE("the admin API refuses a missing or wrong token with 401 and audits it",
          "[server][admin]") {
  Fixture f;
  auto api = server::AdminApi::open(f.server.dir());
  REQUIRE(api.is_ok());

  auto none = (*api)->handle(request(http::verb::get, "/api/v1/overview"), "10.0.0.9");
  CHECK(none.text.result() == http::status::unauthorized);
  CHECK(none.text[http::field::www_authenticate] == "Bearer realm=\"equitas\"");
  auto wrong =
      (*api)->handle(request(http::verb::get, "/api/v1/overview", "eqa_notatoken"), "10.0.0.9");
  CHECK(wrong.text.result() == http::status::unauthorized);
  // The wrong token is audited; the call without one (a page loading) is not.
  const auto tail = audit_tail(f, 2);
  REQUIRE(tail.size() == 2);
  CHECK_THAT(tail[0],
             Catch::StartsWith("anonymous api.unauthorized path=/api/v1/overview peer=10.0.0.9"));
  CHECK_THAT(tail[1], !Catch::Contains("api.unauthorized"));
  // The wrong token itself is never written down.
  for (const auto& line : audit_tail(f, 50)) CHECK(line.find("eqa_notatoken") == std::string::npos);

  auto ok = (*api)->handle(request(http::verb::get, "/api/v1/overview", f.token), "10.0.0.9");
  REQUIRE(ok.text.result() == http::status::ok);
  const auto o = body_of(ok).as_object();
  CHECK(o.at("responses").as_int64() == 30);
  CHECK(o.at("devices").at("active").as_int64() == 1);
  REQUIRE(o.at("sites").as_array().size() == 1);
  CHECK(o.at("sites").at(0).at("site").as_string() == "Namanga");
  CHECK(o.at("sites").at(0).at("responses").as_int64() == 30);

  SECTION("a revoked token stops working at once") {
    auto store = f.server.open_store();
    auto tokens = store.list_admin_tokens();
    REQUIRE(tokens.is_ok());
    for (const auto& t : *tokens) REQUIRE(store.revoke_admin_token(t.id, unix_now()).is_ok());
    auto after = (*api)->handle(request(http::verb::get, "/api/v1/overview", f.token), "10.0.0.9");
    CHECK(after.text.result() == http::status::unauthorized);
  }
}

TEST_CASE("signing in gives an HttpOnly SameSite=Strict session: signing out ends it",
          "[server][admin]") {
  Fixture f;
  auto api = server::AdminApi::open(f.server.dir());
  REQUIRE(api.is_ok());

  auto login = [&](const std::string& token) {
    auto req = request(http::verb::post, "/api/v1/session");
    req.set(http::field::content_type, "application/json");
    req.set(http::field::origin, "http://127.0.0.1:8443");
    req.body() = json::serialize(json::object{{"token", token}});
    req.prepare_payload();
    return (*api)->handle(req, "127.0.0.1");
  };
  auto bad = login("eqa_wrong");
  CHECK(bad.text.result() == http::status::unauthorized);
  CHECK(bad.text[http::field::set_cookie].empty());
  CHECK_THAT(audit_tail(f, 1).front(),
             Catch::StartsWith("anonymous admin.login.failed peer=127.0.0.1"));

  auto good = login(f.token);
  REQUIRE(good.text.result() == http::status::ok);
  const std::string set_cookie(good.text[http::field::set_cookie]);
  CHECK_THAT(set_cookie, Catch::StartsWith("eq_dash="));
  CHECK_THAT(set_cookie, Catch::Contains("HttpOnly"));
  CHECK_THAT(set_cookie, Catch::Contains("SameSite=Strict"));
  CHECK(body_of(good).at("actor").as_string() == "token:analyst");
  CHECK_THAT(audit_tail(f, 1).front(),
             Catch::StartsWith("token:analyst admin.login peer=127.0.0.1"));

  const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
  auto with_cookie = [&](http::verb verb, const std::string& target) {
    auto req = request(verb, target);
    req.set(http::field::cookie, cookie);
    return (*api)->handle(req, "127.0.0.1");
  };
  CHECK(with_cookie(http::verb::get, "/api/v1/forms").text.result() == http::status::ok);

  SECTION("revoking the token ends the session opened with it") {
    auto store = f.server.open_store();
    auto tokens = store.list_admin_tokens();
    REQUIRE(tokens.is_ok());
    for (const auto& t : *tokens) {
      if (t.label == "analyst") REQUIRE(store.revoke_admin_token(t.id, unix_now()).is_ok());
    }
    CHECK(with_cookie(http::verb::get, "/api/v1/forms").text.result() ==
          http::status::unauthorized);
  }
  auto out = with_cookie(http::verb::delete_, "/api/v1/session");
  CHECK(out.text.result() == http::status::ok);
  CHECK_THAT(std::string(out.text[http::field::set_cookie]), Catch::Contains("Max-Age=0"));
  CHECK(with_cookie(http::verb::get, "/api/v1/forms").text.result() == http::status::unauthorized);
}

TEST_CASE("a state-changing call from another origin gets 403, even with a good token",
          "[server][admin]") {
  Fixture f;
  auto api = server::AdminApi::open(f.server.dir());
  REQUIRE(api.is_ok());
  auto req = request(http::verb::post, "/api/v1/devices/" + f.device + "/revoke", f.token);
  req.set(http::field::origin, "https://evil.example");
  auto r = (*api)->handle(req, "10.1.1.1");
  CHECK(r.text.result() == http::status::forbidden);
  CHECK_THAT(audit_tail(f, 1).front(), Catch::Contains("api.origin.refused"));
  auto store = f.server.open_store();
  auto d = store.list_devices();
  REQUIRE(d.is_ok());
  CHECK(d->front().state == server::DeviceState::kActive);

  // The same call from the dashboard's own origin revokes, and is audited.
  req.set(http::field::origin, "http://127.0.0.1:8443");
  auto ok = (*api)->handle(req, "10.1.1.1");
  REQUIRE(ok.text.result() == http::status::ok);
  d = store.list_devices();
  CHECK(d->front().state == server::DeviceState::kRevoked);
  CHECK_THAT(audit_tail(f, 1).front(),
             Catch::StartsWith("token:analyst device.revoke device=" + f.device));
}

TEST_CASE("repeated wrong tokens from one address get 429 without another look at any token",
          "[server][admin]") {
  Fixture f;
  ManualClock clock(unix_now());
  server::AdminApiOptions opts;
  opts.max_failures = 3;
  opts.clock = &clock;
  auto api = server::AdminApi::open(f.server.dir(), opts);
  REQUIRE(api.is_ok());
  // Calls with no credential at all (the sign-in page loading) are not
  // failures: they never lock anyone out, and are not audited.
  const auto before = audit_tail(f, 1);
  for (int i = 0; i < 5; ++i) {
    CHECK((*api)->handle(request(http::verb::get, "/api/v1/session"), "10.9.9.9").text.result() ==
          http::status::unauthorized);
  }
  CHECK(audit_tail(f, 1) == before);
  for (int i = 0; i < 3; ++i) {
    CHECK((*api)
              ->handle(request(http::verb::get, "/api/v1/overview", "eqa_guess"), "10.9.9.9")
              .text.result() == http::status::unauthorized);
  }
  CHECK((*api)
            ->handle(request(http::verb::get, "/api/v1/overview", "eqa_guess"), "10.9.9.9")
            .text.result() == http::status::too_many_requests);
  // While throttled, no token from that address is looked at, the right one
  // included: 429 must not tell a right guess from a wrong one. Other
  // addresses are not affected.
  CHECK((*api)
            ->handle(request(http::verb::get, "/api/v1/overview", f.token), "10.9.9.9")
            .text.result() == http::status::too_many_requests);
  CHECK((*api)
            ->handle(request(http::verb::get, "/api/v1/overview", f.token), "10.9.9.10")
            .text.result() == http::status::ok);
  // Three guesses, two audit lines: the first failure and the throttle.
  const auto tail = audit_tail(f, 2);
  CHECK_THAT(tail[0], Catch::StartsWith("anonymous api.throttled failures=3 peer=10.9.9.9"));
  CHECK_THAT(tail[1],
             Catch::StartsWith("anonymous api.unauthorized path=/api/v1/overview peer=10.9.9.9"));
  // IPv6 addresses are counted by /64: another address of that network waits too.
  for (int i = 0; i < 3; ++i)
    (*api)->handle(request(http::verb::get, "/api/v1/overview", "eqa_x"), "2001:db8::1");
  CHECK((*api)
            ->handle(request(http::verb::get, "/api/v1/overview", "eqa_x"), "2001:db8::ffff")
            .text.result() == http::status::too_many_requests);
  // Once the window has passed, by the API's clock, the address is heard again.
  clock.advance(opts.failure_window.count() + 1);
  CHECK((*api)
            ->handle(request(http::verb::get, "/api/v1/overview", f.token), "10.9.9.9")
            .text.result() == http::status::ok);
}

TEST_CASE(
    "a dashboard session ends when left idle, or when too old however busy, by the API's clock",
    "[server][admin]") {
  Fixture f;
  ManualClock clock(unix_now());
  server::AdminApiOptions opts;
  opts.clock = &clock;
  auto api = server::AdminApi::open(f.server.dir(), opts);
  REQUIRE(api.is_ok());
  auto login = request(http::verb::post, "/api/v1/session");
  login.set(http::field::content_type, "application/json");
  login.set(http::field::origin, "http://127.0.0.1:8443");
  login.body() = json::serialize(json::object{{"token", f.token}});
  login.prepare_payload();
  auto signed_in = (*api)->handle(login, "127.0.0.1");
  REQUIRE(signed_in.text.result() == http::status::ok);
  const std::string set_cookie(signed_in.text[http::field::set_cookie]);
  const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
  const auto forms = [&] {
    auto req = request(http::verb::get, "/api/v1/forms");
    req.set(http::field::cookie, cookie);
    return (*api)->handle(req, "127.0.0.1").text.result();
  };
  const std::int64_t idle = opts.session_idle.count();

  SECTION("idle") {
    clock.advance(idle);
    CHECK(forms() == http::status::ok);  // at the limit, and the use starts the idle time again
    clock.advance(idle + 1);
    CHECK(forms() == http::status::unauthorized);
  }
  SECTION("old") {
    std::int64_t age = 0;
    for (; age + idle <= opts.session_max.count(); age += idle) {
      clock.advance(idle);
      REQUIRE(forms() == http::status::ok);
    }
    clock.advance(idle);
    CHECK(forms() == http::status::unauthorized);
  }
}

TEST_CASE("the API answers only its own host names and same-origin pages", "[server][admin]") {
  Fixture f;
  server::AdminApiOptions opts;
  opts.public_origins = {"https://results.customs.example"};
  auto api = server::AdminApi::open(f.server.dir(), opts);
  REQUIRE(api.is_ok());
  auto with_host = [&](const std::string& host) {
    auto req = request(http::verb::get, "/api/v1/overview", f.token);
    req.set(http::field::host, host);
    return (*api)->handle(req, "127.0.0.1").text.result();
  };
  CHECK(with_host("127.0.0.1:8443") == http::status::ok);
  CHECK(with_host("localhost:8443") == http::status::ok);
  CHECK(with_host("[::1]:8443") == http::status::ok);
  CHECK(with_host("results.customs.example") == http::status::ok);
  // A DNS-rebinding page arrives under its own name.
  CHECK(with_host("attacker.example:8443") == http::status::misdirected_request);

  // Another port or subdomain of the same site gets the cookie under
  // SameSite=Strict; the browser says so, and the call is refused, GET included.
  auto req = request(http::verb::get, "/api/v1/exports/staff-climate?format=csv", f.token);
  req.set("Sec-Fetch-Site", "same-site");
  CHECK((*api)->handle(req, "127.0.0.1").text.result() == http::status::forbidden);
  req.set("Sec-Fetch-Site", "same-origin");
  CHECK((*api)->handle(req, "127.0.0.1").file.has_value());

  // Behind the proxy the browser's Origin is the public one.
  auto post = request(http::verb::post, "/api/v1/devices/" + f.device + "/revoke", f.token);
  post.set(http::field::origin, "https://results.customs.example");
  CHECK((*api)->handle(post, "127.0.0.1").text.result() == http::status::ok);
}

TEST_CASE("reports through the API are the report, with suppressed groups marked, and are audited",
          "[server][admin]") {
  Fixture f;
  auto api = server::AdminApi::open(f.server.dir());
  REQUIRE(api.is_ok());
  // submit_many cycles female, male, pns: 10 each. With --by sex, every
  // group is at the threshold; the "(no answer)" group is empty and hidden.
  auto r = (*api)->handle(
      request(http::verb::get, "/api/v1/reports/staff-climate?by=sex&lang=fr", f.token),
      "127.0.0.1");
  REQUIRE(r.text.result() == http::status::ok);
  const auto report = body_of(r).as_object();
  CHECK(report.at("form").at("id").as_string() == "staff-climate");
  const auto& responses = report.at("periods").at(0).at("survey").at("responses").as_array();
  int suppressed = 0, shown = 0;
  for (const auto& g : responses) {
    if (g.as_object().contains("suppressed")) {
      ++suppressed;
      CHECK(g.at("display").as_string() == "n<10");
      CHECK_FALSE(g.as_object().contains("n"));
    } else {
      ++shown;
    }
  }
  CHECK(suppressed >= 1);
  CHECK(shown >= 1);
  // French labels: the form has them.
  CHECK(report.at("breakdown").at(0).at("label").as_string() != "Sex");
  CHECK_THAT(audit_tail(f, 1).front(),
             Catch::StartsWith("token:analyst report.view form=staff-climate by=sex"));
  // staff-climate is anonymous: its counts are noisy (cell key method), and
  // the list of rounds and the overview give a round's count as its report
  // does, so that neither is a way around the other.
  CHECK(report.at("form").at("perturbed").at("method").as_string() == "cell key");
  auto whole = (*api)->handle(request(http::verb::get, "/api/v1/reports/staff-climate", f.token),
                              "127.0.0.1");
  REQUIRE(whole.text.result() == http::status::ok);
  const auto total = body_of(whole).at("periods").at(0).at("survey").at("responses").at(0).at("n");
  auto rounds = (*api)->handle(
      request(http::verb::get, "/api/v1/rounds?form=staff-climate", f.token), "127.0.0.1");
  REQUIRE(rounds.text.result() == http::status::ok);
  CHECK(body_of(rounds).at("rounds").at(0).at("responses") == total);
  auto overview =
      (*api)->handle(request(http::verb::get, "/api/v1/overview", f.token), "127.0.0.1");
  REQUIRE(overview.text.result() == http::status::ok);
  CHECK(body_of(overview).at("forms").at(0).at("responses") == total);

  // Two dimensions in a value too long for the short-string buffer: the list
  // is split from a string that outlives the split (clang's -Wdangling-gsl
  // caught a view into a temporary here; ASan checks the heap case).
  auto two = (*api)->handle(
      request(http::verb::get, "/api/v1/reports/staff-climate?by=dem_sex%2Cdem_grade", f.token),
      "127.0.0.1");
  REQUIRE(two.text.result() == http::status::ok);
  CHECK(body_of(two).at("breakdown").as_array().size() == 2);

  auto bad = (*api)->handle(
      request(http::verb::get, "/api/v1/reports/staff-climate?by=comment", f.token), "127.0.0.1");
  CHECK(bad.text.result() == http::status::bad_request);
  auto missing = (*api)->handle(request(http::verb::get, "/api/v1/reports/no-such-form", f.token),
                                "127.0.0.1");
  CHECK(missing.text.result() == http::status::not_found);
}

TEST_CASE("a download is the export, audited with the token's label, and leaves no file behind",
          "[server][admin]") {
  Fixture f;
  auto api = server::AdminApi::open(f.server.dir());
  REQUIRE(api.is_ok());
  auto r = (*api)->handle(
      request(http::verb::get, "/api/v1/exports/staff-climate?format=csv&bom=1", f.token),
      "127.0.0.1");
  REQUIRE(r.file.has_value());
  CHECK(r.file->result() == http::status::ok);
  CHECK_THAT(std::string((*r.file)[http::field::content_disposition]),
             Catch::Contains("staff-climate.csv"));
  const std::string csv = read_body(r.file->body());
  CHECK(csv.rfind("\xEF\xBB\xBF", 0) == 0);
  // An anonymous form's responses have no revisions to list.
  auto revisions = (*api)->handle(
      request(http::verb::get, "/api/v1/exports/staff-climate?all_revisions=1", f.token),
      "127.0.0.1");
  CHECK(revisions.text.result() == http::status::bad_request);
  CHECK_THAT(revisions.text.body(), Catch::Contains("anonymous"));
  std::size_t lines = 0;
  for (char ch : csv) lines += ch == '\n';
  CHECK(lines == 31);  // header + 30 responses
  CHECK_THAT(audit_tail(f, 1).front(),
             Catch::StartsWith("token:analyst export form=staff-climate format=csv rows=30"));
  for (const auto& e : std::filesystem::directory_iterator(f.server.dir().root)) {
    CHECK(e.path().filename().string().rfind("download-", 0) != 0);
  }
  auto xlsx = (*api)->handle(
      request(http::verb::get, "/api/v1/exports/staff-climate?format=xlsx", f.token), "127.0.0.1");
  REQUIRE(xlsx.file.has_value());
  CHECK(read_body(xlsx.file->body()).rfind("PK", 0) == 0);  // a zip: the workbook
  auto bad = (*api)->handle(
      request(http::verb::get, "/api/v1/exports/staff-climate?format=pdf", f.token), "127.0.0.1");
  CHECK(bad.text.result() == http::status::bad_request);
}

TEST_CASE("the running server serves the dashboard and the API over HTTP beside /sync",
          "[server][admin][integration]") {
  Fixture f;
  namespace net = boost::asio;
  net::io_context ioc;
  auto fetch = [&](http::verb verb, const std::string& target, const std::string& bearer) {
    net::ip::tcp::socket sock(ioc);
    sock.connect({net::ip::make_address("127.0.0.1"), f.server.port()});
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1:" + std::to_string(f.server.port()));
    if (!bearer.empty()) req.set(http::field::authorization, "Bearer " + bearer);
    http::write(sock, req);
    boost::beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(sock, buf, res);
    return res;
  };
  auto page = fetch(http::verb::get, "/", "");
  REQUIRE(page.result() == http::status::ok);
  CHECK_THAT(std::string(page[http::field::content_type]), Catch::StartsWith("text/html"));
  CHECK_THAT(std::string(page["Content-Security-Policy"]), Catch::Contains("default-src 'none'"));
  CHECK_THAT(page.body(), Catch::Contains("/app.js"));
  CHECK(fetch(http::verb::get, "/app.js", "").result() == http::status::ok);
  CHECK(fetch(http::verb::get, "/api/v1/devices", "").result() == http::status::unauthorized);
  auto devices = fetch(http::verb::get, "/api/v1/devices", f.token);
  REQUIRE(devices.result() == http::status::ok);
  CHECK(json::parse(devices.body()).at("devices").as_array().size() == 1);
  auto csv = fetch(http::verb::get, "/api/v1/exports/staff-climate?format=csv", f.token);
  REQUIRE(csv.result() == http::status::ok);
  CHECK(csv[http::field::content_disposition] == "attachment; filename=\"staff-climate.csv\"");
  CHECK(fetch(http::verb::get, "/healthz", "").result() == http::status::ok);
}

TEST_CASE("a token's role bounds what it may read or download, and every refusal is audited",
          "[server][admin][roles]") {
  Fixture f;
  std::map<std::string, std::string> tokens;
  {
    auto store = f.server.open_store();
    for (auto role : {server::Role::kViewer, server::Role::kAnalyst, server::Role::kSteward}) {
      auto t = store.create_admin_token(std::string(server::role_name(role)), role, unix_now());
      REQUIRE(t.is_ok());
      tokens[std::string(server::role_name(role))] = *t;
    }
  }
  auto api = server::AdminApi::open(f.server.dir());
  REQUIRE(api.is_ok());
  auto status = [&](const std::string& target, const std::string& role) {
    auto r = (*api)->handle(request(http::verb::get, target, tokens.at(role)), "10.1.2.3");
    return r.file ? r.file->result() : r.text.result();
  };
  // Everyone reads suppressed reports and the overview.
  for (const char* role : {"viewer", "analyst", "steward"}) {
    INFO(role);
    CHECK(status("/api/v1/overview", role) == http::status::ok);
    CHECK(status("/api/v1/reports/staff-climate", role) == http::status::ok);
    CHECK(status("/api/v1/devices", role) == http::status::forbidden);
    CHECK(status("/api/v1/audit", role) == http::status::forbidden);
  }
  // Microdata: the anonymous form's (protected) from analyst up, the
  // GEOAT's (raw) from steward up.
  CHECK(status("/api/v1/exports/staff-climate?format=csv", "viewer") == http::status::forbidden);
  CHECK(status("/api/v1/exports/staff-climate?format=csv", "analyst") == http::status::ok);
  CHECK(status("/api/v1/exports/geoat-2023?format=csv", "analyst") == http::status::forbidden);
  CHECK(status("/api/v1/exports/geoat-2023?format=csv", "steward") == http::status::ok);
  auto revoke = (*api)->handle(
      request(http::verb::post, "/api/v1/devices/" + f.device + "/revoke", tokens.at("steward")),
      "10.1.2.3");
  CHECK(revoke.text.result() == http::status::forbidden);
  CHECK_THAT(revoke.text.body(),
             Catch::Contains("role admin") && Catch::Contains("this one is steward"));
  CHECK(f.server.open_store().find_device(*DeviceId::parse(f.device))->value().state ==
        server::DeviceState::kActive);
  // whoami says the role, so the dashboard can show what the holder may do.
  CHECK(body_of((*api)->handle(request(http::verb::get, "/api/v1/session", tokens.at("analyst")),
                               "10.1.2.3"))
            .at("role")
            .as_string() == "analyst");
  // Every refusal is in the audit log, with the role and the path.
  std::size_t refusals = 0;
  for (const auto& line : audit_tail(f, 40)) {
    if (line.find(" api.forbidden ") != std::string::npos) {
      ++refusals;
      CHECK_THAT(line, Catch::Contains("peer=10.1.2.3"));
    }
  }
  CHECK(refusals == 3 + 3 + 2 + 1);
  CHECK_THAT(audit_tail(f, 40), Catch::VectorContains(std::string(
                                    "token:viewer api.forbidden role=viewer "
                                    "path=/api/v1/exports/staff-climate peer=10.1.2.3")));
}

TEST_CASE("a foreign page cannot lock analysts out, and a flood of addresses is throttled together",
          "[server][admin]") {
  Fixture f;
  server::AdminApiOptions opts;
  opts.max_failures = 3;
  opts.max_tracked_addresses = 50;
  auto api = server::AdminApi::open(f.server.dir(), opts);
  REQUIRE(api.is_ok());
  // A page of another site makes the analyst's browser send credential-less
  // requests (mode: 'no-cors'): refused, but never counted against her.
  for (int i = 0; i < 20; ++i) {
    auto req = request(http::verb::get, "/api/v1/overview");
    req.set("Sec-Fetch-Site", "cross-site");
    CHECK((*api)->handle(req, "10.7.7.7").text.result() == http::status::forbidden);
  }
  CHECK((*api)
            ->handle(request(http::verb::get, "/api/v1/overview", f.token), "10.7.7.7")
            .text.result() == http::status::ok);

  // 60 addresses, one wrong token each: the table tracks 50; the others
  // share one count, so the next untracked address is throttled at once
  // (the 10 before it reached the shared limit of 3).
  const auto audit_before = audit_tail(f, 1000).size();
  for (int i = 0; i < 60; ++i) {
    (*api)->handle(request(http::verb::get, "/api/v1/overview", "eqa_guess"),
                   "10.8.0." + std::to_string(i));
  }
  int refused = 0;
  for (int i = 0; i < 200; ++i) {
    refused += (*api)
                   ->handle(request(http::verb::get, "/api/v1/overview", "eqa_guess"), "10.8.1.1")
                   .text.result() == http::status::too_many_requests;
  }
  CHECK(refused == 200);
  // Bounded audit: at most one line per tracked address, plus the shared
  // count's first failure and its throttle.
  CHECK(audit_tail(f, 1000).size() - audit_before <= 50 + 2);
}
