// What the command files around server_cli.cpp share: the error line every
// command prints on failure, and the ServerApp a command opens from
// --data-dir.
#pragma once

#include <ostream>

#include "equitas/util/cli_args.hpp"
#include "server_app.hpp"

namespace equitas::server {

// "sync-server: MESSAGE" on `err`; the command's exit code, 1.
inline int cli_fail(std::ostream& err, const Status& s) {
  err << "sync-server: " << s.message() << "\n";
  return 1;
}

// The ServerApp of --data-dir. `unlocker`: for the commands that open the
// server keys, the passphrase they were given; the others have none.
inline Result<ServerApp> open_app(const CliArgs& a, const KeyUnlocker& unlocker = {}) {
  EQ_ASSIGN_OR_RETURN(std::string dir, a.require("--data-dir"));
  return ServerApp::open(DataDir{std::filesystem::path(dir)}, {.unlocker = unlocker});
}

}  // namespace equitas::server
