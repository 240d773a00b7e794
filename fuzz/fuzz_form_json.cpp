// Fuzz target: the form JSON loader, then the form engine on the loaded form
// with no answers (strict and live modes). Form definitions arrive from the
// server at every sync and from files an operator publishes.
//
// Neither load_form_json nor evaluate is documented to throw, so nothing is
// caught here: an exception escaping is a finding.
#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "equitas/forms/form_engine.hpp"
#include "equitas/forms/form_json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto form = equitas::forms::load_form_json(text);
  if (!form.is_ok()) return 0;
  // A form that loads must save and load again.
  if (!equitas::forms::load_form_json(equitas::forms::save_form_json(*form)).is_ok())
    __builtin_trap();
  for (const bool strict : {true, false}) {
    boost::json::object answers;
    equitas::forms::EvalOptions options;
    options.today = "2026-11-23";
    options.strict = strict;
    (void)equitas::forms::evaluate(*form, answers, options);
  }
  return 0;
}
