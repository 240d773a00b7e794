// A full disk on the collector, as DiskBudgetVfs makes it: a phone fills it
// with drafts until SQLite answers SQLITE_FULL. The respondent who had
// finished can still submit, the admin can still discard every draft (the
// disk reserve gives SQLite's WAL the room a delete needs), nothing already
// in the outbox is lost, and no page ever shows SQL.
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "disk_budget_vfs.hpp"
#include "fixtures.hpp"
#include "web/admin_auth.hpp"
#include "web/web_api.hpp"

using namespace equitas;
using namespace equitas::collector;
namespace json = boost::json;

namespace {

constexpr const char* kPin = "test-pin-8642";

// What one browser keeps: its cookies and the page's half of the draft key.
struct Browser {
  WebApi& api;
  std::string peer;
  std::map<std::string, std::string> cookies;
  std::string page_half;

  HttpResponse call(http::verb verb, const std::string& target, const std::string& body = "") {
    HttpRequest req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1:8080");
    if (!page_half.empty()) req.set("X-Draft-Key", page_half);
    if (verb == http::verb::post || verb == http::verb::put) {
      req.set(http::field::content_type, "application/json");
      req.body() = body.empty() ? "{}" : body;
    }
    std::string cookie;
    for (const auto& [k, v] : cookies) cookie += (cookie.empty() ? "" : "; ") + k + "=" + v;
    if (!cookie.empty()) req.set(http::field::cookie, cookie);
    req.prepare_payload();
    HttpResponse res = api.handle(req, true, peer);
    for (auto it = res.find(http::field::set_cookie);
         it != res.end() && it->name() == http::field::set_cookie; ++it) {
      std::string c(it->value());
      const auto eq = c.find('=');
      const auto semi = c.find(';');
      const std::string name = c.substr(0, eq), value = c.substr(eq + 1, semi - eq - 1);
      if (c.find("Max-Age=0") != std::string::npos) {
        cookies.erase(name);
      } else {
        cookies[name] = value;
      }
    }
    if (res.result() == http::status::ok) {
      auto v = json::parse(res.body());
      if (v.is_object() && v.as_object().contains("key"))
        page_half = v.as_object()["key"].as_string().c_str();
    }
    return res;
  }
};

void check_no_sql(const HttpResponse& res) {
  INFO(res.body());
  for (const char* word :
       {"SQL", "INSERT", "UPDATE", "DELETE", "drafts", "sqlite", "database or disk"}) {
    CHECK(res.body().find(word) == std::string::npos);
  }
}

}  // namespace

TEST_CASE(
    "a full disk still lets a respondent submit and the admin discard drafts: nothing stored is "
    "lost",
    "[fault][disk]") {
  test::TempDir tmp;
  test::TestServer server{tmp.path() / "server"};
  test::DiskBudgetVfs vfs;  // before the collector opens its database
  const auto dir = tmp.path() / "c";
  Collector collector = test::make_collector(dir, server.enroll("Post A", "ws://127.0.0.1:9"));
  REQUIRE(set_admin_pin(collector.store(), kPin, std::nullopt).is_ok());
  test::submit_many(collector, 3);
  REQUIRE(collector.status()->counts.pending == 3);
  REQUIRE(collector.has_disk_reserve());

  std::vector<std::string> logged;
  SyncRunner sync(DataDir{dir}, std::chrono::seconds(0));
  WebOptions options;
  options.dir = DataDir{dir};
  options.log = [&](const std::string& line) { logged.push_back(line); };
  WebApi api(collector, sync, options);
  api.set_addresses({"127.0.0.1:8080"}, {});

  // A respondent has finished answering, but not yet pressed Submit.
  Browser respondent{api, "192.168.1.20", {}, {}};
  REQUIRE(
      respondent.call(http::verb::post, "/api/v1/draft", R"({"form":"staff-climate"})").result() ==
      http::status::ok);
  REQUIRE(respondent
              .call(http::verb::put, "/api/v1/draft",
                    R"({"answers":{"consent_ack":true,"dem_sex":"female","eng_proud":"4"}})")
              .result() == http::status::ok);

  // The disk has 3 MiB left, and a phone fills it with drafts.
  vfs.set_budget(dir, test::DiskBudgetVfs::used(dir) + 3 * 1024 * 1024);
  Browser phone{api, "192.168.1.66", {}, {}};
  const std::string filler = R"({"answers":{"comment":")" + std::string(400 * 1024, 'f') + R"("}})";
  HttpResponse refused;
  int saved = 0;
  for (int i = 0; i < 40; ++i) {
    auto created = phone.call(http::verb::post, "/api/v1/draft", R"({"form":"staff-climate"})");
    if (created.result() != http::status::ok) {
      refused = created;
      break;
    }
    auto res = phone.call(http::verb::put, "/api/v1/draft", filler);
    if (res.result() != http::status::ok) {
      refused = res;
      break;
    }
    ++saved;
  }
  INFO(saved << " " << refused.result_int() << " " << refused.body());
  REQUIRE(vfs.refused() > 0);
  CHECK(saved >= 3);
  CHECK(refused.result() == http::status::service_unavailable);
  CHECK_THAT(refused.body(), Catch::Contains("disk is full"));
  check_no_sql(refused);
  CHECK(collector.has_disk_reserve());  // filling never takes the reserve

  // The finished response is sealed and stored all the same.
  auto submitted = respondent.call(http::verb::post, "/api/v1/draft/submit");
  check_no_sql(submitted);
  REQUIRE(submitted.result() == http::status::ok);
  CHECK(collector.status()->counts.pending == 4);

  // The admin discards every draft the phone left.
  Browser admin{api, "127.0.0.1", {}, {}};
  REQUIRE(
      admin.call(http::verb::post, "/api/v1/admin/login", std::string(R"({"pin":")") + kPin + "\"}")
          .result() == http::status::ok);
  auto list =
      json::parse(admin.call(http::verb::get, "/api/v1/admin/drafts").body()).as_object()["drafts"];
  REQUIRE(list.as_array().size() >= 3);
  for (const auto& d : list.as_array()) {
    auto res = admin.call(http::verb::delete_, "/api/v1/admin/drafts/" +
                                                   std::string(d.as_object().at("id").as_string()));
    check_no_sql(res);
    CHECK(res.result() == http::status::ok);
  }
  CHECK(*DraftStore(collector.store().db()).count() == 0);
  // The disk was full for these writes: the reserve made the room.
  CHECK_FALSE(collector.has_disk_reserve());

  // Nothing stored before is lost, and the database is sound.
  CHECK(collector.status()->counts.pending == 4);
  CHECK(*collector.store().db().integrity_check() == "ok");

  // The admin frees space elsewhere: the reserve comes back at the next tick.
  vfs.set_budget(dir, 0);
  api.tick();
  CHECK(collector.has_disk_reserve());
  // The details of each refusal went to the log.
  REQUIRE_FALSE(logged.empty());
  CHECK_THAT(logged.front(), Catch::Contains("disk is full"));
}
