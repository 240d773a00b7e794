// The server's forms: bundled plus published, kept in step with the
// database. Used on the Ingestor thread only (validation on ingest, and the
// publications sent to collectors), so it needs no lock.
#pragma once

#include <memory>

#include "equitas/forms/form_library.hpp"
#include "server_store.hpp"

namespace equitas::server {

class FormRegistry final : public AnswerValidator {
 public:
  static Result<std::unique_ptr<FormRegistry>> load(ServerStore& store);

  // Reloads when `forms publish` has added something since the last look.
  Status refresh(ServerStore& store);
  const forms::FormLibrary& library() const { return library_; }
  // Publications a collector lacks, given what it holds.
  std::vector<FormPublication> missing_for(const std::vector<FormRef>& known) const;

  Status validate(std::string_view form_id, std::string_view form_version,
                  boost::json::object& answers) const override {
    return library_.validate(form_id, form_version, answers);
  }

 private:
  FormRegistry() = default;
  forms::FormLibrary library_;
  std::vector<ServerStore::StoredPublication> publications_;
  std::int64_t seen_version_ = -1;
};

}  // namespace equitas::server
