#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "equitas/crypto/secret.hpp"

int main(int argc, char** argv) {
  if (!equitas::crypto_startup()) return 1;
  return Catch::Session().run(argc, argv);
}
