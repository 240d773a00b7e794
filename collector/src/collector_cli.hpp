// `collector` command line. main() is a thin wrapper around run_cli so that
// tests can drive every command in-process.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace equitas::collector {

// Exit codes: 0 success; 1 failure (nothing stored was lost); 2 usage error;
// 3 sync finished but the server rejected some submissions.
int run_cli(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
            std::ostream& err);

// The names of every command run_cli knows ("init", "device enroll"), so
// that tests can walk them all.
std::vector<std::string> command_names();

}  // namespace equitas::collector
