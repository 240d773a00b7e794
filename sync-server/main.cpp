// sync-server: the thin entry point. Everything lives in equitas_server.
#include <sys/resource.h>

#include <iostream>

#include "server_cli.hpp"
#include "equitas/crypto/secret.hpp"

int main(int argc, char** argv) {
  // No core dumps: they would hold the server's secret keys.
  const rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  if (!equitas::crypto_startup()) {
    std::cerr << "sync-server: libsodium could not initialise (no entropy source?)\n";
    return 1;
  }
  std::vector<std::string> args(argv + 1, argv + argc);
  return equitas::server::run_cli(args, std::cout, std::cerr);
}
