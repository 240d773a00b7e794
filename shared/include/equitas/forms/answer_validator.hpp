// The point where the form engine checks a response. Both programs call it:
// the collector before sealing (nothing invalid is stored), the server on
// ingest (a modified client gets its envelope rejected with the reason).
#pragma once

#include <boost/json/object.hpp>
#include <string_view>

#include "equitas/status/status.hpp"

namespace equitas {

class AnswerValidator {
 public:
  virtual ~AnswerValidator() = default;
  // OK when `answers` is a valid response to that form version. May
  // complete `answers` with computed values (calculate questions).
  // not_found: the form or version is unknown.
  // invalid_argument: the answers break the form's rules; the message lists
  // every error, one per line, each naming its question.
  virtual Status validate(std::string_view form_id, std::string_view form_version,
                          boost::json::object& answers) const = 0;
  // The same for a partial contribution to a team assessment (EvalOptions::
  // partial): no "required" errors. The default is the full check.
  virtual Status validate_partial(std::string_view form_id, std::string_view form_version,
                                  boost::json::object& answers) const {
    return validate(form_id, form_version, answers);
  }
};

// Accepts any JSON object for any form: the policy until a form catalogue is
// configured.
class AcceptAnyAnswers final : public AnswerValidator {
 public:
  Status validate(std::string_view, std::string_view, boost::json::object&) const override {
    return Status::ok();
  }
};

}  // namespace equitas
