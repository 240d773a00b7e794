// Envelopes made by hand for socket-level tests: valid staff-climate
// responses sealed to a test server and signed by a collector's key, as the
// collector would make them, but not queued in its outbox.
#pragma once

#include <string>

#include "collector_app.hpp"
#include "equitas/wire/envelope.hpp"

namespace equitas::test {

// A sealed, signed staff-climate response from `c`'s device. `device`
// overrides the device id written into it (signed by `c`'s key regardless).
Bytes sealed_response(collector::Collector& c, const SubmissionId& id, int serial,
                      const std::optional<DeviceId>& device = std::nullopt);

}  // namespace equitas::test
