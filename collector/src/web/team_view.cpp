#include "web/team_view.hpp"

#include <boost/json.hpp>

#include "equitas/forms/file_answer.hpp"

namespace equitas::collector {
namespace json = boost::json;
namespace {

json::array choices_of(const forms::ChoiceList* list, const std::string& lang,
                       const std::string& fallback) {
  json::array out;
  if (list == nullptr) return out;
  for (const auto& c : list->choices)
    out.push_back(json::object{{"name", c.name}, {"label", c.label.get(lang, fallback)}});
  return out;
}

json::object detail_of(const forms::Form& form, const forms::Item& item, std::string_view role,
                       const std::string& lang) {
  json::object d{{"name", item.name},
                 {"role", role},
                 {"type", forms::question_type_name(item.type)},
                 {"label", item.label.get(lang, form.default_language)}};
  if (!item.list.empty()) d["list"] = item.list;
  if (item.appearance == "multiline") d["multiline"] = true;
  if (item.per_site) d["per_site"] = true;
  if (forms::is_file_question(item)) {
    json::array accept;
    for (const auto& t : forms::accepted_types(item)) accept.push_back(json::string(t));
    d["accept"] = std::move(accept);
    d["max_files"] = item.file.max_files;
    if (item.file.max_pixels > 0) d["max_pixels"] = item.file.max_pixels;
  }
  return d;
}

// The indicators of one group's items, with the details that follow each.
void collect_indicators(const forms::Form& form, const std::vector<forms::Item>& items,
                        const std::string& lang,
                        const std::function<void(const forms::Item&, json::object)>& found) {
  for (std::size_t i = 0; i < items.size(); ++i) {
    const forms::Item& item = items[i];
    if (!item.items.empty()) {
      collect_indicators(form, item.items, lang, found);
      continue;
    }
    if (!item.score) continue;
    json::array details;
    const std::string prefix = item.name + "_";
    for (std::size_t j = i + 1; j < items.size(); ++j) {
      const forms::Item& next = items[j];
      if (next.score || next.name.rfind(prefix, 0) != 0 || !next.takes_answer()) break;
      details.push_back(
          detail_of(form, next, std::string_view(next.name).substr(prefix.size()), lang));
    }
    json::object o{{"name", item.name},
                   {"code", item.score->indicator},
                   {"label", item.label.get(lang, form.default_language)},
                   {"details", std::move(details)}};
    if (!item.hint.empty()) o["hint"] = item.hint.get(lang, form.default_language);
    if (item.per_site) o["per_site"] = true;
    found(item, std::move(o));
  }
}

json::object* find_by_id(json::array& a, std::string_view id) {
  for (auto& v : a) {
    if (v.as_object().at("id").as_string() == id) return &v.as_object();
  }
  return nullptr;
}

}  // namespace

json::object team_layout(const forms::Form& form, const std::string& lang) {
  const std::string& fb = form.default_language;
  json::array principles;
  json::object lists;
  // Group labels by the indicator's key element and principle, from the
  // groups above it (the principle outermost).
  std::map<std::string, std::string> labels;
  form.walk([&](const forms::Item& item, const std::vector<const forms::Item*>& parents) {
    if (item.score && !parents.empty()) {
      labels[item.score->element] = parents.back()->label.get(lang, fb);
      labels[item.score->principle] = parents.front()->label.get(lang, fb);
    }
    return true;
  });
  collect_indicators(form, form.items, lang, [&](const forms::Item& item, json::object o) {
    const forms::ScoreRef& ref = *item.score;
    json::object* p = find_by_id(principles, ref.principle);
    if (p == nullptr) {
      principles.push_back(json::object{
          {"id", ref.principle}, {"label", labels[ref.principle]}, {"elements", json::array()}});
      p = &principles.back().as_object();
    }
    json::array& elements = p->at("elements").as_array();
    json::object* e = find_by_id(elements, ref.element);
    if (e == nullptr) {
      elements.push_back(json::object{
          {"id", ref.element}, {"label", labels[ref.element]}, {"indicators", json::array()}});
      e = &elements.back().as_object();
    }
    for (const auto& d : o.at("details").as_array()) {
      if (const auto* list = d.as_object().if_contains("list")) {
        const std::string name(list->as_string());
        if (!lists.contains(name)) {
          auto it = form.lists.find(name);
          lists[name] = choices_of(it == form.lists.end() ? nullptr : &it->second, lang, fb);
        }
      }
    }
    e->at("indicators").as_array().push_back(std::move(o));
  });

  // The status scale of the first indicator (the GEOAT has one scale).
  json::array statuses;
  const forms::Item* first = nullptr;
  form.walk([&](const forms::Item& item, const std::vector<const forms::Item*>&) {
    if (item.score) first = &item;
    return first == nullptr;
  });
  if (const forms::ChoiceList* list = first ? form.list_for(*first) : nullptr) {
    for (const auto& c : list->choices) {
      json::object s{{"name", c.name}, {"label", c.label.get(lang, fb)}};
      s["points"] = c.points && !c.exclude ? json::value(*c.points) : json::value(nullptr);
      // The same rule as the server's scoring (assessment_view.cpp).
      s["not_applicable"] = c.exclude && c.name == "na";
      statuses.push_back(std::move(s));
    }
  }
  auto roles = form.lists.find("team_role");
  return json::object{
      {"statuses", std::move(statuses)},
      {"roles", choices_of(roles == form.lists.end() ? nullptr : &roles->second, lang, fb)},
      {"lists", std::move(lists)},
      {"principles", std::move(principles)}};
}

json::object team_summary(const CollectorStore::HeldAssessment& held, const json::object& view,
                          std::size_t unsynced) {
  json::object o{{"id", held.id},
                 {"form_id", held.form_id},
                 {"state", held.state},
                 {"version", held.version},
                 {"unsynced", unsynced}};
  for (const char* k : {"round", "administration", "official"}) {
    if (const auto* v = view.if_contains(k)) o[k] = *v;
  }
  json::object progress;
  if (const auto* c = view.if_contains("coverage"); c && c->is_object()) {
    for (const char* k : {"rated", "applicable", "not_applicable", "disagreements", "coverage",
                          "percent", "incomplete"}) {
      if (const auto* v = c->as_object().if_contains(k)) progress[k] = *v;
    }
  }
  o["progress"] = std::move(progress);
  return o;
}

json::object unsynced_view(const std::vector<CollectorStore::AssessmentEntry>& entries) {
  json::object out;
  for (const auto& e : entries) {
    boost::system::error_code ec;
    json::value v = json::parse(e.value, ec);
    out[e.field] = json::object{
        {"value", ec ? json::value(e.value) : v}, {"role", e.role}, {"at", e.entered_at}};
  }
  return out;
}

}  // namespace equitas::collector
