// ServerApp (issue 13): every change an administrator can make is one
// transaction with its audit line. A failure injected on the audit write
// (a real SQLite trigger that aborts the INSERT) must leave nothing changed,
// and each use case must say why it failed, whether the change is written
// on the app's own connection (the command line) or by the server's single
// writer (the admin API inside serve).
#include "server_app.hpp"

#include <catch2/catch.hpp>

#include "equitas/forms/form_json.hpp"
#include "form_registry.hpp"
#include "ingestor.hpp"
#include "temp_dir.hpp"

using namespace equitas;
using namespace equitas::server;

namespace {

constexpr std::int64_t kNow = 1'790'000'000;  // a fixed clock: 2026-09-21

forms::Form small_form(const std::string& version) {
  auto form = forms::load_form_json(R"({"id": "post-check", "version": ")" + version +
                                    R"(", "title": {"en": "Post check"},
      "languages": ["en"], "lists": {"yn": [{"name": "yes", "label": {"en": "Yes"}}, {"name": "no", "label": {"en": "No"}}]},
      "items": [{"type": "select_one", "name": "lights_ok", "list": "yn", "required": true}]})");
  REQUIRE(form.is_ok());
  return std::move(*form);
}

// Everything a use case may change, as text.
std::string durable_state(ServerStore& store) {
  std::string out;
  for (const char* sql :
       {"SELECT count(*) || ':' || coalesce(group_concat(hex(device_id) || status || "
        "coalesce(hex(enroll_secret_hash), '') "
        "|| enroll_expires_at || coalesce(revoked_at, ''), ';'), '') FROM devices",
        "SELECT count(*) || ':' || coalesce(group_concat(id || label || coalesce(revoked_at, ''), "
        "';'), '') FROM admin_tokens",
        "SELECT count(*) FROM forms", "SELECT count(*) FROM form_rounds",
        "SELECT count(*) || ':' || coalesce(group_concat(site || '>' || unit, ';'), '') FROM "
        "reporting_units",
        "SELECT count(*) || ':' || coalesce(group_concat(round || unit || sex || headcount, ';'), "
        "'') FROM headcounts",
        "SELECT count(*) FROM code_batches", "SELECT count(*) FROM server_meta",
        "SELECT count(*) || ':' || coalesce(max(id), 0) FROM audit_log"}) {
    auto st = store.db().prepare(sql);
    REQUIRE(st.is_ok());
    auto row = st->step();
    REQUIRE(row.is_ok());
    REQUIRE(*row);
    out += st->column_text(0) + "\n";
  }
  return out;
}

std::int64_t audit_count(ServerStore& store, const std::string& action) {
  auto st = store.db().prepare("SELECT count(*) FROM audit_log WHERE action = ?1");
  REQUIRE(st.is_ok());
  st->bind(1, action);
  REQUIRE(*st->step());
  return st->column_int64(0);
}

}  // namespace

