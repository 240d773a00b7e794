// sync-server: the thin entry point. Everything lives in equitas_server.
#include <sys/prctl.h>
#include <sys/resource.h>

#include <iostream>

#include "equitas/crypto/secret.hpp"
#include "server_cli.hpp"

int main(int argc, char** argv) {
  // No core dumps: they would hold the server's secret keys and decrypted
  // answers. Not dumpable either, which also keeps other processes of the
  // same user from attaching a debugger or reading /proc/PID/mem. Both
  // before anything secret is read.
  const rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (!equitas::crypto_startup()) {
    std::cerr << "sync-server: libsodium could not initialise (no entropy source?)\n";
    return 1;
  }
  std::vector<std::string> args(argv + 1, argv + argc);
  return equitas::server::run_cli(args, std::cout, std::cerr);
}
