// Crash points for the kill -9 tests. The environment variable
// EQUITAS_FAULT names one point; when the server reaches it, it sends itself
// SIGKILL, which is exactly what a power cut or an OOM kill does to it.
// Unset (always, in production) it costs one branch on a cached value.
#pragma once

#include <cstddef>
#include <string_view>

namespace equitas::server {

enum class FaultPoint {
  kNone,
  kBeforeCommit,  // a batch was received and processed, its transaction not yet committed
  kAfterCommit,   // the batch is durable, its acknowledgement not yet sent
  kAfterChunk,    // a file chunk is on disk, its acknowledgement not yet sent
  // Not a crash: every write of a file chunk stores half of it, then fails
  // as a full disk does (ENOSPC). The disk-full test of file transfers.
  kFileDiskFull,
};

FaultPoint configured_fault();
// Kills the process with SIGKILL when `point` is the configured fault.
void maybe_crash(FaultPoint point);
// How many of `want` bytes a file write may store: `want`, or under
// kFileDiskFull half of it the first time and nothing after (0: the write
// fails with ENOSPC).
std::size_t allowed_write(std::size_t want, bool first);

}  // namespace equitas::server
