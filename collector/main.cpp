// collector: the thin entry point. Everything lives in equitas_collector.
#include <iostream>

#include "collector_cli.hpp"
#include "equitas/crypto/startup.hpp"

int main(int argc, char** argv) {
  // No core dumps (they would hold the device key and answers), not dumpable.
  if (!equitas::secret_holder_startup()) {
    std::cerr << "collector: libsodium could not initialise (no entropy source?)\n";
    return 1;
  }
  std::vector<std::string> args(argv + 1, argv + argc);
  return equitas::collector::run_cli(args, std::cin, std::cout, std::cerr);
}
