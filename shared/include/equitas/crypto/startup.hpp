// The start of a program that holds secrets (keys, decrypted answers).
#pragma once

namespace equitas {

// First in main(), before anything secret is read: no core dumps (they would
// hold the secrets); not dumpable either, which also keeps other processes of
// the same user from attaching a debugger or reading /proc/PID/mem; then
// crypto_startup(). False when libsodium cannot initialise (no entropy source).
[[nodiscard]] bool secret_holder_startup();

}  // namespace equitas
