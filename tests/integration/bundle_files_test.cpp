// Files travel by USB bundle too (issue 18): a post whose link is down
// carries its photos to headquarters in the bundle, still encrypted as they
// were at capture; the server checks them chunk by chunk against the hash
// each response signed; the receipt frees the post's disk. A neighbour can
// relay them, as it relays responses. A bundle altered on the way is
// refused whole; a full disk at headquarters keeps the files at the post.
#include <stdlib.h>

#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>
#include <fstream>

#include "equitas/forms/file_answer.hpp"
#include "fixtures.hpp"
#include "process.hpp"
#include "sample_files.hpp"

using namespace equitas;
using namespace equitas::test;

namespace {

std::string write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
  return path.string();
}

ByteView view_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// A post with a link once, at setup (registration and the form), then none.
struct Post {
  TempDir tmp;
  TestServer server{tmp / "server"};
  std::string sdir = server.dir().root.string();
  std::optional<collector::Collector> c;

  explicit Post(const std::string& site = "Island post") {
    server.start();
    auto pub = server_cli(
        {"forms", "publish", "--data-dir", sdir, write_text(tmp / "evidence.json", kEvidenceForm)});
    INFO(pub.out << pub.err);
    REQUIRE(pub.code == 0);
    c.emplace(make_collector(tmp / "post", server.enroll(site)));
    REQUIRE(c->sync({}).is_ok());
  }

  // Captures `photos` and `policy` into one response, as the page does.
  void submit(collector::Collector& into, const std::vector<std::string>& photos,
              const std::string& policy) {
    auto lib = into.library();
    REQUIRE(lib.is_ok());
    const forms::Form& form = *(*lib)->current("post-evidence");
    std::vector<forms::FileRef> refs;
    for (std::size_t i = 0; i < photos.size(); ++i) {
      auto ref = into.capture_file(form, "room_photo", view_of(photos[i]),
                                   "room" + std::to_string(i) + ".jpg");
      INFO(ref.status().to_string());
      REQUIRE(ref.is_ok());
      refs.push_back(*ref);
    }
    auto doc = into.capture_file(form, "policy", view_of(policy), "policy.pdf");
    REQUIRE(doc.is_ok());
    std::string answers = R"({"room_open": "yes", "room_photo": )" +
                          boost::json::serialize(forms::file_answer_json(refs, true)) +
                          R"(, "policy": )" +
                          boost::json::serialize(forms::file_answer_json({*doc}, true)) + "}";
    auto sub = into.submit("post-evidence", "", answers);
    INFO(sub.status().to_string());
    REQUIRE(sub.is_ok());
  }

  // The files of `sync-server export --with-files`, by name.
  std::map<std::string, std::string> exported_files() {
    const auto zip = tmp / ("export-" + std::to_string(++exports) + ".zip");
    auto ex = server_cli({"export", "--data-dir", sdir, "--form", "post-evidence", "--with-files",
                          "--out", zip.string()});
    INFO(ex.err);
    REQUIRE(ex.code == 0);
    return read_zip(zip);
  }
  int exports = 0;
};

// Files captured here and not yet held by the server.
std::int64_t files_held(collector::Collector& c) {
  auto held = c.store().files_held();
  REQUIRE(held.is_ok());
  return held->files;
}

}  // namespace

