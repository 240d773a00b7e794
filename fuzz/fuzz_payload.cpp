// Fuzz target: the payload decoder (v1 JSON and v2 positional), which the
// server runs on the plaintext of every sealed box it opens. The box proves
// who sealed it, not that the sealing collector is honest: the bytes are
// untrusted.
//
// Input: a first byte choosing one of the bundled forms' layouts, then the
// payload. Whatever decodes must encode as v2 and decode again to the same
// payload (v2 is documented as lossless).
//
// The seeds are a few answers to each bundled form, encoded with
// encode_payload as v1 and as v2 (a first byte for the form, in
// bundled_forms() order).
//
// decode_payload is not documented to throw: nothing is caught here.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "equitas/forms/form_engine.hpp"
#include "equitas/forms/payload_layout.hpp"
#include "equitas/wire/payload.hpp"

namespace {

const std::vector<equitas::PayloadLayout>& layouts() {
  static const std::unique_ptr<std::vector<equitas::PayloadLayout>> all = [] {
    auto forms = equitas::forms::bundled_forms();
    if (!forms.is_ok()) std::abort();
    auto out = std::make_unique<std::vector<equitas::PayloadLayout>>();
    for (const auto& f : *forms) out->push_back(equitas::forms::payload_layout(*f));
    return out;
  }();
  return *all;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const auto& all = layouts();
  const equitas::PayloadLayout& layout = all[data[0] % all.size()];
  auto p = equitas::decode_payload(equitas::ByteView(data + 1, size - 1), &layout);
  if (!p.is_ok()) return 0;
  auto again = equitas::decode_payload(equitas::encode_payload(*p, layout), &layout);
  if (!again.is_ok() || again->answers != p->answers || again->submitted_at != p->submitted_at ||
      again->round != p->round) {
    __builtin_trap();
  }
  return 0;
}
