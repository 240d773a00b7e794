// `sync-server` command line. main() is a thin wrapper around run_cli so that
// tests can drive every command in-process.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace equitas::server {

// Returns the process exit code: 0 success, 1 failure, 2 usage error.
int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// The names of every command run_cli knows ("init", "device enroll"), so
// that tests can walk them all.
std::vector<std::string> command_names();

}  // namespace equitas::server
