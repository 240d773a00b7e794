#include "equitas/forms/form.hpp"

#include <functional>

namespace equitas::forms {

const std::string& LangText::get(const std::string& lang, const std::string& fallback) const {
  static const std::string kEmpty;
  if (auto it = by_lang_.find(lang); it != by_lang_.end()) return it->second;
  if (auto it = by_lang_.find(fallback); it != by_lang_.end()) return it->second;
  return by_lang_.empty() ? kEmpty : by_lang_.begin()->second;
}

namespace {
constexpr std::pair<QuestionType, std::string_view> kTypeNames[] = {
    {QuestionType::kText, "text"},
    {QuestionType::kInteger, "integer"},
    {QuestionType::kDecimal, "decimal"},
    {QuestionType::kDate, "date"},
    {QuestionType::kSelectOne, "select_one"},
    {QuestionType::kSelectMultiple, "select_multiple"},
    {QuestionType::kLikert, "likert"},
    {QuestionType::kNote, "note"},
    {QuestionType::kAcknowledge, "acknowledge"},
    {QuestionType::kCalculate, "calculate"},
    {QuestionType::kGroup, "group"},
    {QuestionType::kRepeat, "repeat"},
    {QuestionType::kImage, "image"},
    {QuestionType::kAudio, "audio"},
    {QuestionType::kVideo, "video"},
    {QuestionType::kFile, "file"},
    {QuestionType::kTime, "time"},
    {QuestionType::kDateTime, "datetime"},
    {QuestionType::kGeopoint, "geopoint"},
    {QuestionType::kGeotrace, "geotrace"},
    {QuestionType::kGeoshape, "geoshape"},
    {QuestionType::kBarcode, "barcode"},
};
}  // namespace

std::string_view question_type_name(QuestionType t) {
  for (const auto& [type, name] : kTypeNames) {
    if (type == t) return name;
  }
  return "unknown";
}

std::optional<QuestionType> parse_question_type(std::string_view name) {
  for (const auto& [type, n] : kTypeNames) {
    if (n == name) return type;
  }
  return std::nullopt;
}

const Choice* ChoiceList::find(std::string_view n) const {
  for (const auto& c : choices) {
    if (c.name == n) return &c;
  }
  return nullptr;
}

const ChoiceList* Form::list_for(const Item& item) const {
  auto it = lists.find(item.list);
  return it == lists.end() ? nullptr : &it->second;
}

void Form::walk(
    const std::function<bool(const Item&, const std::vector<const Item*>& parents)>& visit) const {
  std::vector<const Item*> parents;
  std::function<bool(const std::vector<Item>&)> rec = [&](const std::vector<Item>& items) {
    for (const Item& it : items) {
      if (!visit(it, parents)) return false;
      if (!it.items.empty()) {
        parents.push_back(&it);
        const bool go_on = rec(it.items);
        parents.pop_back();
        if (!go_on) return false;
      }
    }
    return true;
  };
  rec(items);
}

const Item* Form::find(std::string_view name) const {
  const Item* found = nullptr;
  walk([&](const Item& it, const std::vector<const Item*>&) {
    if (it.name == name) found = &it;
    return found == nullptr;
  });
  return found;
}

bool is_team_form(const Form& form) {
  if (form.id == kActionUpdateForm) return true;
  bool scored = false;
  form.walk([&](const Item& item, const std::vector<const Item*>&) {
    scored = scored || item.score.has_value();
    return !scored;
  });
  return scored;
}

bool has_per_site_questions(const Form& form) {
  bool per_site = false;
  form.walk([&](const Item& item, const std::vector<const Item*>&) {
    per_site = per_site || item.per_site;
    return !per_site;
  });
  return per_site;
}

}  // namespace equitas::forms
