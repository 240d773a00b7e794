// Runs the real binaries from a test: a child process with extra environment
// variables, its standard output readable line by line.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace equitas::test {

std::string bin_path(const std::string& program);  // build/bin/<program>

class ChildProcess {
 public:
  // `discard_stderr`: the child's standard error goes to /dev/null (for
  // programs killed by the thousand, whose complaints are expected).
  ChildProcess(const std::vector<std::string>& argv,
               const std::map<std::string, std::string>& env = {}, bool discard_stderr = false);
  ~ChildProcess();  // kills (SIGKILL) and reaps if still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // The next line of stdout, or nullopt at EOF or after the timeout.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);
  // Waits for exit; returns the exit code, or 128 + signal number.
  int wait();
  void kill(int sig);

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string pending_;
  bool reaped_ = false;
  int status_ = 0;
};

struct RunResult {
  int exit_code = 0;
  std::string out;
  std::string err;
};

// Runs a command to completion, with `input` on its stdin.
RunResult run_command(const std::vector<std::string>& argv, const std::string& input = "");

// The ws://HOST:PORT a `sync-server serve` child announces on its first line
// of output; nullopt when it says nothing like it within 10 seconds.
std::optional<std::string> announced_url(ChildProcess& server);

}  // namespace equitas::test
