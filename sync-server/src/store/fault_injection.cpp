#include "fault_injection.hpp"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace equitas::server {

FaultPoint configured_fault() {
  static const FaultPoint point = [] {
    const char* v = std::getenv("EQUITAS_FAULT");
    const std::string s = v != nullptr ? v : "";
    if (s == "crash-before-commit") return FaultPoint::kBeforeCommit;
    if (s == "crash-after-commit") return FaultPoint::kAfterCommit;
    if (s == "crash-after-chunk") return FaultPoint::kAfterChunk;
    if (s == "file-disk-full") return FaultPoint::kFileDiskFull;
    return FaultPoint::kNone;
  }();
  return point;
}

void maybe_crash(FaultPoint point) {
  if (point != FaultPoint::kNone && point != FaultPoint::kFileDiskFull &&
      configured_fault() == point) {
    ::kill(::getpid(), SIGKILL);
  }
}

std::size_t allowed_write(std::size_t want, bool first) {
  if (configured_fault() != FaultPoint::kFileDiskFull) return want;
  return first ? want / 2 : 0;
}

}  // namespace equitas::server
