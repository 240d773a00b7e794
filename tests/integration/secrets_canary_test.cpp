// No secret in any output, log or file: both programs run their main
// commands (init, enroll, submit, sync, serve, bundles, --json variants, and
// error paths such as a wrong passphrase) with canary passphrases and a
// canary admin PIN; then every byte they printed, and every file in their
// data folders, is searched for the passphrases, the PIN, the admin token
// (printed once by init, by design, and never again), and the hex and
// base64 forms of the device's and the server's secret keys.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cctype>
#include <csignal>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>

#include "equitas/crypto/keys.hpp"
#include "fixtures.hpp"
#include "process.hpp"

using namespace equitas;
using namespace equitas::test;

namespace {

namespace fs = std::filesystem;

const std::string kServerPass = "CANARY-hq-passphrase-5b1e7d";
const std::string kPostPass = "CANARY-post-passphrase-c0ll3ct";
const std::string kPin = "CANARY-PIN-834201";

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

std::string b64(ByteView b) {
  std::string out(sodium_base64_ENCODED_LEN(b.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), b.data(), b.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::strlen(out.c_str()));
  return out;
}

// Every printable and raw form of a secret that could leak.
void add_forms(std::vector<std::pair<std::string, std::string>>& needles, const std::string& name,
               ByteView secret) {
  const std::string raw(reinterpret_cast<const char*>(secret.data()), secret.size());
  std::string upper = to_hex(secret);
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  for (const auto& [form, text] :
       std::vector<std::pair<std::string, std::string>>{{"raw", raw},
                                                        {"hex", to_hex(secret)},
                                                        {"HEX", upper},
                                                        {"base64", b64(secret)},
                                                        {"base64url", to_base64url(secret)}}) {
    needles.emplace_back(name + " (" + form + ")", text);
  }
}

// Runs a program, sh-wrapped so that both streams land in the transcript.
struct Transcript {
  std::string text;
  RunResult run(const std::string& program, std::vector<std::string> args,
                const std::string& input = "", const std::string& env = "") {
    args.insert(args.begin(), bin_path(program));
    if (!env.empty()) args.insert(args.begin(), {"/usr/bin/env", env});
    RunResult r = run_command(args, input);
    text += r.out;
    text += r.err;
    return r;
  }
};

// A long-running command with stderr to a file and stdout read line by line.
struct Service {
  ChildProcess child;
  fs::path err_file;
  Service(const fs::path& err, const std::vector<std::string>& argv,
          const std::map<std::string, std::string>& env)
      : child(with_stderr(err, argv), env), err_file(err) {}
  static std::vector<std::string> with_stderr(const fs::path& err,
                                              const std::vector<std::string>& argv) {
    std::vector<std::string> v{"/bin/sh", "-c", "f=$1; shift; exec \"$@\" 2>\"$f\"", "sh",
                               err.string()};
    v.insert(v.end(), argv.begin(), argv.end());
    return v;
  }
  // Stops it with SIGTERM and returns all it printed.
  std::string stop(std::string so_far) {
    child.kill(SIGTERM);
    while (auto line = child.read_line(std::chrono::seconds(20))) so_far += *line + "\n";
    child.wait();
    return so_far + slurp(err_file);
  }
};

// A running service has a core limit of 0 and, not being dumpable, its
// /proc entries belong to root (visible only when the test is not root).
void check_no_core_dumps(pid_t pid) {
  const std::string proc = "/proc/" + std::to_string(pid);
  CHECK(std::regex_search(slurp(proc + "/limits"), std::regex("Max core file size\\s+0\\s+0")));
  struct stat st {};
  if (::geteuid() != 0 && ::stat((proc + "/status").c_str(), &st) == 0) CHECK(st.st_uid == 0);
}

std::string files_under(const fs::path& dir) {
  std::string all;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) all += slurp(e.path());
  }
  return all;
}

}  // namespace

