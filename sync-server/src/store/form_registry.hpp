// The server's forms: bundled plus published, kept in step with the
// database.
//
// Threads: refresh() and missing_for() run on the Ingestor thread only. The
// forms themselves are an immutable FormSnapshot, replaced as a whole (an
// atomic shared_ptr swap) when refresh() finds a new publication, so the I/O
// threads can validate and decode payloads with snapshot() and no lock.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <unordered_map>

#include "equitas/forms/form_library.hpp"
#include "equitas/wire/payload.hpp"
#include "server_store.hpp"

namespace equitas::server {

// One immutable view of the server's forms, safe to share between threads.
class FormSnapshot final : public AnswerValidator {
 public:
  explicit FormSnapshot(forms::FormLibrary library);
  const forms::FormLibrary& library() const { return library_; }
  // The v2 payload layout of a form version, or null when it is unknown.
  const PayloadLayout* layout(std::string_view form_id, std::string_view form_version) const;
  Status validate(std::string_view form_id, std::string_view form_version,
                  boost::json::object& answers) const override {
    return library_.validate(form_id, form_version, answers);
  }
  Status validate_partial(std::string_view form_id, std::string_view form_version,
                          boost::json::object& answers) const override {
    return library_.validate_partial(form_id, form_version, answers);
  }

 private:
  forms::FormLibrary library_;
  std::unordered_map<std::string, PayloadLayout> layouts_;  // "id\x1fversion"
};

class FormRegistry final : public AnswerValidator {
 public:
  static Result<std::unique_ptr<FormRegistry>> load(ServerStore& store);

  // Reloads when `forms publish` has added something since the last look.
  Status refresh(ServerStore& store);
  // The current forms; any thread.
  std::shared_ptr<const FormSnapshot> snapshot() const { return snapshot_.load(); }
  // The current library; for the thread that calls refresh() (a later
  // refresh may replace it).
  const forms::FormLibrary& library() const { return current_->library(); }
  // Publications a collector lacks, given what it holds.
  std::vector<FormPublication> missing_for(const std::vector<FormRef>& known) const;

  // Any thread.
  Status validate(std::string_view form_id, std::string_view form_version,
                  boost::json::object& answers) const override {
    return snapshot()->validate(form_id, form_version, answers);
  }
  Status validate_partial(std::string_view form_id, std::string_view form_version,
                          boost::json::object& answers) const override {
    return snapshot()->validate_partial(form_id, form_version, answers);
  }

 private:
  FormRegistry() = default;
  std::atomic<std::shared_ptr<const FormSnapshot>> snapshot_;
  std::shared_ptr<const FormSnapshot> current_;  // the refreshing thread's copy of snapshot_
  std::vector<ServerStore::StoredPublication> publications_;
  std::int64_t seen_version_ = -1;
};

}  // namespace equitas::server
