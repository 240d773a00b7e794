// Every bundled form against schema/glossary.json: one term per key concept
// per language, the same Likert anchors everywhere, and no term the glossary
// rules out (an English "WCO" left in another language, say).
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <cctype>
#include <fstream>
#include <sstream>

#include "equitas/forms/form_engine.hpp"

using namespace equitas;
using namespace equitas::forms;
namespace json = boost::json;

namespace {

json::object glossary() {
  std::ifstream in(std::string(EQUITAS_SOURCE_DIR) + "/schema/glossary.json", std::ios::binary);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str()).as_object();
}

// ASCII letters folded to lower case and Arabic diacritics (U+064B..U+0652,
// UTF-8 D9 8B..D9 92) dropped; other bytes as they are.
std::string fold(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == 0xD9 && i + 1 < s.size()) {
      const auto n = static_cast<unsigned char>(s[i + 1]);
      if (n >= 0x8B && n <= 0x92) {
        ++i;
        continue;
      }
    }
    out.push_back(c < 0x80 ? static_cast<char>(std::tolower(c)) : static_cast<char>(c));
  }
  return out;
}

bool contains(std::string_view text, std::string_view term) {
  return fold(text).find(fold(term)) != std::string::npos;
}

struct Text {
  std::string where;
  const LangText* text;
};

std::vector<Text> texts_of(const Form& f) {
  std::vector<Text> out{{"title", &f.title}, {"description", &f.description}};
  f.walk([&](const Item& it, const std::vector<const Item*>&) {
    out.push_back({it.name + " label", &it.label});
    out.push_back({it.name + " hint", &it.hint});
    out.push_back({it.name + " required_message", &it.required_message});
    out.push_back({it.name + " constraint_message", &it.constraint_message});
    return true;
  });
  for (const auto& [name, list] : f.lists) {
    for (const auto& c : list.choices)
      out.push_back({"list " + name + " choice " + c.name, &c.label});
  }
  return out;
}

std::string at(const LangText& t, const std::string& lang) {
  return t.has(lang) ? t.get(lang, lang) : std::string();
}

}  // namespace

TEST_CASE("the glossary folds case and Arabic diacritics, nothing else", "[forms][glossary]") {
  CHECK(contains("The WCO and its Members", "wco"));
  CHECK(contains("إعلان أروشا المعدَّل", "إعلان أروشا المعدل"));
  CHECK_FALSE(contains("إعلان أروشا المنقح", "إعلان أروشا المعدل"));
  CHECK_FALSE(contains("Координатор", "координатор"));  // Cyrillic case is the glossary's to list
}

TEST_CASE("every bundled form uses the glossary's term for each key concept in each language",
          "[forms][glossary]") {
  const json::object g = glossary();
  auto forms = bundled_forms();
  REQUIRE(forms.is_ok());
  REQUIRE(forms->size() == 5);
  int lists_checked = 0, triggered = 0;
  for (const auto& f : *forms) {
    INFO("form " << f->id);
    // Lists the glossary fixes: exactly its labels, in every language of the form.
    for (const auto& lv : g.at("lists").as_array()) {
      const auto& spec = lv.as_object();
      for (const auto& ln : spec.at("lists").as_array()) {
        auto it = f->lists.find(std::string(ln.as_string()));
        if (it == f->lists.end()) continue;
        ++lists_checked;
        const auto& want = spec.at("choices").as_object();
        for (const auto& c : it->second.choices) {
          INFO("list " << it->first << " choice " << c.name);
          REQUIRE(want.contains(c.name));
          for (const auto& lang : f->languages) {
            INFO(lang);
            const auto& w = want.at(c.name).as_object();
            REQUIRE(w.contains(lang));
            CHECK(at(c.label, lang) == std::string(w.at(lang).as_string()));
          }
        }
      }
    }
    // Terms: where the English names the concept, every language names it with the glossary's term.
    for (const Text& t : texts_of(*f)) {
      if (t.text->empty()) continue;
      const std::string en = at(*t.text, "en");
      for (const auto& tv : g.at("terms").as_array()) {
        const auto& term = tv.as_object();
        const std::string key(term.at("key").as_string());
        const bool trigger = contains(en, term.at("en_trigger").as_string());
        triggered += trigger;
        for (const auto& lang : f->languages) {
          const std::string s = at(*t.text, lang);
          INFO(t.where << " [" << lang << "] term " << key << ": " << s);
          if (trigger) {
            const auto& forms_of = term.at("forms").as_object();
            REQUIRE(forms_of.contains(lang));
            bool found = false;
            for (const auto& form : forms_of.at(lang).as_array())
              found = found || contains(s, form.as_string());
            CHECK(found);
          }
          if (const auto* avoid = term.if_contains("avoid");
              avoid && avoid->as_object().contains(lang)) {
            std::string rest = s;
            if (const auto* allow = term.if_contains("allow")) {
              for (const auto& a : allow->as_array()) {
                const std::string al(a.as_string());
                for (auto p = rest.find(al); p != std::string::npos; p = rest.find(al))
                  rest.erase(p, al.size());
              }
            }
            for (const auto& bad : avoid->as_object().at(lang).as_array()) {
              INFO("avoid " << bad.as_string());
              CHECK_FALSE(contains(rest, bad.as_string()));
            }
          }
        }
      }
    }
  }
  CHECK(lists_checked >= 5);  // agree5 in the three surveys, agree5_rev in the two integrity ones
  CHECK(triggered > 50);      // the terms do occur: the check is not vacuous
}
