// USB bundles: export at a post with no link, import at headquarters,
// receipt back at the post; relay through another post; the same checks as
// a sync session on every path.
#include <catch2/catch.hpp>
#include <fstream>

#include "fixtures.hpp"

using namespace equitas;
using namespace equitas::test;

namespace {

std::int64_t pending(collector::Collector& c) { return c.status()->counts.pending; }

std::string flip_byte(const std::filesystem::path& path, std::size_t from_end) {
  auto bytes = read_file(path, 1 << 30);
  REQUIRE(bytes.is_ok());
  (*bytes)[bytes->size() - from_end] ^= 0x01;
  const std::string out = path.string() + ".tampered";
  std::ofstream(out, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes->data()),
             static_cast<std::streamsize>(bytes->size()));
  return out;
}

}  // namespace

TEST_CASE("a bundle goes to the server by hand and its receipt comes back",
          "[integration][bundle]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  const std::string sdir = server.dir().root.string();
  auto c = make_collector(tmp / "post", server.enroll("Remote post"));
  // The first sync registers the device (a post with a link once, at setup).
  REQUIRE(c.sync({}).is_ok());
  server.stop();

  submit_many(c, 25);
  std::filesystem::create_directories(tmp / "usb");
  const std::string bundle = (tmp / "usb" / "post.eqb").string();
  auto exported =
      collector_cli({"bundle", "export", "--data-dir", (tmp / "post").string(), "--out", bundle});
  REQUIRE(exported.code == 0);
  CHECK_THAT(exported.out, Catch::Contains("Wrote 25 sealed submissions"));
  CHECK(pending(c) == 25);
  CHECK(read_all_files(tmp / "usb").find("response 3") == std::string::npos);  // sealed

  const std::string receipt = (tmp / "receipt.eqr").string();
  auto imported = server_cli({"import", "--data-dir", sdir, bundle, "--receipt", receipt});
  INFO(imported.err);
  REQUIRE(imported.code == 0);
  CHECK_THAT(imported.out, Catch::Contains("25 accepted, 0 duplicate, 0 conflict, 0 rejected"));
  // Idempotent: the same bundle again adds nothing.
  auto again = server_cli({"import", "--data-dir", sdir, bundle});
  CHECK_THAT(again.out, Catch::Contains("0 accepted, 25 duplicate"));
  CHECK(exported_rows(server) == 25);

  auto applied =
      collector_cli({"bundle", "import", "--data-dir", (tmp / "post").string(), receipt});
  INFO(applied.err);
  REQUIRE(applied.code == 0);
  CHECK_THAT(applied.out, Catch::Contains("25 submission(s) settled"));
  auto reopened = collector::Collector::open(collector::DataDir{tmp / "post"});
  CHECK(reopened->status()->counts.pending == 0);
  CHECK(reopened->status()->counts.synced == 25);
}

TEST_CASE("tampered bundles and receipts are refused, and nothing is changed",
          "[integration][bundle]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  const std::string sdir = server.dir().root.string();
  auto c = make_collector(tmp / "post", server.enroll("Post"));
  REQUIRE(c.sync({}).is_ok());
  submit_many(c, 5);
  REQUIRE(c.export_bundle(tmp / "b.eqb").is_ok());

  const std::string bad_bundle = flip_byte(tmp / "b.eqb", 100);
  auto r = server_cli({"import", "--data-dir", sdir, bad_bundle});
  CHECK_THAT(r.out, Catch::Contains("refused"));
  CHECK(exported_rows(server) == 0);
  CHECK_THAT(server_cli({"import", "--data-dir", sdir, (tmp / "nothing").string()}).out,
             Catch::Contains("refused"));

  REQUIRE(server_cli({"import", "--data-dir", sdir, (tmp / "b.eqb").string(), "--receipt",
                      (tmp / "r.eqr").string()})
              .code == 0);
  const std::string bad_receipt = flip_byte(tmp / "r.eqr", 70);
  auto applied =
      collector_cli({"bundle", "import", "--data-dir", (tmp / "post").string(), bad_receipt});
  CHECK(applied.code == 1);
  CHECK_THAT(applied.err, Catch::Contains("not signed by this collector's server"));
  CHECK(pending(c) == 5);
  // A receipt from another server is refused the same way.
  TestServer other(tmp / "other");
  auto other_post = make_collector(tmp / "other-post", [&] {
    other.start();
    return other.enroll("Elsewhere");
  }());
  REQUIRE(other_post.sync({}).is_ok());
  submit_many(other_post, 1);
  REQUIRE(other_post.export_bundle(tmp / "o.eqb").is_ok());
  REQUIRE(server_cli({"import", "--data-dir", other.dir().root.string(), (tmp / "o.eqb").string(),
                      "--receipt", (tmp / "o.eqr").string()})
              .code == 0);
  CHECK(collector_cli(
            {"bundle", "import", "--data-dir", (tmp / "post").string(), (tmp / "o.eqr").string()})
            .code == 1);
  // And a bundle made for another server is refused by this one.
  CHECK_THAT(server_cli({"import", "--data-dir", sdir, (tmp / "o.eqb").string()}).out,
             Catch::Contains("made for another server"));
}

TEST_CASE("a revoked device's bundle is refused on import and through a relay",
          "[integration][bundle]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  const std::string sdir = server.dir().root.string();
  auto a = make_collector(tmp / "a", server.enroll("Post A"));
  auto b = make_collector(tmp / "b", server.enroll("Post B"));
  REQUIRE(a.sync({}).is_ok());
  REQUIRE(b.sync({}).is_ok());
  submit_many(a, 4);
  REQUIRE(a.export_bundle(tmp / "a.eqb").is_ok());

  SECTION("relay while A is in good standing: B uploads A's envelopes, A's signature is checked") {
    auto relay = collector_cli(
        {"bundle", "import", "--data-dir", (tmp / "b").string(), (tmp / "a.eqb").string()});
    REQUIRE(relay.code == 0);
    CHECK_THAT(relay.out, Catch::Contains("Queued 4 submission(s) from device"));
    auto r = b.sync({});
    REQUIRE(r.is_ok());
    CHECK(r->accepted == 4);
    auto store = server.open_store();
    auto st = store.db().prepare("SELECT COUNT(*) FROM submissions WHERE relayed_by IS NOT NULL");
    REQUIRE(*st->step());
    CHECK(st->column_int64(0) == 4);
    // A later direct sync by A finds them already there.
    CHECK(a.sync({})->duplicate == 4);
  }
  SECTION("A revoked: refused on import and on relay") {
    const std::string a_id = (*a.enrollment())->device_id.to_string();
    REQUIRE(server_cli({"device", "revoke", "--data-dir", sdir, a_id}).code == 0);
    auto imp = server_cli({"import", "--data-dir", sdir, (tmp / "a.eqb").string()});
    CHECK_THAT(imp.out, Catch::Contains("0 accepted, 0 duplicate, 0 conflict, 4 rejected"));
    REQUIRE(collector_cli(
                {"bundle", "import", "--data-dir", (tmp / "b").string(), (tmp / "a.eqb").string()})
                .code == 0);
    auto r = b.sync({});
    REQUIRE(r.is_ok());
    CHECK(r->rejected == 4);
    CHECK_THAT(r->rejections[0], Catch::Contains("revoked"));
    CHECK(exported_rows(server) == 0);
  }
}
