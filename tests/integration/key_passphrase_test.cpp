// Passphrase-protected key files with the real binaries: both programs
// create, open, and re-protect their keys with --passphrase-file or
// $EQUITAS_KEY_PASSPHRASE; a missing or wrong passphrase is refused with a
// clear message and changes nothing on disk.
#include <signal.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <regex>

#include "equitas/crypto/keys.hpp"
#include "fixtures.hpp"
#include "process.hpp"

using namespace equitas;
using namespace equitas::test;

namespace {

void write_text(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p) << text;
}

RunResult run(const std::string& program, std::vector<std::string> args,
              const std::string& input = "") {
  args.insert(args.begin(), bin_path(program));
  return run_command(args, input);
}

// The same with one environment variable set (through env(1)).
RunResult run_env(const std::string& var, const std::string& program, std::vector<std::string> args,
                  const std::string& input = "") {
  args.insert(args.begin(), {"/usr/bin/env", var, bin_path(program)});
  return run_command(args, input);
}

std::string listen_url(ChildProcess& server) {
  auto line = server.read_line(std::chrono::seconds(20));
  REQUIRE(line.has_value());
  std::smatch m;
  REQUIRE(std::regex_search(*line, m, std::regex("(ws://[0-9.]+:[0-9]+)/sync")));
  return m[1];
}

}  // namespace