TEST_CASE("a bundle carries a post's photos to the server and its receipt frees the post's disk",
          "[integration][bundle][files]") {
  Post p;
  p.server.stop();  // the link is down from here on
  const std::string canary = "CANARY-bundle-photo-91c4";
  const std::vector<std::string> photos{fake_jpeg(300 * 1024, canary), fake_jpeg(70 * 1024)};
  const std::string policy = fake_pdf("search cubicle policy, 2026");
  p.submit(*p.c, photos, policy);
  CHECK(files_held(*p.c) == 3);

  const std::string post_dir = (p.tmp / "post").string();
  const std::string bundle = (p.tmp / "usb.eqb").string();
  auto exported = collector_cli({"bundle", "export", "--data-dir", post_dir, "--out", bundle});
  INFO(exported.out << exported.err);
  REQUIRE(exported.code == 0);
  CHECK_THAT(exported.out, Catch::Contains("Wrote 1 sealed submission and 3 files ("));
  // Sealed at capture and still sealed on the stick.
  CHECK_FALSE(found_under(p.tmp / "post", canary));
  std::ifstream in(bundle, std::ios::binary);
  const std::string on_stick((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  CHECK(on_stick.find(canary) == std::string::npos);
  CHECK(on_stick.size() > 370 * 1024);

  const std::string receipt = (p.tmp / "receipt.eqr").string();
  auto imported = server_cli({"import", "--data-dir", p.sdir, bundle, "--receipt", receipt});
  INFO(imported.out << imported.err);
  REQUIRE(imported.code == 0);
  CHECK_THAT(imported.out, Catch::Contains("1 accepted") && Catch::Contains("3 files: 3 held"));
  auto files = p.exported_files();
  for (const auto& photo : photos) {
    REQUIRE(files.count("files/" + sha256_hex(photo) + ".jpg") == 1);
    CHECK(files.at("files/" + sha256_hex(photo) + ".jpg") == photo);
  }
  CHECK(files.at("files/" + sha256_hex(policy) + ".pdf") == policy);
  // The same bundle again stores nothing twice, and says the files are held.
  auto again = server_cli({"import", "--data-dir", p.sdir, bundle});
  CHECK(again.code == 0);
  CHECK_THAT(again.out, Catch::Contains("1 duplicate") && Catch::Contains("3 files: 3 held"));

  auto applied = collector_cli({"bundle", "import", "--data-dir", post_dir, receipt});
  INFO(applied.out << applied.err);
  REQUIRE(applied.code == 0);
  CHECK_THAT(applied.out, Catch::Contains("1 submission(s) settled") &&
                              Catch::Contains("3 file(s) held by the server, deleted here"));
  auto reopened = collector::Collector::open(collector::DataDir{p.tmp / "post"});
  REQUIRE(reopened.is_ok());
  CHECK(files_held(*reopened) == 0);
  CHECK(reopened->status()->counts.pending == 0);
  // Nothing is left to carry.
  auto next = collector_cli(
      {"bundle", "export", "--data-dir", post_dir, "--out", (p.tmp / "next.eqb").string()});
  CHECK_THAT(next.out, Catch::Contains("Wrote 0 sealed submissions to"));
}

TEST_CASE("a neighbour relays a post's photos: it cannot read them, the server checks them",
          "[integration][bundle][files]") {
  Post p("North");
  auto south = make_collector(p.tmp / "south", p.server.enroll("South"));
  REQUIRE(south.sync({}).is_ok());  // the device list a relay checks bundles against
  const std::string canary = "CANARY-relayed-photo-3b07";
  const std::vector<std::string> photos{fake_jpeg(200 * 1024, canary)};
  const std::string policy = fake_pdf("relayed policy");
  p.submit(*p.c, photos, policy);
  REQUIRE(p.c->export_bundle(p.tmp / "north.eqb").is_ok());

  auto relay = collector_cli({"bundle", "import", "--data-dir", (p.tmp / "south").string(),
                              (p.tmp / "north.eqb").string()});
  INFO(relay.out << relay.err);
  REQUIRE(relay.code == 0);
  CHECK_THAT(relay.out,
             Catch::Contains("Queued 1 submission(s)") && Catch::Contains("and 2 file(s)"));
  CHECK_FALSE(found_under(p.tmp / "south", canary));
  // South's next sync carries North's response, then its files.
  auto r = south.sync({});
  INFO(r.status().to_string());
  REQUIRE(r.is_ok());
  CHECK(r->accepted == 1);
  CHECK(r->files_sent == 2);
  CHECK(files_held(south) == 0);
  auto files = p.exported_files();
  CHECK(files.at("files/" + sha256_hex(photos[0]) + ".jpg") == photos[0]);
  CHECK(files.at("files/" + sha256_hex(policy) + ".pdf") == policy);
  // North's own sync later finds everything there: nothing is sent twice.
  auto north = p.c->sync({});
  REQUIRE(north.is_ok());
  CHECK(north->duplicate == 1);
  CHECK(north->file_bytes_sent == 0);
  CHECK(files_held(*p.c) == 0);
}

TEST_CASE(
    "a bundle altered on the way is refused whole, and a full disk keeps the files at the post",
    "[integration][bundle][files]") {
  Post p;
  p.server.stop();
  const std::vector<std::string> photos{fake_jpeg(150 * 1024)};
  p.submit(*p.c, photos, fake_pdf("kept"));
  const auto bundle = p.tmp / "usb.eqb";
  REQUIRE(p.c->export_bundle(bundle).is_ok());

  SECTION(
      "one byte of a photo flipped on the stick: the device's signature fails, nothing is stored") {
    auto bytes = read_file(bundle, 1 << 30);
    REQUIRE(bytes.is_ok());
    (*bytes)[bytes->size() / 2] ^= 0x20;  // inside the photo's chunks
    const auto bad = p.tmp / "bad.eqb";
    std::ofstream(bad, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes->data()),
               static_cast<std::streamsize>(bytes->size()));
    auto r = server_cli({"import", "--data-dir", p.sdir, bad.string()});
    CHECK(r.code == 1);
    CHECK_THAT(r.out, Catch::Contains("refused") && Catch::Contains("signature does not verify"));
    CHECK(exported_rows(p.server, "post-evidence") == 0);
  }

  SECTION(
      "the server's disk fills during the import: the response is stored, the files stay at the "
      "post") {
    const std::string receipt = (p.tmp / "r.eqr").string();
    // Every chunk write stores half, then fails with ENOSPC (the fault
    // point the sync path is tested with), in a child process.
    ::setenv("EQUITAS_FAULT", "file-disk-full", 1);
    auto full = run_command({bin_path("sync-server"), "import", "--data-dir", p.sdir,
                             bundle.string(), "--receipt", receipt});
    ::unsetenv("EQUITAS_FAULT");
    INFO(full.out << full.err);
    CHECK(full.exit_code == 3);
    CHECK_THAT(full.out, Catch::Contains("1 accepted") && Catch::Contains("2 files: 0 held") &&
                             Catch::Contains("not stored: file"));
    // Nothing half-written is visible: no file is held, partial files are empty.
    auto store = p.server.open_store();
    auto held = store.db().prepare("SELECT COUNT(*) FROM file_blobs");
    REQUIRE(*held->step());
    CHECK(held->column_int64(0) == 0);
    const auto partial = p.server.dir().root / "files" / "partial";
    if (std::filesystem::exists(partial)) {
      for (const auto& e : std::filesystem::directory_iterator(partial)) CHECK(e.file_size() == 0);
    }
    auto applied =
        collector_cli({"bundle", "import", "--data-dir", (p.tmp / "post").string(), receipt});
    INFO(applied.out);
    REQUIRE(applied.code == 0);
    CHECK_THAT(applied.out, Catch::Contains("Not stored by the server, kept here: file"));
    auto reopened = collector::Collector::open(collector::DataDir{p.tmp / "post"});
    CHECK(files_held(*reopened) == 2);
    // The response is settled; its files go in the next bundle, and this
    // time the disk has room.
    REQUIRE(reopened->export_bundle(p.tmp / "again.eqb").is_ok());
    auto again = server_cli({"import", "--data-dir", p.sdir, (p.tmp / "again.eqb").string()});
    INFO(again.out << again.err);
    CHECK(again.code == 0);
    CHECK_THAT(again.out, Catch::Contains("0 envelopes") && Catch::Contains("2 files: 2 held"));
    auto files = p.exported_files();
    CHECK(files.at("files/" + sha256_hex(photos[0]) + ".jpg") == photos[0]);
  }
}
