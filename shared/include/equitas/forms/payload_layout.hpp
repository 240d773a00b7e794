// How a form version numbers its answers in a v2 payload (wire/payload.hpp).
#pragma once

#include "equitas/forms/form.hpp"
#include "equitas/wire/payload.hpp"

namespace equitas::forms {

// Every item of `form` that takes an answer and is not inside a repeat, depth
// first (Form::walk order), each with its choice names when it is a select or
// Likert item. Two versions of a form that list the same items in the same
// order give the same layout.
PayloadLayout payload_layout(const Form& form);

}  // namespace equitas::forms