TEST_CASE(
    "no passphrase, PIN, admin token or secret key in any output, log or data file of either "
    "program",
    "[integration][secrets]") {
  // Some commands below fail before reading the answers they were given on
  // stdin; run_command's writer must not die of the closed pipe.
  std::signal(SIGPIPE, SIG_IGN);
  TempDir tmp;
  fs::create_directories(tmp / "secrets");
  fs::create_directories(tmp / "logs");
  fs::create_directories(tmp / "out");
  const std::string hq = (tmp / "hq").string(), post = (tmp / "post").string(),
                    out = (tmp / "out").string();
  const std::string hq_pass = (tmp / "secrets" / "hq.txt").string();
  const std::string post_pass = (tmp / "secrets" / "post.txt").string();
  const std::string wrong = (tmp / "secrets" / "wrong.txt").string();
  const std::string pin = (tmp / "secrets" / "pin.txt").string();
  std::ofstream(hq_pass) << kServerPass << "\n";
  std::ofstream(post_pass) << kPostPass << "\n";
  std::ofstream(wrong) << "CANARY-wrong-passphrase-0000\n";
  std::ofstream(pin) << kPin << "\n";
  Transcript t;

  // Headquarters. init prints the admin token once; it must not appear again anywhere.
  auto init = t.run("sync-server", {"init", "--data-dir", hq, "--passphrase-file", hq_pass});
  REQUIRE(init.exit_code == 0);
  std::smatch m;
  REQUIRE(std::regex_search(init.out, m, std::regex("Admin token[^\\n]*\\n\\s*(\\S+)")));
  const std::string token = m[1];
  REQUIRE(token.size() >= 16);
  t.text.clear();  // from here on the token must not appear

  CHECK(t.run("sync-server",
              {"device", "enroll", "--data-dir", hq, "--site", "P", "--passphrase-file", wrong})
            .exit_code == 1);
  CHECK(t.run("sync-server", {"device", "enroll", "--data-dir", hq, "--site", "P"}).exit_code == 1);
  Service server(tmp / "logs" / "server.err",
                 {bin_path("sync-server"), "serve", "--data-dir", hq, "--listen", "127.0.0.1:0"},
                 {{"EQUITAS_KEY_PASSPHRASE", kServerPass}});
  auto first = server.child.read_line(std::chrono::seconds(20));
  REQUIRE(first.has_value());
  REQUIRE(std::regex_search(*first, m, std::regex("(ws://[0-9.]+:[0-9]+)/sync")));
  const std::string url = m[1];
  check_no_core_dumps(server.child.pid());
  auto code = t.run("sync-server", {"device", "enroll", "--data-dir", hq, "--site", "Canary post",
                                    "--url", url, "--passphrase-file", hq_pass});
  REQUIRE(code.exit_code == 0);

  // The post.
  REQUIRE(t.run("collector", {"init", "--data-dir", post, "--admin-pin-file", pin,
                              "--passphrase-file", post_pass})
              .exit_code == 0);
  CHECK(t.run("collector", {"enroll", "--data-dir", post, code.out, "--passphrase-file", wrong})
            .exit_code == 1);
  REQUIRE(
      t.run("collector", {"enroll", "--data-dir", post, code.out, "--passphrase-file", post_pass})
          .exit_code == 0);
  const std::string answers = R"({"consent_ack":true,"dem_sex":"female","eng_proud":"4"})";
  for (int i = 0; i < 2; ++i) {
    REQUIRE(t.run("collector", {"submit", "--data-dir", post, "--form", "staff-climate", "-"},
                  answers, "EQUITAS_KEY_PASSPHRASE=" + kPostPass)
                .exit_code == 0);
  }
  CHECK(t.run("collector", {"submit", "--data-dir", post, "--form", "staff-climate", "-"},
              R"({"consent_ack":true,"eng_proud":"9"})", "EQUITAS_KEY_PASSPHRASE=" + kPostPass)
            .exit_code == 1);
  CHECK(t.run("collector", {"submit", "--data-dir", post, "--form", "staff-climate", "-"}, answers)
            .exit_code == 1);
  CHECK(t.run("collector", {"status", "--data-dir", post, "--json", "--passphrase-file", post_pass})
            .exit_code == 0);
  CHECK(t.run("collector", {"admin-pin", "--data-dir", post, "--pin-file", pin}).exit_code ==
        1);  // no old PIN given
  REQUIRE(t.run("collector", {"sync", "--data-dir", post, "--json", "--passphrase-file", post_pass})
              .exit_code == 0);
  REQUIRE(t.run("collector", {"submit", "--data-dir", post, "--form", "staff-climate", "-"},
                answers, "EQUITAS_KEY_PASSPHRASE=" + kPostPass)
              .exit_code == 0);
  REQUIRE(t.run("collector", {"bundle", "export", "--data-dir", post, "--out", out + "/post.eqb",
                              "--passphrase-file", post_pass})
              .exit_code == 0);
  REQUIRE(t.run("sync-server", {"import", "--data-dir", hq, out + "/post.eqb", "--receipt",
                                out + "/receipt.eqr", "--passphrase-file", hq_pass})
              .exit_code == 0);
  REQUIRE(t.run("collector", {"bundle", "import", "--data-dir", post, out + "/receipt.eqr",
                              "--passphrase-file", post_pass})
              .exit_code == 0);
  CHECK(t.run("collector",
              {"forms", "list", "--data-dir", post, "--json", "--passphrase-file", post_pass})
            .exit_code == 0);
  CHECK(t.run("collector", {"key", "passphrase", "--data-dir", post, "--passphrase-file", wrong,
                            "--new-passphrase-file", wrong})
            .exit_code == 1);
  {
    Service web(tmp / "logs" / "collector.err",
                {bin_path("collector"), "serve", "--data-dir", post, "--listen", "127.0.0.1:0"},
                {{"EQUITAS_KEY_PASSPHRASE", kPostPass}});
    auto line = web.child.read_line(std::chrono::seconds(20));
    REQUIRE(line.has_value());
    check_no_core_dumps(web.child.pid());
    t.text += web.stop(*line + "\n");
  }
  CHECK(t.run("sync-server", {"device", "list", "--data-dir", hq, "--json"}).exit_code == 0);
  CHECK(t.run("sync-server", {"export", "--data-dir", hq, "--form", "staff-climate", "--format",
                              "jsonl", "--out", out + "/export.jsonl"})
            .exit_code == 0);
  CHECK(t.run("sync-server", {"report", "--data-dir", hq, "--form", "staff-climate", "--json"})
            .exit_code == 0);
  CHECK(t.run("sync-server",
              {"key", "passphrase", "--data-dir", hq, "--passphrase-file", wrong, "--remove"})
            .exit_code == 1);
  t.text += server.stop(*first + "\n");

  // The secrets to look for.
  const Passphrase hq_p = Passphrase::copy_of(as_bytes(kServerPass));
  const Passphrase post_p = Passphrase::copy_of(as_bytes(kPostPass));
  auto server_keys = load_server_keys(server::DataDir{hq}.keys(), &hq_p);
  auto device_key = load_device_key(collector::DataDir{post}.key(), &post_p);
  REQUIRE(server_keys.is_ok());
  REQUIRE(device_key.is_ok());
  std::vector<std::pair<std::string, std::string>> needles{{"server passphrase", kServerPass},
                                                           {"collector passphrase", kPostPass},
                                                           {"admin PIN", kPin},
                                                           {"admin token", token}};
  add_forms(needles, "device secret key", device_key->secret().span());
  add_forms(needles, "device key seed", device_key->secret().span().first(32));
  add_forms(needles, "server signing key", server_keys->sign.secret().span());
  add_forms(needles, "server signing seed", server_keys->sign.secret().span().first(32));
  add_forms(needles, "server sealing key", server_keys->box.secret().span());

  const std::vector<std::pair<std::string, std::string>> haystacks{
      {"the programs' output and logs", t.text},
      {"the server's data folder", files_under(hq)},
      {"the collector's data folder", files_under(post)},
      {"the bundle, receipt and export", files_under(out)}};
  REQUIRE(t.text.size() > 1000);  // the transcript really holds the runs
  // A control: the device's public key, printed by device list --json, is found the same way.
  CHECK(t.text.find(to_base64url(device_key->public_key())) != std::string::npos);
  for (const auto& [where, hay] : haystacks) {
    for (const auto& [what, needle] : needles) {
      INFO(what << " in " << where);
      CHECK(hay.find(needle) == std::string::npos);
    }
  }
}
