// The three bundled forms: they load, they are complete in five languages,
// they round-trip, and complete responses built from them are accepted.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>
#include <set>

#include "equitas/forms/form_engine.hpp"
#include "equitas/forms/form_json.hpp"

using namespace equitas;
using namespace equitas::forms;
namespace json = boost::json;

namespace {

std::shared_ptr<const Form> bundled(const std::string& id) {
  auto forms = bundled_forms();
  INFO(forms.status().to_string());
  REQUIRE(forms.is_ok());
  for (const auto& f : *forms) {
    if (f->id == id) return f;
  }
  FAIL("no bundled form " << id);
  return nullptr;
}

EvalOptions opts() {
  EvalOptions o;
  o.today = "2026-11-23";
  o.strict = false;
  return o;
}

// Candidate answers for an item, most typical first.
std::vector<json::value> candidates(const Form& f, const Item& it) {
  std::vector<json::value> out;
  switch (it.type) {
    case QuestionType::kText: out = {"Sample answer", "P1.A.1, X.B.2", "P1.A.1"}; break;
    case QuestionType::kInteger: out = {30, 1, 0, 5, 100}; break;
    case QuestionType::kDecimal: out = {1500.5, 0, 1}; break;
    case QuestionType::kDate: out = {"2026-01-15", "2027-06-30"}; break;
    case QuestionType::kAcknowledge: out = {true}; break;
    case QuestionType::kSelectOne:
    case QuestionType::kLikert:
      if (auto* l = f.list_for(it)) {
        for (const auto& c : l->choices) {
          if (!c.exclude) out.emplace_back(c.name);
        }
      }
      break;
    case QuestionType::kSelectMultiple:
      if (auto* l = f.list_for(it)) {
        for (const auto& c : l->choices) out.push_back(json::array{json::value(c.name)});
      }
      break;
    default: break;
  }
  return out;
}

// Answers every relevant question in order with the first candidate the
// engine accepts, the way a diligent respondent would.
void fill(const Form& f, const std::vector<Item>& items, json::object& answers, json::object* row,
          const std::string& prefix) {
  for (const Item& it : items) {
    json::object& scope = row != nullptr ? *row : answers;
    if (it.type == QuestionType::kGroup) {
      fill(f, it.items, answers, row, prefix);
      continue;
    }
    const std::string path = prefix + it.name;
    if (it.type == QuestionType::kRepeat) {
      auto e = evaluate(f, answers, opts());
      if (!e.items[path].relevant) continue;
      scope[it.name] = json::array{json::object{}};
      for (int i = 0; i < 2; ++i) {
        auto& rows = scope[it.name].as_array();
        if (i == 1) rows.push_back(json::object{});
        fill(f, it.items, answers, &rows[i].as_object(), path + "[" + std::to_string(i) + "].");
      }
      continue;
    }
    for (const auto& v : candidates(f, it)) {
      auto e = evaluate(f, answers, opts());
      if (!e.items[path].relevant) break;
      scope[it.name] = v;
      auto after = evaluate(f, answers, opts());
      if (after.items[path].error.empty()) break;
      scope.erase(it.name);
    }
  }
}

json::object complete_response(const Form& f) {
  json::object answers;
  fill(f, f.items, answers, nullptr, "");
  return answers;
}

void expect_valid(const Form& f, json::object answers) {
  EvalOptions o;
  o.today = "2026-11-23";
  const Evaluation e = evaluate(f, answers, o);
  INFO(format_errors(e.errors));
  INFO(json::serialize(answers));
  CHECK(e.ok());
}

int count_items(const Form& f, const std::function<bool(const Item&, const std::vector<const Item*>&)>& pred) {
  int n = 0;
  f.walk([&](const Item& it, const std::vector<const Item*>& parents) {
    n += pred(it, parents) ? 1 : 0;
    return true;
  });
  return n;
}

}  // namespace

TEST_CASE("the bundled forms load and every string is in en, fr, es, ru and ar", "[forms][bundled]") {
  auto forms = bundled_forms();
  INFO(forms.status().to_string());
  REQUIRE(forms.is_ok());
  std::set<std::string> ids;
  for (const auto& f : *forms) {
    ids.insert(f->id);
    INFO("form " << f->id);
    for (const char* lang : {"en", "fr", "es", "ru", "ar"}) {
      CHECK(std::find(f->languages.begin(), f->languages.end(), lang) != f->languages.end());
    }
    const auto missing = missing_translations(*f);
    for (const auto& m : missing) INFO(m);
    CHECK(missing.empty());
    CHECK_FALSE(f->description.empty());
    // Round trip.
    auto again = load_form_json(save_form_json(*f));
    REQUIRE(again.is_ok());
    CHECK(*again == *f);
  }
  CHECK(ids == std::set<std::string>{"geoat-2023", "integrity-perception", "staff-climate"});
}

