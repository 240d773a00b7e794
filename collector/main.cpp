// collector: the thin entry point. Everything lives in equitas_collector.
#include <sys/resource.h>

#include <iostream>

#include "collector_cli.hpp"
#include "equitas/crypto/secret.hpp"

int main(int argc, char** argv) {
  // No core dumps: they would hold the device key and answers in memory.
  const rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  if (!equitas::crypto_startup()) {
    std::cerr << "collector: libsodium could not initialise (no entropy source?)\n";
    return 1;
  }
  std::vector<std::string> args(argv + 1, argv + argc);
  return equitas::collector::run_cli(args, std::cin, std::cout, std::cerr);
}
