// Files that responses name (issue 18), end to end on the real components:
// captured by `collector submit` with @path, encrypted at capture, sent in
// chunks after the response over a real WebSocket, resumed after cuts and
// after a kill -9 of the server, checked against the signed hash, and
// exported byte for byte in the zip of `sync-server export --with-files`.
#include <signal.h>
#include <sodium.h>

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <regex>

#include "cutting_proxy.hpp"
#include "equitas/db/database.hpp"
#include "equitas/forms/answer_validator.hpp"
#include "equitas/util/bytes.hpp"
#include "equitas/wire/file_transfer.hpp"
#include "equitas/wire/payload.hpp"
#include "file_store.hpp"
#include "fixtures.hpp"
#include "process.hpp"
#include "sample_files.hpp"

using namespace equitas;
using namespace equitas::test;

namespace {

std::string write_text(const TempDir& tmp, const std::string& name, const std::string& text) {
  const auto path = tmp / name;
  std::ofstream(path, std::ios::binary) << text;
  return path.string();
}

boost::json::object sync_json(const std::string& dir) {
  auto r = collector_cli({"sync", "--data-dir", dir, "--json"});
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  // The last line is the report.
  std::string last;
  std::istringstream lines(r.out);
  for (std::string l; std::getline(lines, l);) {
    if (!l.empty()) last = l;
  }
  return boost::json::parse(last).as_object();
}

void publish_evidence_form(const TempDir& tmp, const std::string& server_dir) {
  auto pub = server_cli({"forms", "publish", "--data-dir", server_dir,
                         write_text(tmp, "evidence.json", kEvidenceForm)});
  INFO(pub.out << pub.err);
  REQUIRE(pub.code == 0);
}

// The JSON Lines export of `form` names `file_name` and holds no key.
void check_jsonl_names_without_keys(const std::string& sdir, const std::string& form,
                                    const std::string& file_name) {
  auto jsonl = server_cli({"export", "--data-dir", sdir, "--form", form, "--format", "jsonl"});
  REQUIRE(jsonl.code == 0);
  CHECK_THAT(jsonl.out, Catch::Contains(file_name));
  CHECK(jsonl.out.find("key") == std::string::npos);
}

}  // namespace

TEST_CASE("a photo and a PDF given with @path reach the server in chunks and export byte for byte",
          "[integration][files]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  const std::string sdir = server.dir().root.string();
  publish_evidence_form(tmp, sdir);
  const std::string dir = (tmp / "c").string();
  REQUIRE(collector_cli({"init", "--data-dir", dir}).code == 0);
  REQUIRE(collector_cli({"enroll", "--data-dir", dir, server.enroll("Land post")}).code == 0);
  sync_json(dir);  // registration, and the form

  const std::string canary = "CANARY-evidence-photo-5e1f";
  const std::string photo = fake_jpeg(300 * 1024, canary);  // 5 chunks
  const std::string policy = fake_pdf("the lactation room policy, 2026");
  const std::string photo_path = write_text(tmp, "room.jpg", photo);
  const std::string policy_path = write_text(tmp, "policy.pdf", policy);
  auto sub = collector_cli({"submit", "--data-dir", dir, "--form", "post-evidence", "-"},
                           R"({"room_open": "yes", "room_photo": ["@)" + photo_path +
                               R"("], "policy": "@)" + policy_path + R"("})");
  INFO(sub.out << sub.err);
  REQUIRE(sub.code == 0);
  // Encrypted at capture: the canary is in no file of the collector.
  CHECK_FALSE(found_under(dir, canary));

  auto report = sync_json(dir);
  CHECK(report.at("accepted").as_int64() == 1);
  CHECK(report.at("files_sent").as_int64() == 2);
  CHECK(report.at("file_chunks_sent").as_int64() == 6);  // 5 for the photo, 1 for the PDF
  CHECK(report.at("file_notes").as_array().empty());
  // Sent in full: the collector keeps no chunk of them.
  {
    auto db = Database::open(std::filesystem::path(dir) / "collector.db");
    REQUIRE(db.is_ok());
    auto st = db->prepare(
        "SELECT (SELECT count(*) FROM file_chunks), (SELECT count(*) FROM outbox_files "
        "WHERE state = 'sent')");
    REQUIRE(st.is_ok());
    REQUIRE(*st->step());
    CHECK(st->column_int64(0) == 0);
    CHECK(st->column_int64(1) == 2);
  }
  // Encrypted at rest on the server too: the folder of files alone reveals nothing.
  CHECK_FALSE(found_under(server.dir().root / "files", canary));

  // The same PDF in a second response is not sent again.
  auto again = collector_cli({"submit", "--data-dir", dir, "--form", "post-evidence", "-"},
                             R"({"room_open": "no", "policy": "@)" + policy_path + R"("})");
  REQUIRE(again.code == 0);
  auto second = sync_json(dir);
  CHECK(second.at("files_sent").as_int64() == 0);
  CHECK(second.at("files_already_held").as_int64() == 1);
  CHECK(second.at("file_chunks_sent").as_int64() == 0);

  // Two responses naming one new document, in one sync: it travels once.
  const std::string circular = write_text(tmp, "circular.pdf", fake_pdf("circular 12/2026"));
  for (const char* open : {"yes", "no"}) {
    auto r = collector_cli(
        {"submit", "--data-dir", dir, "--form", "post-evidence", "-"},
        std::string(R"({"room_open": ")") + open + R"(", "policy": "@)" + circular + R"("})");
    REQUIRE(r.code == 0);
  }
  auto third = sync_json(dir);
  CHECK(third.at("accepted").as_int64() == 2);
  CHECK(third.at("files_sent").as_int64() == 1);
  CHECK(third.at("files_already_held").as_int64() == 1);
  CHECK(third.at("file_chunks_sent").as_int64() == 1);

  // The export names each file by its hash, and the zip holds the same bytes.
  const auto zip = tmp / "evidence.zip";
  auto ex = server_cli({"export", "--data-dir", sdir, "--form", "post-evidence", "--with-files",
                        "--out", zip.string()});
  INFO(ex.out << ex.err);
  REQUIRE(ex.code == 0);
  CHECK_THAT(ex.err, Catch::Contains("3 file(s)"));
  const auto entries = read_zip(zip);
  const std::string photo_name = "files/" + sha256_hex(photo) + ".jpg";
  const std::string policy_name = "files/" + sha256_hex(policy) + ".pdf";
  REQUIRE(entries.count(photo_name) == 1);
  REQUIRE(entries.count(policy_name) == 1);
  CHECK(sha256_hex(entries.at(photo_name)) == sha256_hex(photo));
  CHECK(entries.at(policy_name) == policy);
  REQUIRE(entries.count("post-evidence.csv") == 1);
  const std::string& csv = entries.at("post-evidence.csv");
  CHECK_THAT(csv, Catch::Contains(photo_name));
  CHECK(std::count(csv.begin(), csv.end() - 1, '\n') >= 2);
  std::size_t policy_cells = 0;
  for (auto at = csv.find(policy_name); at != std::string::npos; at = csv.find(policy_name, at + 1))
    ++policy_cells;
  CHECK(policy_cells == 2);  // both responses name it
  // No key ever reaches an export.
  CHECK(csv.find("\"key\"") == std::string::npos);
  check_jsonl_names_without_keys(sdir, "post-evidence", photo_name);
}

