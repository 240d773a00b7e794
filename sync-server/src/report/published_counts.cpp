#include "published_counts.hpp"

#include <algorithm>

#include "analysis_store.hpp"
#include "export_source.hpp"

namespace equitas::server {

std::int64_t anonymous_threshold(const forms::FormLibrary& forms, std::string_view form_id) {
  auto k = static_cast<std::int64_t>(kDisclosureFloor);
  for (const auto& e : forms.entries()) {
    if (e.form->id == form_id) k = std::max<std::int64_t>(k, e.form->suppression_threshold);
  }
  return k;
}

Result<PublishedCounts> PublishedCounts::load(Database& db, const forms::FormLibrary& forms) {
  PublishedCounts out;
  for (const auto& e : forms.entries()) {
    if (e.form->anonymous) out.threshold_[e.form->id] = anonymous_threshold(forms, e.form->id);
  }
  if (out.threshold_.empty()) return out;
  EQ_ASSIGN_OR_RETURN(CellKeys keys, CellKeys::load(db));
  out.keys_ = std::make_shared<const CellKeys>(std::move(keys));
  for (const auto& [form, k] : out.threshold_) {
    EQ_RETURN_IF_ERROR(
        // The binding is captured by name: clang before 16 cannot capture one.
        for_each_round_row(db, form,
                           [&out, &form = form](const std::string& round, std::int64_t rowid) {
                             Tally& t = out.rounds_[{form, round}];
                             ++t.n;
                             t.key += out.keys_->record_key(rowid);
                           }));
  }
  return out;
}

PublishedCount PublishedCounts::of(const std::string& form_id, const std::string& round,
                                   std::int64_t exact) const {
  const auto k = threshold_.find(form_id);
  if (k == threshold_.end()) return {exact, 1};
  const auto it = rounds_.find({form_id, round});
  const Tally t = it == rounds_.end() ? Tally{} : it->second;
  if (t.n < k->second) return {std::nullopt, k->second};
  return {std::max(keys_->perturb(t.n, t.key), k->second), k->second};
}

}  // namespace equitas::server
