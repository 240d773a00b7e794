// The forms a program knows: the bundled ones, compiled in, and those the
// server has published (signed) for named rounds. Both programs use one:
// the collector to capture and validate, the server to validate on ingest.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "equitas/forms/form_engine.hpp"
#include "equitas/wire/sync_messages.hpp"

namespace equitas::forms {

struct LibraryEntry {
  std::shared_ptr<const Form> form;
  bool bundled = false;
  // A previous bundled edition: found by version, validated and reported,
  // but not the version to capture unless a round was published with it.
  bool superseded = false;
  std::vector<std::string> rounds;  // publication rounds, oldest first
  std::int64_t published_at = 0;    // 0 for bundled-only
};

class FormLibrary final : public AnswerValidator {
 public:
  // The bundled forms only, with the previous editions they replaced.
  static Result<FormLibrary> with_bundled();

  // Adds a publication whose signature the caller has verified. A
  // definition that differs from a known one under the same id and version
  // replaces it (the server is the authority), and the round is recorded.
  Status add_publication(const FormPublication& pub, std::int64_t published_at);

  std::shared_ptr<const Form> find(std::string_view id, std::string_view version) const;
  // The version to capture when only the id is given: the most recently
  // published, else the bundled one.
  std::shared_ptr<const Form> current(std::string_view id) const;
  // The round of the most recent publication of `id`, or "".
  std::string current_round(std::string_view id) const;
  // The latest round `id` at `version` was published for, or "".
  std::string round_of(std::string_view id, std::string_view version) const;
  const std::vector<LibraryEntry>& entries() const { return entries_; }

  Status validate(std::string_view form_id, std::string_view form_version,
                  boost::json::object& answers) const override;
  Status validate_partial(std::string_view form_id, std::string_view form_version,
                          boost::json::object& answers) const override;

 private:
  LibraryEntry* entry(std::string_view id, std::string_view version);
  Status check(std::string_view form_id, std::string_view form_version,
               boost::json::object& answers, bool partial) const;
  std::vector<LibraryEntry> entries_;
};

}  // namespace equitas::forms