TEST_CASE(
    "a file over its limit, of a refused type, cut short or empty is refused at capture, storing "
    "nothing",
    "[integration][files]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  publish_evidence_form(tmp, server.dir().root.string());
  const std::string dir = (tmp / "c").string();
  REQUIRE(collector_cli({"init", "--data-dir", dir}).code == 0);
  REQUIRE(collector_cli({"enroll", "--data-dir", dir, server.enroll("Land post")}).code == 0);
  sync_json(dir);
  const std::string good_pdf = write_text(tmp, "ok.pdf", fake_pdf("fine"));

  struct Case {
    std::string file, bytes, expect;
  };
  std::string cut = fake_jpeg(100 * 1024, "x");
  cut.resize(60 * 1024);  // a copy that stopped half way
  const std::vector<Case> cases = {
      {"big.jpg", fake_jpeg(5 * 1024 * 1024, "x"), "takes files of at most 4.0 MB"},
      {"notes.txt", "just text, not a photo", "accepts image/*"},
      {"cut.jpg", cut, "cut short"},
      {"empty.jpg", "", "is empty"},
  };
  for (const Case& c : cases) {
    INFO(c.file);
    const std::string path = write_text(tmp, c.file, c.bytes);
    auto r = collector_cli({"submit", "--data-dir", dir, "--form", "post-evidence", "-"},
                           R"({"room_open": "yes", "room_photo": "@)" + path +
                               R"(", "policy": "@)" + good_pdf + R"("})");
    CHECK(r.code == 1);
    CHECK_THAT(r.err, Catch::Contains(c.expect) && Catch::Contains("nothing was stored"));
  }
  // A PDF question given a photo, after a good photo was captured (and is discarded).
  const std::string good_photo = write_text(tmp, "good.jpg", fake_jpeg(4096, "z"));
  auto wrong =
      collector_cli({"submit", "--data-dir", dir, "--form", "post-evidence", "-"},
                    R"({"room_open": "yes", "room_photo": "@)" + good_photo + R"(", "policy": "@)" +
                        write_text(tmp, "p.jpg", fake_jpeg(2048, "y")) + R"("})");
  CHECK(wrong.code == 1);
  CHECK_THAT(wrong.err,
             Catch::Contains("image/jpeg") && Catch::Contains("accepts application/pdf"));
  // Nothing kept: no response, no staged file.
  auto db = Database::open(std::filesystem::path(dir) / "collector.db");
  REQUIRE(db.is_ok());
  auto st = db->prepare(
      "SELECT (SELECT count(*) FROM outbox), (SELECT count(*) FROM outbox_files), "
      "(SELECT count(*) FROM file_chunks)");
  REQUIRE(st.is_ok());
  REQUIRE(*st->step());
  CHECK(st->column_int64(0) == 0);
  CHECK(st->column_int64(1) == 0);
  CHECK(st->column_int64(2) == 0);
}

