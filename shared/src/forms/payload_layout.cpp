#include "equitas/forms/payload_layout.hpp"

#include <unordered_set>

namespace equitas::forms {

PayloadLayout payload_layout(const Form& form) {
  std::vector<PayloadLayout::Key> keys;
  std::unordered_set<std::string> seen;
  form.walk([&](const Item& it, const std::vector<const Item*>& parents) {
    for (const auto* p : parents) {
      if (p->type == QuestionType::kRepeat) return true;  // answered inside the repeat's rows
    }
    if (!it.takes_answer() || !seen.insert(it.name).second) return true;
    PayloadLayout::Key key{it.name, {}};
    if (it.is_select()) {
      if (const auto* list = form.list_for(it)) {
        for (const auto& ch : list->choices) key.choices.push_back(ch.name);
      }
    }
    keys.push_back(std::move(key));
    return true;
  });
  return PayloadLayout(std::move(keys));
}

}  // namespace equitas::forms
