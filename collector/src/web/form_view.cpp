#include "web/form_view.hpp"

#include <boost/json.hpp>

#include "equitas/forms/file_answer.hpp"
#include "equitas/forms/form_engine.hpp"

namespace equitas::collector {
namespace json = boost::json;
namespace {

json::object item_view(const forms::Form& form, const forms::Item& item, const std::string& lang) {
  const std::string& fb = form.default_language;
  json::object o;
  o["type"] = forms::question_type_name(item.type);
  o["name"] = item.name;
  if (!item.label.empty()) o["label"] = item.label.get(lang, fb);
  if (!item.hint.empty()) o["hint"] = item.hint.get(lang, fb);
  if (!item.appearance.empty()) o["appearance"] = item.appearance;
  if (item.read_only) o["read_only"] = true;
  if (item.or_other) o["or_other"] = true;
  if (item.rank) o["rank"] = true;
  if (item.score) o["indicator"] = item.score->indicator;
  if (forms::is_file_question(item)) {
    json::array accept;
    for (const auto& a : forms::accepted_types(item)) accept.emplace_back(a);
    o["file"] = json::object{{"accept", std::move(accept)},
                             {"max_bytes", forms::max_file_bytes(item)},
                             {"max_pixels", item.file.max_pixels},
                             {"max_files", item.file.max_files}};
  }
  if (item.accuracy_threshold > 0) o["accuracy_threshold"] = item.accuracy_threshold;
  if (item.is_select()) {
    json::array choices;
    if (const forms::ChoiceList* list = form.list_for(item)) {
      for (const auto& c : list->choices) {
        json::object co;
        co["name"] = c.name;
        co["label"] = c.label.get(lang, fb);
        if (c.exclude) co["exclude"] = true;
        choices.push_back(std::move(co));
      }
      // An or_other question whose list has no "other" offers it all the same.
      if (item.or_other && list->find("other") == nullptr) {
        choices.push_back(json::object{{"name", "other"},
                                       {"label", forms::builtin_message("other_choice", lang)}});
      }
    }
    o["choices"] = std::move(choices);
    // The page draws only the choices the evaluation lists for it, in the
    // evaluation's order.
    if (item.choice_filter.present() || item.randomize) o["filter"] = true;
  }
  if (!item.items.empty()) {
    json::array children;
    for (const auto& child : item.items) children.push_back(item_view(form, child, lang));
    o["items"] = std::move(children);
  }
  return o;
}

}  // namespace

bool is_ui_language(std::string_view lang) {
  for (auto l : kUiLanguages) {
    if (l == lang) return true;
  }
  return false;
}

bool is_rtl(std::string_view lang) { return lang == "ar"; }

json::object form_summary(const forms::Form& form, const std::string& lang) {
  json::object o;
  o["id"] = form.id;
  o["version"] = form.version;
  o["title"] = form.title.get(lang, form.default_language);
  if (!form.description.empty())
    o["description"] = form.description.get(lang, form.default_language);
  o["anonymous"] = form.anonymous;
  if (form.response_codes) o["codes"] = true;
  return o;
}

json::object form_view(const forms::Form& form, const std::string& lang) {
  json::object o = form_summary(form, lang);
  o["lang"] = lang;
  o["dir"] = is_rtl(lang) ? "rtl" : "ltr";
  json::array pages;
  json::object loose;  // top-level items outside any group
  for (const auto& item : form.items) {
    if (item.type == forms::QuestionType::kGroup) {
      if (!loose.empty()) {
        pages.push_back(std::move(loose));
        loose = json::object();
      }
      json::object page = item_view(form, item, lang);
      pages.push_back(std::move(page));
      continue;
    }
    if (loose.empty()) {
      loose["type"] = "group";
      loose["name"] = "";
      loose["items"] = json::array();
    }
    loose["items"].as_array().push_back(item_view(form, item, lang));
  }
  if (!loose.empty()) pages.push_back(std::move(loose));
  o["pages"] = std::move(pages);
  return o;
}

json::object evaluation_view(const forms::Evaluation& e) {
  json::object items;
  for (const auto& [path, st] : e.items) {
    if (st.relevant && !st.required && st.error.empty()) continue;
    json::object s;
    if (!st.relevant) s["relevant"] = false;
    if (st.required) s["required"] = true;
    if (!st.error.empty()) s["error"] = st.error;
    items[path] = std::move(s);
  }
  json::object calculated;
  for (const auto& [path, v] : e.calculated) calculated[path] = v;
  json::object choices;
  for (const auto& [path, names] : e.choices) {
    json::array a;
    for (const auto& n : names) a.push_back(json::string(n));
    choices[path] = std::move(a);
  }
  json::array errors;
  for (const auto& fe : e.errors)
    errors.push_back(json::object{{"path", fe.path}, {"message", fe.message}});
  return json::object{{"items", std::move(items)},
                      {"calculated", std::move(calculated)},
                      {"choices", std::move(choices)},
                      {"errors", std::move(errors)}};
}

std::int64_t count_answers(const json::object& answers) {
  std::int64_t n = 0;
  for (const auto& [k, v] : answers) {
    if (v.is_array()) {
      for (const auto& row : v.as_array()) {
        if (row.is_object())
          n += count_answers(row.as_object());
        else
          ++n;
      }
    } else if (!(v.is_string() && v.as_string().empty()) && !v.is_null()) {
      ++n;
    }
  }
  return n;
}

}  // namespace equitas::collector
