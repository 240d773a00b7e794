#include "equitas/crypto/startup.hpp"

#include <sys/prctl.h>
#include <sys/resource.h>

#include "equitas/crypto/secret.hpp"

namespace equitas {

bool secret_holder_startup() {
  const rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  return crypto_startup();
}

}  // namespace equitas