TEST_CASE("an anonymous form cannot ask for files: publishing one is refused with the reason",
          "[integration][files][anonymity]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  std::string anon = kEvidenceForm;
  anon.replace(anon.find(R"("languages")"), 0, R"("anonymous": true, )");
  auto pub = server_cli({"forms", "publish", "--data-dir", server.dir().root.string(),
                         write_text(tmp, "a.json", anon)});
  CHECK(pub.code == 1);
  CHECK_THAT(pub.err, Catch::Contains("anonymous") && Catch::Contains("identify"));
}

TEST_CASE(
    "a 2 MB file cut at 50 offsets resends at most the pieces in flight each time, and arrives "
    "whole",
    "[integration][files][cut]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  publish_evidence_form(tmp, server.dir().root.string());
  CuttingProxy proxy(server.port());
  auto c = make_collector(
      tmp / "c", server.enroll("Satellite post", "ws://127.0.0.1:" + std::to_string(proxy.port())));
  // One sync through the proxy under `plan`, and the bytes it sent up.
  // Whether the server stored any of the file in a session, by its
  // progress reports: what `collector sync --watch` uses to retry a cut
  // session at once rather than back off.
  std::int64_t stored_in_session = 0;
  auto sync_through = [&](const CuttingProxy::Plan& plan) {
    proxy.set_plan(plan);
    const std::int64_t before = proxy.finished();
    stored_in_session = 0;
    collector::SyncOptions options;
    options.on_progress = [&](const collector::SyncProgress& p) {
      stored_in_session = p.file_bytes_stored;
    };
    auto r = c.sync(options);
    proxy.wait_finished(before);
    return std::make_pair(std::move(r), proxy.last_up());
  };
  REQUIRE(sync_through({}).first.is_ok());  // the form
  // What a session costs with nothing to send: the baseline of every cut session.
  const auto [idle, idle_session] = sync_through({});
  REQUIRE(idle.is_ok());
  REQUIRE(idle_session > 0);

  const std::string photo = fake_jpeg(2 * 1024 * 1024, "cut test");
  auto lib = c.library();
  REQUIRE(lib.is_ok());
  const auto form = (*lib)->current("post-evidence");
  REQUIRE(form != nullptr);
  auto ref = c.capture_file(
      *form, "room_photo",
      ByteView(reinterpret_cast<const std::uint8_t*>(photo.data()), photo.size()), "big.jpg");
  INFO(ref.status().to_string());
  REQUIRE(ref.is_ok());
  std::string answers = R"({"room_open": "yes", "room_photo": )" +
                        boost::json::serialize(forms::file_answer_json({*ref}, true)) + "}";
  REQUIRE(c.submit("post-evidence", "", answers).is_ok());
  // The response goes first, whole; the file's transfer is what is cut.
  CuttingProxy::Plan first;
  first.cut_after = idle_session + 4000;
  std::int64_t up = sync_through(first).second;
  int cuts = 1;
  int cut_after_progress = 0;
  std::int64_t stored_by_cut_sessions = 0;
  const std::uint32_t chunks = file_chunk_count(photo.size());
  for (int i = 1; i < 50; ++i) {
    CuttingProxy::Plan plan;
    // From just past the session's own messages to a chunk and a half in.
    plan.cut_after = idle_session + 200 + (static_cast<std::int64_t>(i) * 37'813) % 100'000;
    auto [r, bytes] = sync_through(plan);
    up += bytes;
    if (r.is_ok()) break;  // the last chunks got through before this cut
    ++cuts;
    if (stored_in_session > 0) ++cut_after_progress;
    stored_by_cut_sessions += stored_in_session;
  }
  auto [last, last_bytes] = sync_through({});
  INFO(last.status().to_string());
  REQUIRE(last.is_ok());
  up += last_bytes;
  CHECK(last->file_notes.empty());
  INFO("cuts: " << cuts << ", bytes up: " << up);
  CHECK(cuts == 50);
  // Most cuts fall after a piece or two was stored, and the failed session
  // says so; what they stored adds up to no more than the file.
  INFO("cut sessions that stored something: " << cut_after_progress);
  CHECK(cut_after_progress >= 25);
  CHECK(stored_by_cut_sessions > 0);
  CHECK(stored_by_cut_sessions <= static_cast<std::int64_t>(sealed_file_size(photo.size())));

  // Every byte up beyond the file itself (its framing: one message per
  // piece), the response and one idle session per connection is a resend;
  // each cut may resend the pieces it caught in flight (the collector keeps
  // three out), far less than the chunk the issue allows.
  const std::int64_t pieces =
      static_cast<std::int64_t>(chunks) * (kFileChunkBytes / kFilePieceBytes);
  const std::int64_t needed =
      static_cast<std::int64_t>(sealed_file_size(photo.size())) + 80 * pieces + 4000;
  const std::int64_t connections = cuts + 1;
  const std::int64_t resent = up - needed - connections * (idle_session + 200);
  const std::int64_t per_chunk = static_cast<std::int64_t>(kMaxFileChunkWire) + 64;
  const std::int64_t per_piece =
      static_cast<std::int64_t>(kFilePieceBytes + kFilePieceBytes / 8) + 80;
  INFO("resent " << resent << " bytes over " << cuts << " cuts; a chunk is " << per_chunk
                 << ", a piece at most " << per_piece);
  CHECK(resent <= cuts * per_chunk);
  CHECK(resent <= cuts * 3 * per_piece);

  auto store = server.open_store();
  auto st = store.db().prepare("SELECT lower(hex(sha256)) FROM file_blobs");
  REQUIRE(st.is_ok());
  REQUIRE(*st->step());
  CHECK(st->column_text(0) == sha256_hex(photo));
  // Whole, and the same bytes once decrypted.
  const auto zip = tmp / "out.zip";
  auto ex = server_cli({"export", "--data-dir", server.dir().root.string(), "--form",
                        "post-evidence", "--with-files", "--out", zip.string()});
  INFO(ex.err);
  REQUIRE(ex.code == 0);
  const auto entries = read_zip(zip);
  REQUIRE(entries.count("files/" + sha256_hex(photo) + ".jpg") == 1);
  CHECK(sha256_hex(entries.at("files/" + sha256_hex(photo) + ".jpg")) == sha256_hex(photo));
}

TEST_CASE(
    "a chunk altered on the collector ends that file's transfer with the reason, and the next sync "
    "resumes",
    "[integration][files][tamper]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  publish_evidence_form(tmp, server.dir().root.string());
  auto c = make_collector(tmp / "c", server.enroll("Post"));
  REQUIRE(c.sync({}).is_ok());
  const std::string photo = fake_jpeg(5 * kFileChunkBytes + 100, "tamper");
  auto lib = c.library();
  REQUIRE(lib.is_ok());
  auto ref = c.capture_file(
      *(*lib)->current("post-evidence"), "room_photo",
      ByteView(reinterpret_cast<const std::uint8_t*>(photo.data()), photo.size()), "t.jpg");
  REQUIRE(ref.is_ok());
  std::string answers = R"({"room_open": "yes", "room_photo": )" +
                        boost::json::serialize(forms::file_answer_json({*ref}, true)) + "}";
  REQUIRE(c.submit("post-evidence", "", answers).is_ok());

  // One bit of chunk 3 flips on the collector's disk.
  Bytes original;
  {
    auto& db = c.store().db();
    auto st = db.prepare("SELECT data FROM file_chunks WHERE idx = 3");
    REQUIRE(st.is_ok());
    REQUIRE(*st->step());
    original = st->column_blob(0);
    Bytes bad = original;
    bad[100] ^= 0x01;
    auto up = db.prepare("UPDATE file_chunks SET data = ?1 WHERE idx = 3");
    REQUIRE(up.is_ok());
    REQUIRE(up->bind(1, ByteView(bad)).run().is_ok());
  }
  auto r = c.sync({});
  INFO(r.status().to_string());
  REQUIRE(r.is_ok());
  CHECK(r->files_sent == 0);
  REQUIRE(r->file_notes.size() == 1);
  CHECK_THAT(r->file_notes[0], Catch::Contains("chunk 3") &&
                                   Catch::Contains("does not authenticate") &&
                                   Catch::Contains("resumes from chunk 3"));
  CHECK(r->file_chunks_sent == 4);
  // Nothing of it is visible on the server: no blob, and the partial holds
  // exactly the three chunks that checked.
  {
    auto store = server.open_store();
    auto st = store.db().prepare("SELECT count(*) FROM file_blobs");
    REQUIRE(st.is_ok());
    REQUIRE(*st->step());
    CHECK(st->column_int64(0) == 0);
  }
  const auto partial = server.dir().root / "files" / "partial" / ref->id;
  REQUIRE(std::filesystem::exists(partial));
  CHECK(std::filesystem::file_size(partial) ==
        kFileHeaderBytes + 3 * (kFileChunkBytes + kFileChunkOverhead));

  // Repaired (a second copy, say), it resumes at chunk 3.
  {
    auto up = c.store().db().prepare("UPDATE file_chunks SET data = ?1 WHERE idx = 3");
    REQUIRE(up.is_ok());
    REQUIRE(up->bind(1, ByteView(original)).run().is_ok());
  }
  auto again = c.sync({});
  REQUIRE(again.is_ok());
  CHECK(again->files_sent == 1);
  CHECK(again->files_resumed == 1);
  CHECK(again->file_chunks_sent == 3);  // chunks 3, 4, 5
  CHECK_FALSE(std::filesystem::exists(partial));
}

TEST_CASE(
    "kill -9 of the server after a piece is stored, and a full disk: nothing half-written, the "
    "file resumes",
    "[integration][files][crash]") {
  TempDir tmp;
  const std::string data = (tmp / "server").string();
  REQUIRE(run_command({bin_path("sync-server"), "init", "--data-dir", data}).exit_code == 0);
  REQUIRE(run_command({bin_path("sync-server"), "forms", "publish", "--data-dir", data,
                       write_text(tmp, "evidence.json", kEvidenceForm)})
              .exit_code == 0);
  const std::string photo = fake_jpeg(3 * kFileChunkBytes + 10, "crash");
  std::string url;
  std::optional<collector::Collector> c;
  std::string answers;
  {
    // A full disk: every chunk write stores half, then fails with ENOSPC.
    ChildProcess server(
        {bin_path("sync-server"), "serve", "--data-dir", data, "--listen", "127.0.0.1:0"},
        {{"EQUITAS_FAULT", "file-disk-full"}});
    auto announced = announced_url(server);
    REQUIRE(announced);
    url = *announced;
    auto enroll = run_command({bin_path("sync-server"), "device", "enroll", "--data-dir", data,
                               "--site", "Post", "--url", url});
    REQUIRE(enroll.exit_code == 0);
    c.emplace(make_collector(tmp / "c", enroll.out));
    REQUIRE(c->sync({}).is_ok());
    auto lib = c->library();
    REQUIRE(lib.is_ok());
    auto ref = c->capture_file(
        *(*lib)->current("post-evidence"), "room_photo",
        ByteView(reinterpret_cast<const std::uint8_t*>(photo.data()), photo.size()), "c.jpg");
    REQUIRE(ref.is_ok());
    answers = R"({"room_open": "yes", "room_photo": )" +
              boost::json::serialize(forms::file_answer_json({*ref}, true)) + "}";
    REQUIRE(c->submit("post-evidence", "", answers).is_ok());
    auto r = c->sync({});
    INFO(r.status().to_string());
    REQUIRE(r.is_ok());  // the response is acknowledged; the file waits
    CHECK(r->accepted == 1);
    CHECK(r->files_sent == 0);
    REQUIRE(r->file_notes.size() == 1);
    CHECK_THAT(r->file_notes[0], Catch::Contains("could not store") && Catch::Contains("resumes"));
    // The half-written chunk was cut back: the partial file is empty.
    const auto partial_dir = std::filesystem::path(data) / "files" / "partial";
    for (const auto& e : std::filesystem::directory_iterator(partial_dir))
      CHECK(e.file_size() == 0);
    server.kill(SIGTERM);
    server.wait();
  }
  const std::string listen = url.substr(std::string("ws://").size());
  {
    // kill -9 right after a piece is on disk, before its acknowledgement.
    ChildProcess server({bin_path("sync-server"), "serve", "--data-dir", data, "--listen", listen},
                        {{"EQUITAS_FAULT", "crash-after-chunk"}});
    REQUIRE(announced_url(server) == url);
    auto r = c->sync({});
    REQUIRE_FALSE(r.is_ok());
    CHECK(server.wait() == 128 + SIGKILL);
  }
  ChildProcess server({bin_path("sync-server"), "serve", "--data-dir", data, "--listen", listen});
  REQUIRE(announced_url(server) == url);
  auto r = c->sync({});
  INFO(r.status().to_string());
  REQUIRE(r.is_ok());
  CHECK(r->files_sent == 1);
  CHECK(r->files_resumed == 1);
  // The first piece of chunk 0 was stored before the crash: not sent again;
  // the session resumed inside that chunk.
  CHECK(r->file_chunks_sent == 4);
  CHECK(r->file_bytes_sent ==
        static_cast<std::int64_t>(sealed_file_size(photo.size()) - kFilePieceBytes));
  server.kill(SIGTERM);
  server.wait();
  const auto zip = tmp / "out.zip";
  auto ex = run_command({bin_path("sync-server"), "export", "--data-dir", data, "--form",
                         "post-evidence", "--with-files", "--out", zip.string()});
  INFO(ex.err);
  REQUIRE(ex.exit_code == 0);
  const auto entries = read_zip(zip);
  REQUIRE(entries.count("files/" + sha256_hex(photo) + ".jpg") == 1);
  CHECK(entries.at("files/" + sha256_hex(photo) + ".jpg") == photo);
}

TEST_CASE(
    "pieces: each is stored before its ack, a chunk is checked once whole, and resume names the "
    "byte",
    "[integration][files][pieces]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  publish_evidence_form(tmp, server.dir().root.string());
  CuttingProxy proxy(server.port());
  auto c = make_collector(tmp / "c",
                          server.enroll("Post", "ws://127.0.0.1:" + std::to_string(proxy.port())));
  REQUIRE(c.sync({}).is_ok());  // the form
  const auto idle_before = proxy.finished();
  REQUIRE(c.sync({}).is_ok());
  proxy.wait_finished(idle_before);
  const std::int64_t idle_session = proxy.last_up();

  const std::string photo = fake_jpeg(2 * kFileChunkBytes + 100, "pieces");
  auto lib = c.library();
  REQUIRE(lib.is_ok());
  auto ref = c.capture_file(
      *(*lib)->current("post-evidence"), "room_photo",
      ByteView(reinterpret_cast<const std::uint8_t*>(photo.data()), photo.size()), "p.jpg");
  REQUIRE(ref.is_ok());
  std::string answers = R"({"room_open": "yes", "room_photo": )" +
                        boost::json::serialize(forms::file_answer_json({*ref}, true)) + "}";
  REQUIRE(c.submit("post-evidence", "", answers).is_ok());
  // The response gets through; the file's first bytes may, or not.
  CuttingProxy::Plan plan;
  plan.cut_after = idle_session + 4000;
  proxy.set_plan(plan);
  const auto cut_before = proxy.finished();
  REQUIRE_FALSE(c.sync({}).is_ok());
  proxy.wait_finished(cut_before);

  // From here the server's FileStore is driven as a session would drive it,
  // from an empty partial file.
  FileId id{};
  FileHash sha{};
  REQUIRE(from_hex_into(ref->id, id));
  REQUIRE(from_hex_into(ref->sha256, sha));
  std::vector<Bytes> chunks;
  for (std::uint32_t i = 0; i < file_chunk_count(photo.size()); ++i) {
    auto chunk = c.store().file_chunk(id, i);
    REQUIRE(chunk.is_ok());
    chunks.push_back(*chunk);
  }
  REQUIRE(chunks.size() == 3);
  const auto partial = server.dir().root / "files" / "partial" / ref->id;
  std::error_code ec;
  std::filesystem::remove(partial, ec);
  auto store = server.open_store();
  const FilesOffer offer{{{id, sha, photo.size()}}};
  auto piece = [&](std::uint32_t index, std::uint32_t offset, std::size_t length) {
    FileChunk p;
    p.id = id;
    p.index = index;
    p.offset = offset;
    p.data.assign(chunks[index].begin() + offset, chunks[index].begin() + offset + length);
    return p;
  };
  const auto size_of = [&] {
    return std::filesystem::exists(partial) ? std::filesystem::file_size(partial) : 0;
  };

  {
    server::FileStore files(server.dir().root / "files");
    auto w = files.wanted(store.db(), offer, unix_now(), true);
    REQUIRE(w.is_ok());
    CHECK(w->files.at(0).next_chunk == 0);
    CHECK(w->files.at(0).next_offset == 0);
    // A piece: on disk, and acknowledged with the byte the server holds.
    auto ack = files.receive(store.db(), piece(0, 0, kFilePieceBytes), unix_now(), true);
    REQUIRE(ack.is_ok());
    CHECK(ack->state == FileAckState::kContinue);
    CHECK(ack->next_chunk == 0);
    CHECK(ack->next_offset == kFilePieceBytes);
    CHECK(size_of() == kFilePieceBytes);
    // Not where the server is: answered with where it is, nothing written.
    ack = files.receive(store.db(), piece(0, 100, 200), unix_now(), true);
    REQUIRE(ack.is_ok());
    CHECK(ack->state == FileAckState::kContinue);
    CHECK(ack->next_offset == kFilePieceBytes);
    CHECK(size_of() == kFilePieceBytes);
  }
  {
    // As after a restart: a piece session resumes at the byte, a chunk
    // session at the chunk, whose whole chunk is written over the piece.
    server::FileStore files(server.dir().root / "files");
    auto w = files.wanted(store.db(), offer, unix_now(), true);
    REQUIRE(w.is_ok());
    CHECK(w->files.at(0).next_chunk == 0);
    CHECK(w->files.at(0).next_offset == kFilePieceBytes);
    w = files.wanted(store.db(), offer, unix_now(), false);
    REQUIRE(w.is_ok());
    CHECK(w->files.at(0).next_chunk == 0);
    CHECK(w->files.at(0).next_offset == 0);
    auto ack = files.receive(store.db(), FileChunk{id, 0, chunks[0]}, unix_now(), false);
    REQUIRE(ack.is_ok());
    CHECK(ack->state == FileAckState::kContinue);
    CHECK(ack->next_chunk == 1);
    CHECK(size_of() == chunks[0].size());
    // Chunk 1 in pieces, its last one altered: the chunk is checked once
    // whole, refused, and cut back to its start, earlier pieces included.
    ack = files.receive(store.db(), piece(1, 0, kFilePieceBytes), unix_now(), true);
    REQUIRE(ack.is_ok());
    CHECK(ack->next_offset == kFilePieceBytes);
    FileChunk bad = piece(1, kFilePieceBytes, chunks[1].size() - kFilePieceBytes);
    bad.data[10] ^= 1;
    ack = files.receive(store.db(), bad, unix_now(), true);
    REQUIRE(ack.is_ok());
    CHECK(ack->state == FileAckState::kFailed);
    CHECK(ack->next_chunk == 1);
    CHECK(ack->next_offset == 0);
    CHECK_THAT(ack->detail, Catch::Contains("does not authenticate"));
    CHECK(size_of() == chunks[0].size());
    // A piece that runs past its chunk is a chunk of the wrong length.
    FileChunk longer = piece(1, 0, chunks[1].size());
    longer.data.push_back(0);
    ack = files.receive(store.db(), longer, unix_now(), true);
    REQUIRE(ack.is_ok());
    CHECK(ack->state == FileAckState::kFailed);
    CHECK(size_of() == chunks[0].size());
    // Whole in pieces: the last one completes the file, checked and moved.
    for (std::uint32_t i = 1; i < 3; ++i) {
      for (std::size_t at = 0; at < chunks[i].size(); at += kFilePieceBytes) {
        const std::size_t n = std::min(kFilePieceBytes, chunks[i].size() - at);
        ack = files.receive(store.db(), piece(i, static_cast<std::uint32_t>(at), n), unix_now(),
                            true);
        REQUIRE(ack.is_ok());
        REQUIRE(ack->state != FileAckState::kFailed);
      }
    }
    CHECK(ack->state == FileAckState::kComplete);
    CHECK_FALSE(std::filesystem::exists(partial));
  }
  auto st = store.db().prepare("SELECT lower(hex(sha256)) FROM file_blobs");
  REQUIRE(st.is_ok());
  REQUIRE(*st->step());
  CHECK(st->column_text(0) == sha256_hex(photo));
}

namespace {

// A photo per seized item: a file question inside a repeat.
constexpr const char* kSeizureForm =
    R"({"id": "seizure", "version": "1", "title": {"en": "Seizure"},
  "languages": ["en"], "items": [
    {"type": "text", "name": "case_ref", "label": {"en": "Case"}},
    {"type": "repeat", "name": "items", "label": {"en": "Seized items"}, "items": [
      {"type": "text", "name": "item_name", "label": {"en": "Item"}},
      {"type": "image", "name": "item_photo", "label": {"en": "Photo of the item"}, "required": true}]}
  ]})";

