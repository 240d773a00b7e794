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
    return FaultPoint::kNone;
  }();
  return point;
}

void maybe_crash(FaultPoint point) {
  if (point != FaultPoint::kNone && configured_fault() == point) ::kill(::getpid(), SIGKILL);
}

}  // namespace equitas::server