TEST_CASE("staff climate: anonymous, banded, optional, and its harassment path", "[forms][bundled]") {
  auto f = bundled("staff-climate");
  CHECK(f->anonymous);
  CHECK(f->suppression_threshold == 10);
  const int answerable = count_items(*f, [](const Item& it, auto&) {
    return it.takes_answer() && it.type != QuestionType::kCalculate && it.type != QuestionType::kRepeat;
  });
  CHECK(answerable >= 45);
  // Only the consent is required: without it nothing may be stored.
  CHECK(count_items(*f, [](const Item& it, auto&) { return it.required_always || it.required_if.present(); }) == 1);
  CHECK(f->find("consent_ack")->required_always);
  CHECK(count_items(*f, [](const Item& it, auto&) { return it.breakdown; }) >= 6);
  CHECK(count_items(*f, [](const Item& it, auto&) { return it.type == QuestionType::kInteger; }) == 0);
  expect_valid(*f, json::object{{"consent_ack", true}});  // every question is optional
  {
    json::object no_consent;
    EvalOptions strict;
    strict.language = "fr";
    const Evaluation e = evaluate(*f, no_consent, strict);
    REQUIRE(e.errors.size() == 1);
    CHECK(e.errors[0].path == "consent_ack");
    CHECK_THAT(e.errors[0].message, Catch::Contains("obligatoire"));
  }
  expect_valid(*f, complete_response(*f));

  // The path: experienced -> reported? -> channel -> outcome -> retaliation.
  json::object none = {{"h_remarks", "never"}};
  EvalOptions o;
  o.strict = false;
  auto e = evaluate(*f, none, o);
  CHECK_FALSE(e.items.at("harass_reported").relevant);
  json::object some = {{"h_remarks", "once"}};
  e = evaluate(*f, some, o);
  CHECK(e.items.at("harass_reported").relevant);
  CHECK_FALSE(e.items.at("harass_channel").relevant);
  some["harass_reported"] = "yes";
  e = evaluate(*f, some, o);
  CHECK(e.items.at("harass_channel").relevant);
  CHECK(e.items.at("harass_outcome").relevant);
  CHECK(e.items.at("harass_retaliation").relevant);
  CHECK_FALSE(e.items.at("harass_not_reported_why").relevant);
  some["harass_reported"] = "no";
  e = evaluate(*f, some, o);
  CHECK(e.items.at("harass_not_reported_why").relevant);
  CHECK_FALSE(e.items.at("harass_channel").relevant);
}

TEST_CASE("GEOAT: six principles and cross-cutting, 50+ scored indicators, an action plan", "[forms][bundled]") {
  auto f = bundled("geoat-2023");
  CHECK_FALSE(f->anonymous);
  std::set<std::string> principles;
  const int indicators = count_items(*f, [&](const Item& it, auto&) {
    if (!it.score) return false;
    principles.insert(it.score->principle);
    return true;
  });
  CHECK(indicators >= 50);
  CHECK(principles == std::set<std::string>{"P1", "P2", "P3", "P4", "P5", "P6", "X"});
  const auto* status = f->lists.count("geoat_status") ? &f->lists.at("geoat_status") : nullptr;
  REQUIRE(status != nullptr);
  int scored = 0, excluded = 0;
  for (const auto& c : status->choices) {
    scored += c.points.has_value();
    excluded += c.exclude;
  }
  CHECK(scored == 5);
  CHECK(excluded == 2);
  const Item* plan = f->find("action_plan");
  REQUIRE(plan != nullptr);
  CHECK(plan->type == QuestionType::kRepeat);
  expect_valid(*f, complete_response(*f));
}

TEST_CASE("integrity perception: ten Arusha factors with three or more items each", "[forms][bundled]") {
  auto f = bundled("integrity-perception");
  CHECK(f->anonymous);
  int factors = 0;
  for (const Item& g : f->items) {
    if (g.type != QuestionType::kGroup || g.name.rfind("f", 0) != 0 || g.name.size() < 3 || !std::isdigit(g.name[1])) continue;
    ++factors;
    int likert = 0;
    for (const Item& it : g.items) likert += it.type == QuestionType::kLikert;
    INFO(g.name);
    CHECK(likert >= 3);
  }
  CHECK(factors == 10);
  CHECK(f->find("sex") != nullptr);
  CHECK(f->find("sex")->breakdown);
  expect_valid(*f, complete_response(*f));
}