// The files table of the server: question (where the answer sat) -> SHA-256 hex.
std::map<std::string, std::string> server_files(TestServer& server) {
  std::map<std::string, std::string> out;
  auto store = server.open_store();
  auto st = store.db().prepare("SELECT question, lower(hex(sha256)) FROM files ORDER BY question");
  REQUIRE(st.is_ok());
  while (*st->step()) out[st->column_text(0)] = st->column_text(1);
  return out;
}

}  // namespace

TEST_CASE(
    "a photo per repeat row travels over a real sync and is attached to its row in the export",
    "[integration][files][repeat]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  const std::string sdir = server.dir().root.string();
  auto pub = server_cli(
      {"forms", "publish", "--data-dir", sdir, write_text(tmp, "seizure.json", kSeizureForm)});
  INFO(pub.out << pub.err);
  REQUIRE(pub.code == 0);
  const std::string dir = (tmp / "c").string();
  REQUIRE(collector_cli({"init", "--data-dir", dir}).code == 0);
  REQUIRE(collector_cli({"enroll", "--data-dir", dir, server.enroll("Port post")}).code == 0);
  sync_json(dir);

  const std::string knife = fake_jpeg(150 * 1024, "CANARY-row-one");  // 3 chunks
  const std::string watch = fake_jpeg(40 * 1024, "CANARY-row-two");
  const std::string knife_path = write_text(tmp, "knife.jpg", knife);
  const std::string watch_path = write_text(tmp, "watch.jpg", watch);
  // A row without its (required) photo is refused, naming the row.
  auto missing = collector_cli({"submit", "--data-dir", dir, "--form", "seizure", "-"},
                               R"({"items": [{"item_name": "knife", "item_photo": "@)" +
                                   knife_path + R"("}, {"item_name": "watch"}]})");
  CHECK(missing.code == 1);
  CHECK_THAT(missing.err, Catch::Contains("items[1].item_photo"));
  // @path inside rows, one photo per row.
  auto sub = collector_cli(
      {"submit", "--data-dir", dir, "--form", "seizure", "-"},
      R"({"case_ref": "C-17", "items": [{"item_name": "knife", "item_photo": "@)" + knife_path +
          R"("}, {"item_name": "watch", "item_photo": ["@)" + watch_path + R"("]}]})");
  INFO(sub.out << sub.err);
  REQUIRE(sub.code == 0);
  CHECK_FALSE(found_under(dir, "CANARY-row-"));

  auto report = sync_json(dir);
  CHECK(report.at("accepted").as_int64() == 1);
  CHECK(report.at("files_sent").as_int64() == 2);
  CHECK(report.at("file_notes").as_array().empty());
  // Each file is recorded where its answer sat, and the server holds both.
  const auto files = server_files(server);
  CHECK(files == std::map<std::string, std::string>{{"items[0].item_photo", sha256_hex(knife)},
                                                    {"items[1].item_photo", sha256_hex(watch)}});
  CHECK_FALSE(found_under(server.dir().root / "files", "CANARY-row-"));

  // The export: the repeat's CSV names each row's photo, and the zip holds them.
  const auto zip = tmp / "seizure.zip";
  auto ex = server_cli(
      {"export", "--data-dir", sdir, "--form", "seizure", "--with-files", "--out", zip.string()});
  INFO(ex.out << ex.err);
  REQUIRE(ex.code == 0);
  const auto entries = read_zip(zip);
  const std::string knife_name = "files/" + sha256_hex(knife) + ".jpg";
  const std::string watch_name = "files/" + sha256_hex(watch) + ".jpg";
  REQUIRE(entries.count(knife_name) == 1);
  REQUIRE(entries.count(watch_name) == 1);
  CHECK(entries.at(knife_name) == knife);
  CHECK(entries.at(watch_name) == watch);
  REQUIRE(entries.count("seizure.items.csv") == 1);
  const std::string& rows = entries.at("seizure.items.csv");
  INFO(rows);
  CHECK_THAT(
      rows, Catch::Contains(",1,knife," + knife_name) && Catch::Contains(",2,watch," + watch_name));
  for (const auto& [name, text] : entries) {
    if (name.ends_with(".csv")) CHECK(text.find("\"key\"") == std::string::npos);
  }
  check_jsonl_names_without_keys(sdir, "seizure", watch_name);
}

