// Crash points for the kill -9 tests. The environment variable
// EQUITAS_FAULT names one point; when the server reaches it, it sends itself
// SIGKILL, which is exactly what a power cut or an OOM kill does to it.
// Unset (always, in production) it costs one branch on a cached value.
#pragma once

#include <string_view>

namespace equitas::server {

enum class FaultPoint {
  kNone,
  kBeforeCommit,  // a batch was received and processed, its transaction not yet committed
  kAfterCommit,   // the batch is durable, its acknowledgement not yet sent
};

FaultPoint configured_fault();
// Kills the process with SIGKILL when `point` is the configured fault.
void maybe_crash(FaultPoint point);

}  // namespace equitas::server
