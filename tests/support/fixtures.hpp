// Real servers and collectors for tests: data folders in a TempDir, a
// sync-server listening on 127.0.0.1:0 in this process, collectors enrolled
// through the same code path as the CLI.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "collector_app.hpp"
#include "server.hpp"
#include "temp_dir.hpp"

namespace equitas::test {

// Runs `sync-server ARGS...` in-process; returns {exit code, stdout, stderr}.
struct CliResult {
  int code;
  std::string out;
  std::string err;
};
CliResult server_cli(const std::vector<std::string>& args);
CliResult collector_cli(const std::vector<std::string>& args, const std::string& stdin_text = "");
// "device enroll" -> {"device", "enroll"}: a command name as argv words.
std::vector<std::string> command_words(const std::string& name);

class TestServer {
 public:
  // Initialises a data folder under `root` (via `sync-server init`).
  explicit TestServer(const std::filesystem::path& root);
  void start(std::shared_ptr<const AnswerValidator> validator = nullptr);
  // With other limits than limits.hpp's (shorter deadlines, for tests).
  void start_with_limits(const server::SessionLimits& limits);
  unsigned short port() const { return server_->endpoint().port(); }
  void stop();
  std::string url() const { return server_->url(); }
  const server::DataDir& dir() const { return dir_; }
  // `sync-server device enroll`; the code's URL is this server's unless given.
  std::string enroll(const std::string& site, const std::string& url = "",
                     const std::string& expires = "14d");
  server::ServerStore open_store() const;

 private:
  server::DataDir dir_;
  std::unique_ptr<server::Server> server_;
};

// A collector folder under `root`, initialised and enrolled with `code`.
collector::Collector make_collector(const std::filesystem::path& root, const std::string& code);

// Submits `n` small, valid staff-climate responses through the form engine;
// each has a distinct comment.
void submit_many(collector::Collector& c, int n, const std::string& form = "staff-climate");

// Number of rows in `sync-server export --format jsonl` for `form`.
std::size_t exported_rows(const TestServer& server, const std::string& form = "staff-climate");

}  // namespace equitas::test
