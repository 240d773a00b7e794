// sync-server: the thin entry point. Everything lives in equitas_server.
#include <iostream>

#include "equitas/crypto/startup.hpp"
#include "server_cli.hpp"

int main(int argc, char** argv) {
  // No core dumps (they would hold the server's secret keys and decrypted
  // answers), not dumpable.
  if (!equitas::secret_holder_startup()) {
    std::cerr << "sync-server: libsodium could not initialise (no entropy source?)\n";
    return 1;
  }
  std::vector<std::string> args(argv + 1, argv + argc);
  return equitas::server::run_cli(args, std::cout, std::cerr);
}
