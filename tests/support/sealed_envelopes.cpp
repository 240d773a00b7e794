#include "sealed_envelopes.hpp"

#include <stdexcept>

namespace equitas::test {

Bytes sealed_response(collector::Collector& c, const SubmissionId& id, int serial,
                      const std::optional<DeviceId>& device) {
  auto e = c.enrollment();
  if (!e.is_ok() || !*e) throw std::runtime_error("the collector is not enrolled");
  const std::string payload = R"({"v":1,"answers":{"consent_ack":true,"eng_proud":")" +
                              std::to_string(1 + serial % 5) + R"(","comment":"sealed )" +
                              std::to_string(serial) + R"("},"submitted_at":"2026-11-23"})";
  const EnvelopeFields f{device.value_or((*e)->device_id), id, 1, "staff-climate", "2026.1"};
  auto env = seal_envelope(f, as_bytes(payload), (*e)->server, c.device_key());
  if (!env.is_ok()) throw std::runtime_error(env.status().to_string());
  return encode_envelope(*env);
}

}  // namespace equitas::test
