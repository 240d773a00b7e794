// No post left stranded (issue 17): a code that expires before the first
// sync is renewed for the same device; a post that never connects registers
// through its USB bundle, or through a neighbour that relays it. Real server
// and collector folders, real sockets on loopback, the real CLIs.
#include <catch2/catch.hpp>

#include "fixtures.hpp"

using namespace equitas;
using namespace equitas::test;

namespace {

// Nothing listens there: a post with no link.
constexpr const char* kNoLink = "ws://127.0.0.1:9";

std::int64_t pending(const std::filesystem::path& dir) {
  auto c = collector::Collector::open(collector::DataDir{dir});
  REQUIRE(c.is_ok());
  return c->status()->counts.pending;
}

std::string device_state(const TestServer& server, const collector::Collector& c) {
  auto store = server.open_store();
  auto d = store.find_device(const_cast<collector::Collector&>(c).enrollment().value()->device_id);
  REQUIRE(d.is_ok());
  REQUIRE(d->has_value());
  return std::string(server::device_state_name((*d)->state));
}

void expire_codes(const TestServer& server) {
  auto store = server.open_store();
  REQUIRE(
      store.db()
          .exec("UPDATE devices SET enroll_expires_at = unixepoch() - 60 WHERE status = 'pending'")
          .is_ok());
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

std::int64_t audit_lines(const TestServer& server, const std::string& action,
                         const std::string& like = "%") {
  auto store = server.open_store();
  auto st =
      store.db().prepare("SELECT COUNT(*) FROM audit_log WHERE action = ?1 AND detail LIKE ?2");
  REQUIRE(st.is_ok());
  st->bind(1, action).bind(2, like);
  REQUIRE(*st->step());
  return st->column_int64(0);
}

}  // namespace

TEST_CASE("a code that expired before the first sync is reissued, renewed, and everything syncs",
          "[integration][stranded]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  const std::string sdir = server.dir().root.string();
  const std::string post = (tmp / "post").string();
  const std::string old_code = server.enroll("Remote post");
  auto c = make_collector(tmp / "post", old_code);
  const std::string id = (*c.enrollment())->device_id.to_string();
  submit_many(c, 7);
  expire_codes(server);  // weeks without a link

  // The sync says what to do, and keeps everything.
  auto refused = collector_cli({"sync", "--data-dir", post});
  CHECK(refused.code == 1);
  CHECK_THAT(refused.err, Catch::Contains("expired") &&
                              Catch::Contains("sync-server device reissue " + id) &&
                              Catch::Contains("collector enroll --renew"));
  CHECK(pending(tmp / "post") == 7);

  auto reissued = server_cli({"device", "reissue", "--data-dir", sdir, id, "--url", server.url()});
  INFO(reissued.err);
  REQUIRE(reissued.code == 0);
  CHECK_THAT(reissued.err, Catch::Contains("collector enroll --data-dir DIR --renew CODE"));
  const std::string new_code = trimmed(reissued.out);
  CHECK(new_code != old_code);
  CHECK(audit_lines(server, "device.reissue", "device=" + id + "%") == 1);

  // A plain enroll on an enrolled collector points at --renew.
  auto plain = collector_cli({"enroll", "--data-dir", post, new_code});
  CHECK(plain.code == 1);
  CHECK_THAT(plain.err, Catch::Contains("--renew"));

  auto renewed = collector_cli({"enroll", "--data-dir", post, "--renew", new_code});
  INFO(renewed.err);
  REQUIRE(renewed.code == 0);
  CHECK_THAT(renewed.out, Catch::Contains("7 pending"));

  auto synced = collector_cli({"sync", "--data-dir", post});
  INFO(synced.err);
  REQUIRE(synced.code == 0);
  CHECK_THAT(synced.out, Catch::Contains("7 accepted"));
  CHECK(exported_rows(server) == 7);
  CHECK(device_state(server, c) == "active");

  // The old code is dead: another laptop cannot take the device with it.
  auto thief = make_collector(tmp / "thief", old_code);
  auto stolen = thief.sync({});
  REQUIRE_FALSE(stolen.is_ok());
  CHECK_THAT(stolen.status().message(), Catch::Contains("could not be authenticated"));
  // And a registered device needs no new code.
  auto again = server_cli({"device", "reissue", "--data-dir", sdir, id});
  CHECK(again.code == 1);
  CHECK_THAT(again.err, Catch::Contains("needs no code"));
}

TEST_CASE(
    "enroll refuses an expired code: renew refuses another device, another server, a registered "
    "one",
    "[integration][stranded]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  const std::string code = server.enroll("Post A");
  collector::DataDir dir{tmp / "a"};
  REQUIRE(collector::Collector::init(dir).is_ok());
  // By this machine's clock, the code has expired: refused, with the way out.
  ManualClock clock(unix_now() + 15 * 86400);
  auto a = collector::Collector::open(dir, {.unlocker = {}, .clock = &clock});
  REQUIRE(a.is_ok());

  auto late = a->enroll(code);
  REQUIRE_FALSE(late.is_ok());
  CHECK(late.status().code() == StatusCode::kFailedPrecondition);
  CHECK_THAT(late.status().message(),
             Catch::Contains("expired") && Catch::Contains("sync-server device reissue"));
  CHECK_FALSE(a->enrollment()->has_value());
  CHECK_THAT(a->renew(code).status().message(), Catch::Contains("not enrolled yet"));

  clock.set(unix_now());
  REQUIRE(a->enroll(code).is_ok());
  submit_many(*a, 2);
  // A code for another device of the same server.
  const std::string other_device = server.enroll("Post B");
  auto wrong_device = a->renew(other_device);
  CHECK(wrong_device.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(wrong_device.status().message(), Catch::Contains("this collector is device"));
  // A code from another server.
  TestServer elsewhere(tmp / "elsewhere");
  elsewhere.start();
  CHECK_THAT(a->renew(elsewhere.enroll("Post A")).status().message(),
             Catch::Contains("another server"));
  // Nothing above touched the enrollment or the responses.
  CHECK((*a->enrollment())->site == "Post A");
  CHECK(a->status()->counts.pending == 2);
  // Registered: no renewal needed.
  REQUIRE(a->sync({}).is_ok());
  const std::string id = (*a->enrollment())->device_id.to_string();
  CHECK(server_cli({"device", "reissue", "--data-dir", server.dir().root.string(), id}).code == 1);
  CHECK_THAT(a->renew(code).status().message(), Catch::Contains("needs no new code"));
}

TEST_CASE("a post that never connects registers through its first USB bundle",
          "[integration][stranded][bundle]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  const std::string sdir = server.dir().root.string();
  const std::string post = (tmp / "post").string();
  auto c = make_collector(tmp / "post", server.enroll("Desert post", kNoLink));
  submit_many(c, 3);
  const std::string bundle = (tmp / "post.eqb").string();
  REQUIRE(collector_cli({"bundle", "export", "--data-dir", post, "--out", bundle}).code == 0);

  const std::string receipt = (tmp / "receipt.eqr").string();
  auto imported = server_cli({"import", "--data-dir", sdir, bundle, "--receipt", receipt});
  INFO(imported.out << imported.err);
  REQUIRE(imported.code == 0);
  CHECK_THAT(imported.out, Catch::Contains("registration completed from the bundle") &&
                               Catch::Contains("3 accepted, 0 duplicate, 0 conflict, 0 rejected"));
  CHECK(device_state(server, c) == "active");
  CHECK(audit_lines(server, "device.registered", "%via=bundle%") == 1);
  CHECK(exported_rows(server) == 3);

  auto applied = collector_cli({"bundle", "import", "--data-dir", post, receipt});
  INFO(applied.err);
  REQUIRE(applied.code == 0);
  CHECK_THAT(applied.out, Catch::Contains("3 submission(s) settled") &&
                              Catch::Contains("Registration completed"));
  auto reopened = collector::Collector::open(collector::DataDir{tmp / "post"});
  CHECK((*reopened->enrollment())->registered);
  CHECK(reopened->status()->counts.synced == 3);
  CHECK_FALSE(reopened->store().get_meta(collector::meta_key::kEnrollSecretKey)->has_value());

  // The same bundle again: nothing new, and the registration is not redone.
  auto again = server_cli({"import", "--data-dir", sdir, bundle});
  CHECK(again.code == 0);
  CHECK_THAT(again.out, Catch::Contains("0 accepted, 3 duplicate"));
  CHECK(audit_lines(server, "device.registered") == 1);

  // When a link appears one day, the device is simply known.
  server.start();
  submit_many(*reopened, 1);
  // The collector dials the code's (dead) URL; point it at the server.
  REQUIRE(reopened->store().set_meta(collector::meta_key::kUrl, server.url()).is_ok());
  auto r = reopened->sync({});
  INFO(r.status().to_string());
  REQUIRE(r.is_ok());
  CHECK(r->accepted == 1);
  CHECK_FALSE(r->registered_now);
}

TEST_CASE(
    "a first bundle whose code expired on the way is refused unless the administrator vouches for "
    "it",
    "[integration][stranded][bundle]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  const std::string sdir = server.dir().root.string();
  auto c = make_collector(tmp / "post", server.enroll("Island post", kNoLink));
  submit_many(c, 2);
  REQUIRE(c.export_bundle(tmp / "post.eqb").is_ok());
  expire_codes(server);

  auto refused = server_cli({"import", "--data-dir", sdir, (tmp / "post.eqb").string(), "--receipt",
                             (tmp / "r.eqr").string()});
  CHECK(refused.code == 1);  // nothing imported
  CHECK_THAT(refused.out, Catch::Contains("refused") && Catch::Contains("expired") &&
                              Catch::Contains("--accept-expired-code"));
  CHECK_THAT(refused.err, Catch::Contains("no receipt written"));
  CHECK_FALSE(std::filesystem::exists(tmp / "r.eqr"));
  CHECK(exported_rows(server) == 0);

  auto vouched = server_cli(
      {"import", "--data-dir", sdir, (tmp / "post.eqb").string(), "--accept-expired-code"});
  INFO(vouched.out << vouched.err);
  REQUIRE(vouched.code == 0);
  CHECK(exported_rows(server) == 2);
  CHECK(audit_lines(server, "device.registered", "%expired-code-accepted%") == 1);
}

TEST_CASE("a post that never connects registers through a neighbour that relays its bundle",
          "[integration][stranded][bundle]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  auto north = make_collector(tmp / "north", server.enroll("North", kNoLink));
  auto south = make_collector(tmp / "south", server.enroll("South"));
  REQUIRE(south.sync({}).is_ok());
  submit_many(north, 4);
  REQUIRE(north.export_bundle(tmp / "north.eqb").is_ok());

  auto relay = collector_cli(
      {"bundle", "import", "--data-dir", (tmp / "south").string(), (tmp / "north.eqb").string()});
  INFO(relay.err);
  REQUIRE(relay.code == 0);
  CHECK_THAT(relay.out,
             Catch::Contains("Queued 4 submission(s)") && Catch::Contains("with its registration"));

  auto r = south.sync({});
  INFO(r.status().to_string());
  REQUIRE(r.is_ok());
  CHECK(r->accepted == 4);
  CHECK(device_state(server, north) == "active");
  CHECK(audit_lines(server, "device.registered", "%via=relay%") == 1);
  CHECK(exported_rows(server) == 4);
  // Delivered once: the relay does not carry the registration again.
  CHECK(south.store().relayed_registrations(10)->empty());

  // North, when it finally gets a link, finds its responses there already.
  REQUIRE(north.store().set_meta(collector::meta_key::kUrl, server.url()).is_ok());
  auto direct = north.sync({});
  REQUIRE(direct.is_ok());
  CHECK(direct->duplicate == 4);
  CHECK((*north.enrollment())->registered);
}

TEST_CASE("a relay cannot smuggle a registration it altered", "[integration][stranded][bundle]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  auto north = make_collector(tmp / "north", server.enroll("North", kNoLink));
  REQUIRE(north.export_bundle(tmp / "north.eqb").is_ok());
  auto bytes = read_file(tmp / "north.eqb", 1 << 20);
  REQUIRE(bytes.is_ok());
  auto decoded = decode_bundle(*bytes);
  REQUIRE(decoded.is_ok());
  REQUIRE(decoded->bundle.registration.has_value());
  // Flip one bit of the registration: its signature no longer verifies.
  Bundle altered = decoded->bundle;
  (*altered.registration)[20] ^= 0x01;
  const SigningKey someone = SigningKey::generate();
  REQUIRE(
      write_file_atomically(tmp / "altered.eqb", encode_bundle(altered, someone), 0600).is_ok());
  auto south = make_collector(tmp / "south", server.enroll("South"));
  auto relay = collector_cli(
      {"bundle", "import", "--data-dir", (tmp / "south").string(), (tmp / "altered.eqb").string()});
  CHECK(relay.code == 1);
  CHECK_THAT(relay.err,
             Catch::Contains("registration was refused") && Catch::Contains("nothing was changed"));
  CHECK(south.store().relayed_registrations(10)->empty());
  // At headquarters too.
  auto imported = server_cli(
      {"import", "--data-dir", server.dir().root.string(), (tmp / "altered.eqb").string()});
  CHECK(imported.code == 1);
  CHECK(device_state(server, north) == "pending");
}

TEST_CASE("a bundle cannot register another device with a registration it copied",
          "[integration][stranded][bundle]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  auto east = make_collector(tmp / "east", server.enroll("East", kNoLink));
  auto west = make_collector(tmp / "west", server.enroll("West", kNoLink));
  submit_many(west, 1);
  REQUIRE(east.export_bundle(tmp / "east.eqb").is_ok());
  REQUIRE(west.export_bundle(tmp / "west.eqb").is_ok());
  auto east_bundle = decode_bundle(*read_file(tmp / "east.eqb", 1 << 20));
  auto west_bundle = decode_bundle(*read_file(tmp / "west.eqb", 1 << 20));
  REQUIRE(east_bundle.is_ok());
  REQUIRE(west_bundle.is_ok());
  // West's own bundle, signed by West, but with East's (valid) registration.
  Bundle swapped = west_bundle->bundle;
  swapped.registration = east_bundle->bundle.registration;
  REQUIRE(
      write_file_atomically(tmp / "swapped.eqb", encode_bundle(swapped, west.device_key()), 0600)
          .is_ok());

  auto imported = server_cli(
      {"import", "--data-dir", server.dir().root.string(), (tmp / "swapped.eqb").string()});
  INFO(imported.out << imported.err);
  CHECK(imported.code == 1);
  CHECK_THAT(imported.out, Catch::Contains("carries another device's registration"));
  CHECK(device_state(server, east) == "pending");
  CHECK(device_state(server, west) == "pending");
  CHECK(exported_rows(server) == 0);
}
