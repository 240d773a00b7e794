// Response counts shown outside a report (the dashboard's overview and its
// list of rounds) as a report would show them, so that they are not a way
// around it: for an anonymous form, a round's count is the one its report
// publishes for the round as a whole (the same records, so the same noise,
// cell_key.hpp), and a round under k is hidden. Other forms' counts are
// exact.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "cell_key.hpp"
#include "equitas/db/database.hpp"
#include "equitas/forms/form_library.hpp"
#include "equitas/status/status.hpp"

namespace equitas::server {

// The smallest group an anonymous form's report or export shows: the
// highest suppression_threshold any version of `form_id` had, never below
// the product's floor (kDisclosureFloor). A new version cannot lower it.
std::int64_t anonymous_threshold(const forms::FormLibrary& forms, std::string_view form_id);

struct PublishedCount {
  std::optional<std::int64_t> value;  // nullopt: hidden, a group under `threshold`
  std::int64_t threshold = 0;
};

class PublishedCounts {
 public:
  // Reads the row ids of every anonymous form's responses from the analysis
  // store. Call inside the read transaction the counts come from.
  static Result<PublishedCounts> load(Database& db, const forms::FormLibrary& forms);

  // Responses to `form_id` in `round` as published; `exact` is the count
  // for a form that is not anonymous.
  PublishedCount of(const std::string& form_id, const std::string& round, std::int64_t exact) const;

 private:
  struct Tally {
    std::int64_t n = 0;
    std::uint32_t key = 0;
  };
  std::shared_ptr<const CellKeys> keys_;
  std::map<std::string, std::int64_t> threshold_;  // anonymous forms only
  std::map<std::pair<std::string, std::string>, Tally> rounds_;
};

}  // namespace equitas::server
