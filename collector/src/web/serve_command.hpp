// `collector serve` and `collector admin-pin`, kept beside the web code they
// start; collector_cli.cpp lists them with the other commands.
#pragma once

#include <iosfwd>

#include "collector_store.hpp"
#include "equitas/util/cli_args.hpp"
#include "web/drafts.hpp"
#include "web/web_api.hpp"

namespace equitas::collector {

struct ServeSettings {
  DataDir dir;
  std::string listen = "127.0.0.1:8080";
  std::chrono::seconds sync_every{0};
  DeviceMode mode = DeviceMode::kKiosk;
  std::chrono::seconds idle_timeout{std::chrono::minutes(15)};
  std::chrono::seconds idle_countdown{std::chrono::seconds(30)};
  std::chrono::seconds draft_expiry{draft_limits::kResumableExpiry};
  // The device key's passphrase, for this collector and each background sync.
  KeyUnlocker unlocker;
};

// Runs until SIGINT or SIGTERM. Prints the addresses to `out` as soon as the
// socket listens (tests wait for the "Serving" line).
int serve(const ServeSettings& settings, std::ostream& out, std::ostream& err);

// The PIN from --pin-file, else $EQUITAS_ADMIN_PIN, else one line of `in`.
Result<std::string> read_pin(const CliArgs& a, std::string_view file_flag, std::istream& in);

}  // namespace equitas::collector