TEST_CASE("a failed audit write leaves every administrator's change undone", "[server][app]") {
  test::TempDir tmp;
  ManualClock clock(kNow);
  const DataDir dir{tmp / "server"};
  auto made = ServerApp::init(dir, {.unlocker = {}, .clock = &clock});
  REQUIRE(made.is_ok());
  ServerApp* chosen = &made->app;
  std::optional<Ingestor> writer;
  std::optional<ServerApp> served;
  SECTION("on the app's own connection, as on the command line") {}
  SECTION("through the server's single writer, as the admin API's inside serve") {
    auto store = ServerStore::open(dir);
    REQUIRE(store.is_ok());
    writer.emplace(std::move(*store));
    auto opened = ServerApp::open(
        dir, {.unlocker = {}, .clock = &clock, .write_path = [&writer](const StoreChange& change) {
                return writer->run_alone(change);
              }});
    REQUIRE(opened.is_ok());
    served.emplace(std::move(*opened));
    chosen = &*served;
  }
  ServerApp& app = *chosen;
  CHECK(audit_count(app.store(), "server.init") == 1);
  auto pending = app.enroll_device("Northern land post", "ws://127.0.0.1:8443", 14 * 86400, "cli");
  REQUIRE(pending.is_ok());
  REQUIRE(app.create_admin_token("analyst", Role::kAnalyst, "cli").is_ok());
  auto tokens = app.store().list_admin_tokens();
  REQUIRE(tokens.is_ok());
  const std::int64_t token_id = tokens->back().id;
  forms::Form coded = small_form("coded");
  coded.response_codes = true;
  REQUIRE(app.publish_form(FormToPublish{coded, "json", "2026-baseline"}, "cli").is_ok());

  REQUIRE(app.store()
              .db()
              .exec("CREATE TRIGGER injected_audit_failure BEFORE INSERT ON audit_log "
                    "BEGIN SELECT RAISE(ABORT, 'injected audit failure'); END")
              .is_ok());
  const std::string before = durable_state(app.store());

  auto failed = [](const Status& s) {
    INFO(s.to_string());
    CHECK_FALSE(s.is_ok());
    CHECK_THAT(s.message(), Catch::Contains("injected audit failure"));
  };
  failed(app.enroll_device("Island post", "ws://127.0.0.1:8443", 86400, "cli").status());
  failed(app.reissue_device(pending->device_id, "ws://127.0.0.1:8443", 86400, "cli").status());
  failed(app.revoke_device(pending->device_id, "cli"));
  failed(app.publish_form(FormToPublish{small_form("1"), "json", "2026-baseline"}, "cli"));
  failed(app.create_admin_token("another", Role::kViewer, "cli").status());
  failed(app.revoke_admin_token(token_id, "cli"));
  const std::vector<UnitMapping> units{{"Northern land post", "North"}};
  failed(app.set_units(units, "cli"));
  const std::vector<Headcount> heads{{"Northern land post", "", 40},
                                     {"Northern land post", "female", 12}};
  failed(app.set_headcounts("2026-baseline", heads, "cli"));
  failed(
      app.issue_codes("post-check", "2026-baseline", 3, "cli").status());  // no batch, no key left
  CHECK(durable_state(app.store()) == before);

  // The same calls once the audit log takes lines again: each is recorded.
  REQUIRE(app.store().db().exec("DROP TRIGGER injected_audit_failure").is_ok());
  CHECK(app.enroll_device("Island post", "ws://127.0.0.1:8443", 86400, "cli").is_ok());
  CHECK(app.reissue_device(pending->device_id, "ws://127.0.0.1:8443", 86400, "cli").is_ok());
  CHECK(app.revoke_device(pending->device_id, "cli").is_ok());
  CHECK(app.publish_form(FormToPublish{small_form("1"), "json", "2026-baseline"}, "cli").is_ok());
  CHECK(app.create_admin_token("another", Role::kViewer, "cli").is_ok());
  CHECK(app.revoke_admin_token(token_id, "cli").is_ok());
  CHECK(
      app.set_headcounts("2026-baseline", heads, "cli").is_ok());  // the post is still its own unit
  CHECK(app.set_units(units, "cli").is_ok());
  CHECK(app.issue_codes("post-check", "2026-baseline", 3, "cli").is_ok());
  for (const char* action : {"device.reissue", "device.revoke", "admin-token.revoke", "units.set",
                             "headcounts.set", "codes.issue"}) {
    INFO(action);
    CHECK(audit_count(app.store(), action) == 1);
  }
  CHECK(audit_count(app.store(), "form.publish") == 2);  // the coded version, then version 1
  CHECK(audit_count(app.store(), "device.enroll") == 2);
  CHECK(audit_count(app.store(), "admin-token.create") == 2);
}

TEST_CASE(
    "publishing is all or nothing, and refuses a changed definition under a published version",
    "[server][app]") {
  test::TempDir tmp;
  ManualClock clock(kNow);
  auto made = ServerApp::init(DataDir{tmp / "server"}, {.unlocker = {}, .clock = &clock});
  REQUIRE(made.is_ok());
  ServerApp& app = made->app;
  REQUIRE(app.publish_form(FormToPublish{small_form("1"), "json", ""}, "cli").is_ok());
  // Again, for a round: the same definition, a new publication.
  REQUIRE(app.publish_form(FormToPublish{small_form("1"), "json", "2026-baseline"}, "cli").is_ok());
  forms::Form changed = small_form("1");
  changed.title.set("en", "Post check, edited");
  const Status s = app.publish_form(FormToPublish{changed, "json", ""}, "cli");
  CHECK(s.code() == StatusCode::kAlreadyExists);
  CHECK_THAT(s.message(), Catch::Contains("new version"));
  CHECK(audit_count(app.store(), "form.publish") == 2);
  // A bundled form may be published for a round only as it is.
  auto registry = FormRegistry::load(app.store());
  REQUIRE(registry.is_ok());
  std::shared_ptr<const forms::Form> bundled;
  for (const auto& e : (*registry)->library().entries()) {
    if (e.bundled && e.form->id == "staff-climate") bundled = e.form;
  }
  REQUIRE(bundled);
  REQUIRE(app.publish_form(FormToPublish{*bundled, "json", "2026-followup"}, "cli").is_ok());
  forms::Form edited = *bundled;
  edited.title.set("en", "Staff climate, our edit");
  const Status bundled_changed =
      app.publish_form(FormToPublish{edited, "json", "2026-followup"}, "cli");
  CHECK(bundled_changed.code() == StatusCode::kAlreadyExists);
  CHECK_THAT(bundled_changed.message(), Catch::Contains("bundled form"));
  const Status too_long =
      app.publish_form(FormToPublish{small_form("2"), "json", std::string(65, 'r')}, "cli");
  CHECK(too_long.code() == StatusCode::kInvalidArgument);
}