TEST_CASE(
    "a row's file altered on the collector or named without its key is refused with the reason",
    "[integration][files][repeat][tamper]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  auto pub = server_cli({"forms", "publish", "--data-dir", server.dir().root.string(),
                         write_text(tmp, "seizure.json", kSeizureForm)});
  REQUIRE(pub.code == 0);
  auto c = make_collector(tmp / "c", server.enroll("Post"));
  REQUIRE(c.sync({}).is_ok());
  auto lib = c.library();
  REQUIRE(lib.is_ok());
  const auto form = (*lib)->current("seizure");
  REQUIRE(form != nullptr);
  const auto capture = [&](const std::string& bytes) {
    auto ref = c.capture_file(
        *form, "item_photo",
        ByteView(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()), "p.jpg");
    REQUIRE(ref.is_ok());
    return *ref;
  };
  const std::string good = fake_jpeg(8 * 1024, "good");
  const forms::FileRef first = capture(good);
  forms::FileRef second = capture(fake_jpeg(8 * 1024, "second"));
  // The second row's reference claims other bytes than those captured.
  second.sha256 = sha256_hex(fake_jpeg(8 * 1024, "other"));
  const auto row = [](const forms::FileRef& r) {
    return R"({"item_photo": )" + boost::json::serialize(forms::file_answer_json({r}, true)) + "}";
  };
  std::string answers = R"({"items": [)" + row(first) + ", " + row(second) + "]}";
  REQUIRE(c.submit("seizure", "", answers).is_ok());

  // A modified client names a file in a row without its key: the server
  // cannot check or open it, and refuses the response, naming the row.
  forms::FileRef keyless = capture(fake_jpeg(4096, "keyless"));
  keyless.key.clear();
  std::string bad = R"({"items": [)" + row(keyless) + "]}";
  AcceptAnyAnswers skip_checks;
  REQUIRE(c.submit("seizure", "1", bad, skip_checks).is_ok());

  auto r = c.sync({});
  INFO(r.status().to_string());
  REQUIRE(r.is_ok());
  CHECK(r->accepted == 1);
  CHECK(r->rejected == 1);
  REQUIRE(r->rejections.size() == 1);
  CHECK_THAT(r->rejections[0],
             Catch::Contains("items[0].item_photo") && Catch::Contains("has no key"));
  // The first row's photo arrives; the second's does not match what its
  // response signed, and is refused with the reason.
  CHECK(r->files_sent == 1);
  REQUIRE(r->file_notes.size() == 1);
  CHECK_THAT(r->file_notes[0], Catch::Contains("not the one its response signed"));
  auto store = server.open_store();
  auto st = store.db().prepare(
      "SELECT f.question FROM file_blobs b JOIN files f ON f.file_id = b.file_id");
  REQUIRE(st.is_ok());
  REQUIRE(*st->step());
  CHECK(st->column_text(0) == "items[0].item_photo");
  CHECK_FALSE(*st->step());
}