TEST_CASE(
    "passphrase-protected keys: both programs create, open and re-protect them, and a wrong "
    "passphrase changes nothing",
    "[integration][passphrase]") {
  TempDir tmp;
  const std::string hq = (tmp / "hq").string(), post = (tmp / "post").string();
  const std::string hq_pass = (tmp / "hq-pass.txt").string(),
                    post_pass = (tmp / "post-pass.txt").string();
  const std::string wrong = (tmp / "wrong.txt").string(),
                    new_pass = (tmp / "new-pass.txt").string();
  write_text(hq_pass, "headquarters passphrase 2026\n");
  write_text(post_pass, "northern post passphrase\n");
  write_text(wrong, "not the passphrase at all\n");
  write_text(new_pass, "a brand new passphrase\n");
  const server::DataDir hq_dir{hq};
  const collector::DataDir post_dir{post};

  // Headquarters: protected from init; serve reads the passphrase from the environment.
  REQUIRE(run("sync-server", {"init", "--data-dir", hq, "--passphrase-file", hq_pass}).exit_code ==
          0);
  REQUIRE(key_file_protection(hq_dir.keys()).value() == KeyFileProtection::kPassphrase);
  const std::string server_key_before = read_all_files(hq, "server.key");
  auto no_pass = run("sync-server", {"device", "enroll", "--data-dir", hq, "--site", "Post"});
  CHECK(no_pass.exit_code == 1);
  CHECK_THAT(no_pass.err,
             Catch::Contains(hq_dir.keys().string() + " is protected by a passphrase") &&
                 Catch::Contains("--passphrase-file"));
  auto bad = run("sync-server", {"device", "enroll", "--data-dir", hq, "--site", "Post",
                                 "--passphrase-file", wrong});
  CHECK(bad.exit_code == 1);
  CHECK_THAT(bad.err, Catch::Contains("wrong passphrase for " + hq_dir.keys().string()));
  CHECK(read_all_files(hq, "server.key") == server_key_before);
  // What needs no key needs no passphrase: listing, tokens, exports, reports.
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"device", "list", "--data-dir", hq},
        std::vector<std::string>{"admin-token", "create", "--data-dir", hq, "--label", "analyst"},
        std::vector<std::string>{"admin-token", "list", "--data-dir", hq},
        std::vector<std::string>{"export", "--data-dir", hq, "--form", "staff-climate", "--format",
                                 "jsonl"},
        std::vector<std::string>{"report", "--data-dir", hq, "--form", "staff-climate"},
        std::vector<std::string>{"forms", "list", "--data-dir", hq}}) {
    auto r = run("sync-server", args);
    INFO(args[0] << " " << args[1] << ": " << r.err);
    CHECK(r.exit_code == 0);
  }

  ChildProcess server(
      {bin_path("sync-server"), "serve", "--data-dir", hq, "--listen", "127.0.0.1:0"},
      {{"EQUITAS_KEY_PASSPHRASE", "headquarters passphrase 2026"}});
  const std::string url = listen_url(server);
  auto code = run("sync-server", {"device", "enroll", "--data-dir", hq, "--site", "Post", "--url",
                                  url, "--passphrase-file", hq_pass});
  REQUIRE(code.exit_code == 0);

  // The post: protected from init.
  REQUIRE(
      run("collector", {"init", "--data-dir", post, "--passphrase-file", post_pass}).exit_code ==
      0);
  REQUIRE(key_file_protection(post_dir.key()).value() == KeyFileProtection::kPassphrase);
  const std::string post_before = read_all_files(post);
  auto c_none = run("collector", {"enroll", "--data-dir", post, code.out});
  CHECK(c_none.exit_code == 1);
  CHECK_THAT(c_none.err,
             Catch::Contains(post_dir.key().string() + " is protected by a passphrase"));
  auto c_bad =
      run("collector", {"enroll", "--data-dir", post, "--passphrase-file", wrong, code.out});
  CHECK(c_bad.exit_code == 1);
  CHECK_THAT(c_bad.err, Catch::Contains("wrong passphrase for " + post_dir.key().string()));
  CHECK(read_all_files(post) == post_before);  // not the key, not the database: nothing written

  REQUIRE(run("collector", {"enroll", "--data-dir", post, "--passphrase-file", post_pass, code.out})
              .exit_code == 0);
  REQUIRE(run_env("EQUITAS_KEY_PASSPHRASE=northern post passphrase", "collector",
                  {"submit", "--data-dir", post, "--form", "staff-climate", "-"},
                  R"({"consent_ack":true,"eng_proud":"4"})")
              .exit_code == 0);
  auto sync =
      run("collector", {"sync", "--data-dir", post, "--passphrase-file", post_pass, "--json"});
  INFO(sync.err);
  REQUIRE(sync.exit_code == 0);
  CHECK_THAT(sync.out, Catch::Contains("\"accepted\":1"));

  // Remove, then protect again under a new passphrase.
  REQUIRE(run("collector",
              {"key", "passphrase", "--data-dir", post, "--passphrase-file", post_pass, "--remove"})
              .exit_code == 0);
  CHECK(key_file_protection(post_dir.key()).value() == KeyFileProtection::kPlain);
  CHECK(run("collector", {"status", "--data-dir", post}).exit_code == 0);
  REQUIRE(
      run("collector", {"key", "passphrase", "--data-dir", post, "--new-passphrase-file", new_pass})
          .exit_code == 0);
  CHECK(key_file_protection(post_dir.key()).value() == KeyFileProtection::kPassphrase);
  CHECK(run("collector", {"status", "--data-dir", post, "--passphrase-file", new_pass}).exit_code ==
        0);
  auto too_short =
      run_env("EQUITAS_NEW_KEY_PASSPHRASE=short", "collector",
              {"key", "passphrase", "--data-dir", post, "--passphrase-file", new_pass});
  CHECK(too_short.exit_code == 1);
  CHECK_THAT(too_short.err,
             Catch::Contains("too short") && Catch::Contains("the key file was not changed"));

  // The server's passphrase changes; the old one no longer opens it.
  auto bad_change = run("sync-server", {"key", "passphrase", "--data-dir", hq, "--passphrase-file",
                                        wrong, "--new-passphrase-file", new_pass});
  CHECK(bad_change.exit_code == 1);
  CHECK(read_all_files(hq, "server.key") == server_key_before);
  REQUIRE(run("sync-server", {"key", "passphrase", "--data-dir", hq, "--passphrase-file", hq_pass,
                              "--new-passphrase-file", new_pass})
              .exit_code == 0);
  CHECK(run("sync-server",
            {"device", "enroll", "--data-dir", hq, "--site", "B", "--passphrase-file", hq_pass})
            .exit_code == 1);
  CHECK(run("sync-server",
            {"device", "enroll", "--data-dir", hq, "--site", "B", "--passphrase-file", new_pass})
            .exit_code == 0);
  server.kill(SIGTERM);
  CHECK(server.wait() == 0);
}
