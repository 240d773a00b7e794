// The four bundled forms: they load, they are complete in five languages,
// they round-trip, and complete responses built from them are accepted.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <sstream>

#include "equitas/forms/form_engine.hpp"
#include "equitas/forms/form_json.hpp"
#include "equitas/forms/form_library.hpp"
#include "equitas/forms/form_listing.hpp"
#include "equitas/forms/payload_layout.hpp"
#include "equitas/wire/payload.hpp"

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
    case QuestionType::kText:
      out = {"Sample answer", "P1.A.1, X.B.2", "P1.A.1"};
      break;
    case QuestionType::kInteger:
      out = {30, 1, 0, 5, 100};
      break;
    case QuestionType::kDecimal:
      out = {1500.5, 0, 1};
      break;
    case QuestionType::kDate:
      out = {"2026-01-15", "2027-06-30"};
      break;
    case QuestionType::kAcknowledge:
      out = {true};
      break;
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
    default:
      break;
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

// Sections f01_... to f10_..., the Revised Arusha Declaration's factors, each
// with three or more statements.
void check_ten_factors(const Form& f) {
  int factors = 0;
  for (const Item& g : f.items) {
    if (g.type != QuestionType::kGroup || g.name.size() < 4 || g.name[0] != 'f' ||
        !std::isdigit(g.name[1]))
      continue;
    ++factors;
    int likert = 0;
    for (const Item& it : g.items) likert += it.type == QuestionType::kLikert;
    INFO(g.name);
    CHECK(likert >= 3);
  }
  CHECK(factors == 10);
}

std::set<std::string> items_on_list(const Form& f, const std::string& list) {
  std::set<std::string> out;
  f.walk([&](const Item& it, auto&) {
    if (it.list == list) out.insert(it.name);
    return true;
  });
  return out;
}

// Evaluates a copy: for answers written in place.
Evaluation eval_of(const Form& f, json::object answers, const EvalOptions& o) {
  return evaluate(f, answers, o);
}

int count_items(const Form& f,
                const std::function<bool(const Item&, const std::vector<const Item*>&)>& pred) {
  int n = 0;
  f.walk([&](const Item& it, const std::vector<const Item*>& parents) {
    n += pred(it, parents) ? 1 : 0;
    return true;
  });
  return n;
}

}  // namespace

TEST_CASE("the bundled forms load and every string is in en, fr, es, ru, ar and pt",
          "[forms][bundled]") {
  auto forms = bundled_forms();
  INFO(forms.status().to_string());
  REQUIRE(forms.is_ok());
  std::set<std::string> ids;
  for (const auto& f : *forms) {
    ids.insert(f->id);
    INFO("form " << f->id);
    for (const char* lang : {"en", "fr", "es", "ru", "ar", "pt"}) {
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
  CHECK(ids == std::set<std::string>{"geoat-2023", "geoat-action-update", "integrity-perception",
                                     "integrity-perception-private", "staff-climate"});
}

TEST_CASE("staff climate: anonymous, banded, optional, and its harassment path",
          "[forms][bundled]") {
  auto f = bundled("staff-climate");
  CHECK(f->anonymous);
  CHECK(f->suppression_threshold == 10);
  const int answerable = count_items(*f, [](const Item& it, auto&) {
    return it.takes_answer() && it.type != QuestionType::kCalculate &&
           it.type != QuestionType::kRepeat;
  });
  CHECK(answerable >= 45);
  // Only the consent is required: without it nothing may be stored.
  CHECK(count_items(*f, [](const Item& it, auto&) {
          return it.required_always || it.required_if.present();
        }) == 1);
  CHECK(f->find("consent_ack")->required_always);
  CHECK(count_items(*f, [](const Item& it, auto&) { return it.breakdown; }) >= 6);
  CHECK(count_items(*f, [](const Item& it, auto&) { return it.type == QuestionType::kInteger; }) ==
        0);
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

  // Every demographic offers "prefer not to say", under the one code.
  f->walk([&](const Item& it, const std::vector<const Item*>&) {
    if (!it.breakdown) return true;
    INFO(it.name);
    const ChoiceList* l = f->list_for(it);
    REQUIRE(l != nullptr);
    CHECK(l->find("pns") != nullptr);
    return true;
  });

  // The path: experienced -> who -> reported? -> channel -> outcome -> retaliation.
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

TEST_CASE(
    "staff climate: who was responsible shows only after an experience: witness, grounds, support "
    "note",
    "[forms][bundled]") {
  auto f = bundled("staff-climate");
  const Item* source = f->find("harass_source");
  REQUIRE(source != nullptr);
  CHECK(source->type == QuestionType::kSelectMultiple);
  std::vector<std::string> codes;
  for (const auto& c : f->list_for(*source)->choices) codes.push_back(c.name);
  CHECK(codes == std::vector<std::string>{"colleague", "supervisor", "senior_manager",
                                          "subordinate", "traveller_trader", "other"});
  EvalOptions o;
  o.strict = false;
  // Nothing experienced, or only "prefer not to say": never asked who.
  for (const char* a : {"never", "pns"}) {
    json::object answers = {
        {"h_remarks", a}, {"h_contact", "never"}, {"h_discrimination", "never"}};
    CHECK_FALSE(evaluate(*f, answers, o).items.at("harass_source").relevant);
  }
  CHECK_FALSE(eval_of(*f, json::object{}, o).items.at("harass_source").relevant);
  // Any experience of the section's harassment items opens it. (harass_any
  // keeps its first-edition calculation, so exports still tell "skipped"
  // from "unanswered" in 2026.1 rows; discrimination on other grounds has
  // its own follow-up.)
  for (const char* q : {"h_remarks", "h_threats", "h_assignments"}) {
    json::object answers = {{q, "2_5"}};
    INFO(q);
    auto e = evaluate(*f, answers, o);
    CHECK(e.items.at("harass_source").relevant);
    CHECK(e.items.at("harass_reported").relevant);
  }
  // The grounds follow the discrimination item only.
  CHECK_FALSE(
      eval_of(*f, json::object{{"h_remarks", "more"}}, o).items.at("discrim_grounds").relevant);
  CHECK(eval_of(*f, json::object{{"h_discrimination", "once"}}, o)
            .items.at("discrim_grounds")
            .relevant);
  CHECK_FALSE(eval_of(*f, json::object{{"h_discrimination", "once"}}, o)
                  .items.at("harass_source")
                  .relevant);
  codes.clear();
  for (const auto& c : f->lists.at("discrim_ground").choices) codes.push_back(c.name);
  CHECK(codes == std::vector<std::string>{"sex", "age", "disability", "ethnicity", "religion",
                                          "pregnancy_family", "other"});
  // A perpetrator answer without an experience is refused.
  json::object stray = {
      {"consent_ack", true}, {"h_remarks", "never"}, {"harass_source", json::array{"colleague"}}};
  EvalOptions strict;
  strict.today = "2026-11-23";
  CHECK_FALSE(evaluate(*f, stray, strict).ok());
  json::object path = {{"consent_ack", true},
                       {"h_contact", "once"},
                       {"harass_source", json::array{"traveller_trader", "colleague"}},
                       {"harass_reported", "no"},
                       {"h_witnessed", "yes"}};
  expect_valid(*f, path);
  // The witness item and the support note are for everyone, after the path.
  CHECK(eval_of(*f, json::object{}, o).items.at("h_witnessed").relevant);
  const Item* support = f->find("h_support");
  REQUIRE(support != nullptr);
  CHECK(support->type == QuestionType::kNote);
  const auto& harassment = *f->find("harassment");
  CHECK(harassment.items.back().name == "h_support");
}

TEST_CASE("the same question has the same codes in every bundled form",
          "[forms][bundled][harmonised]") {
  auto forms = bundled_forms();
  REQUIRE(forms.is_ok());
  // One code per meaning: a choice's English label names one code everywhere
  // ("Prefer not to say" is pns in every list of every form).
  std::map<std::string, std::string> code_of_label;
  // One content per list name: a list two forms share is the same list.
  std::map<std::string, std::pair<std::string, const ChoiceList*>> list_by_name;
  // One list per demographic question: the same question asks from the same list.
  std::map<std::string, std::string> list_of_question;
  for (const auto& f : *forms) {
    for (const auto& [name, list] : f->lists) {
      for (const auto& c : list.choices) {
        const std::string& en = c.label.get("en", "en");
        INFO(f->id << " list " << name << " choice " << c.name << " (" << en << ")");
        auto [it, fresh] = code_of_label.emplace(en, c.name);
        CHECK(it->second == c.name);
      }
      auto [it, fresh] = list_by_name.emplace(name, std::make_pair(f->id, &list));
      if (!fresh) {
        INFO("list " << name << " in " << f->id << " and " << it->second.first);
        CHECK(*it->second.second == list);
      }
    }
    f->walk([&](const Item& it, const std::vector<const Item*>&) {
      if (!it.breakdown || !it.is_select()) return true;
      const std::string& en = it.label.get("en", "en");
      INFO(f->id << " " << it.name << " (" << en << ")");
      auto [at, fresh] = list_of_question.emplace(en, it.list);
      CHECK(at->second == it.list);
      return true;
    });
  }
  // The two officials' surveys break down by the same five demographics.
  for (const char* l : {"sex", "grade_band", "role", "service_band", "station_type"}) {
    INFO(l);
    CHECK(bundled("staff-climate")->lists.count(l) == 1);
    CHECK(bundled("integrity-perception")->lists.count(l) == 1);
  }
}

TEST_CASE("the engine's own messages exist in every language of the bundled forms",
          "[forms][bundled]") {
  for (const char* key :
       {"required", "constraint", "not_relevant", "not_text", "too_long", "not_integer",
        "not_decimal", "not_date", "not_choice", "not_choices", "not_ack", "no_answer", "unknown",
        "valid_codes", "quote_code", "did_you_mean", "not_rows"}) {
    // None falls back to English (es and pt may share a wording: "Por favor, confirme.").
    for (const char* lang : {"fr", "es", "ru", "ar", "pt"}) {
      INFO(key << " " << lang);
      CHECK(builtin_message(key, lang) != builtin_message(key, "en"));
    }
  }
  // Portuguese end to end: a refused answer is explained in Portuguese.
  auto f = bundled("integrity-perception-private");
  json::object answers = {{"consent_ack", true}, {"biz_size", "huge"}};
  EvalOptions o;
  o.language = "pt";
  const Evaluation e = evaluate(*f, answers, o);
  REQUIRE(e.errors.size() == 1);
  CHECK_THAT(e.errors[0].message, Catch::Contains("uma das opções apresentadas"));
}

TEST_CASE(
    "GEOAT: an assessment spans dates, the team adds operations and finance, the plan has "
    "baselines",
    "[forms][bundled]") {
  auto f = bundled("geoat-2023");
  CHECK(f->version == "2023.5");
  // Which parts follow the WCO's published structure and which are ours, and the scoring rule.
  const std::string d = f->description.get("en", "en");
  CHECK_THAT(d, Catch::Contains("What follows the WCO") &&
                    Catch::Contains("own wording, not the WCO") &&
                    Catch::Contains("not yet assessed") && Catch::Contains("under 80 %") &&
                    Catch::Contains("incomplete"));
  for (const char* lang : {"fr", "es", "ru", "ar", "pt"})
    CHECK_THAT(f->description.get(lang, "en"), Catch::Contains("80"));
  const ChoiceList& roles = f->lists.at("team_role");
  CHECK(roles.find("operations_risk") != nullptr);
  CHECK(roles.find("finance") != nullptr);
  for (const char* q : {"ap_baseline", "ap_verification", "ap_progress"}) {
    INFO(q);
    REQUIRE(f->find(q) != nullptr);
    CHECK(f->find(q)->type == QuestionType::kText);
  }
  // An action's linked indicators are chosen from the form's own: one
  // choice per scored indicator, in the form's order, named by its id.
  const Item* linked = f->find("ap_indicators");
  REQUIRE(linked != nullptr);
  CHECK(linked->type == QuestionType::kSelectMultiple);
  const ChoiceList* ids = f->list_for(*linked);
  REQUIRE(ids != nullptr);
  std::vector<std::string> scored, offered;
  f->walk([&](const Item& item, const std::vector<const Item*>&) {
    if (item.score) scored.push_back(item.score->indicator);
    return true;
  });
  for (const auto& c : ids->choices) offered.push_back(c.name);
  CHECK(scored.size() == 60);
  CHECK(offered == scored);
  json::object base = {{"admin_name", "Customs"},
                       {"assessment_start", "2026-03-02"},
                       {"assessment_date", "2026-04-10"}};
  expect_valid(*f, base);
  auto with = [&](json::object extra) {
    json::object a = base;
    for (auto& kv : extra) a[kv.key()] = kv.value();
    EvalOptions o;
    o.today = "2026-11-23";
    return evaluate(*f, a, o);
  };
  // The last day cannot come before the first.
  CHECK_FALSE(with({{"assessment_date", "2026-02-27"}}).ok());
  CHECK_FALSE(with({{"assessment_start", "2026-12-01"}}).ok());
  // A deadline must fall after the assessment.
  json::object row = {{"ap_objective", "o"}, {"ap_activity", "a"}, {"ap_deadline", "2026-04-01"}};
  CHECK_FALSE(with({{"action_plan", json::array{row}}}).ok());
  row["ap_deadline"] = "2027-03-31";
  row["ap_baseline"] = "2 of 40 supervisors at the land border post are women";
  row["ap_verification"] = "HR staffing report by sex and grade";
  row["ap_progress"] = "Recruitment round launched";
  CHECK(with({{"action_plan", json::array{row}}}).ok());
}

TEST_CASE("GEOAT: six principles and cross-cutting, 50+ scored indicators, an action plan",
          "[forms][bundled]") {
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

TEST_CASE("integrity perception: ten Arusha factors with three or more items each",
          "[forms][bundled]") {
  auto f = bundled("integrity-perception");
  CHECK(f->anonymous);
  check_ten_factors(*f);
  CHECK(f->find("sex") != nullptr);
  CHECK(f->find("sex")->breakdown);
  expect_valid(*f, complete_response(*f));
}

TEST_CASE("integrity perception: behaviour and experience items with a 12-month recall",
          "[forms][bundled]") {
  auto f = bundled("integrity-perception");
  const Item* group = f->find("experience");
  REQUIRE(group != nullptr);
  CHECK_THAT(group->label.get("en", "en"), Catch::Contains("last 12 months"));
  for (const char* q : {"exp_offered", "exp_asked", "exp_witnessed", "exp_report_info"}) {
    INFO(q);
    const Item* it = f->find(q);
    REQUIRE(it != nullptr);
    // The recall period is stated at the item itself, in every language.
    CHECK_THAT(it->hint.get("en", "en"), Catch::Contains("12 months"));
    for (const auto& lang : f->languages) {
      CHECK_THAT(it->hint.get(lang, "en"), Catch::Contains(lang == "ar" ? "الاثني عشر" : "12"));
    }
  }
  CHECK(f->lists.at(f->find("exp_offered")->list).find("pns") != nullptr);
  EvalOptions o;
  o.strict = false;
  CHECK_FALSE(
      eval_of(*f, json::object{{"exp_offered", "never"}}, o).items.at("exp_reported").relevant);
  CHECK(eval_of(*f, json::object{{"exp_witnessed", "once"}}, o).items.at("exp_reported").relevant);
  CHECK(eval_of(*f, json::object{{"exp_asked", "more"}}, o).items.at("exp_reported").relevant);
  // Reverse-worded statements are the ones scored on the reversed list.
  const std::set<std::string> reversed = items_on_list(*f, "agree5_rev");
  CHECK(reversed == std::set<std::string>{"f02_3", "f04_4", "f06_3", "f08_3", "f09_3", "f10_4"});
}

TEST_CASE("the editions a bundled form replaced are still read, never captured",
          "[forms][bundled][versions]") {
  auto lib = FormLibrary::with_bundled();
  REQUIRE(lib.is_ok());
  auto previous = previous_bundled_forms();
  REQUIRE(previous.is_ok());
  REQUIRE_FALSE(previous->empty());
  for (const auto& old : *previous) {
    INFO(old->id << " " << old->version);
    auto cur = lib->current(old->id);
    REQUIRE(cur != nullptr);
    CHECK(cur->version != old->version);  // a new version, never the same one changed
    CHECK(cur->version > old->version);
    auto found = lib->find(old->id, old->version);
    REQUIRE(found != nullptr);
    CHECK(*found == *old);
  }
  // A response captured with integrity perception 2026.1 (before the codes
  // were harmonised: prefer_not, now pns) is still valid against its own version.
  auto old = lib->find("integrity-perception", "2026.1");
  REQUIRE(old != nullptr);
  json::object answers = {{"consent_ack", true}, {"sex", "prefer_not"}, {"grade", "officer"}};
  expect_valid(*old, answers);
  auto cur = lib->current("integrity-perception");
  CHECK_FALSE(evaluate(*cur, answers, EvalOptions{}).ok());
  // forms list shows the current editions and names the previous ones apart.
  std::ostringstream out;
  print_form_list(*lib, false, out);
  const std::string text = out.str();
  std::istringstream rows(text.substr(0, text.find("Previous editions")));
  for (std::string row; std::getline(rows, row);) {
    for (const auto& old_edition : *previous) {
      if (row.rfind(old_edition->id + " ", 0) == 0)
        CHECK(row.find(" " + old_edition->version + " ") == std::string::npos);
    }
  }
  CHECK_THAT(text, Catch::Contains("Previous editions, still read: ") &&
                       Catch::Contains("staff-climate 2026.1"));
}

TEST_CASE("an administration sets the support note's wording by publishing a copy",
          "[forms][bundled][deployment]") {
  auto lib = FormLibrary::with_bundled();
  REQUIRE(lib.is_ok());
  auto bundled_sc = lib->current("staff-climate");
  REQUIRE(bundled_sc != nullptr);
  // What schema/README.md ("Deployment wording") tells an administration to do.
  auto copy = json::parse(save_form_json(*bundled_sc)).as_object();
  copy["version"] = bundled_sc->version + "-zm1";
  std::function<void(json::array&)> set_note = [&](json::array& items) {
    for (auto& v : items) {
      auto& it = v.as_object();
      if (it["name"] == "h_support") {
        it["label"] = json::object{
            {"en", "Call the staff helpline on 5555, or the gender focal point at HQ."},
            {"fr", "Appelez la ligne d'assistance du personnel au 5555."},
            {"es", "Llame a la línea de ayuda del personal: 5555."},
            {"ru", "Звоните на линию помощи персоналу: 5555."},
            {"ar", "اتصل بخط مساعدة الموظفين: 5555."},
            {"pt", "Ligue para a linha de apoio ao pessoal: 5555."}};
      }
      if (it.contains("items")) set_note(it["items"].as_array());
    }
  };
  set_note(copy["items"].as_array());
  FormPublication pub{
      "staff-climate", bundled_sc->version + "-zm1", "2027-baseline", json::serialize(copy), {}};
  REQUIRE(lib->add_publication(pub, 1700000000).is_ok());
  auto deployed = lib->current("staff-climate");
  REQUIRE(deployed != nullptr);
  CHECK(deployed->version == bundled_sc->version + "-zm1");
  CHECK_THAT(deployed->find("h_support")->label.get("en", "en"), Catch::Contains("5555"));
  CHECK(missing_translations(*deployed).empty());
  // Same questions and choices in the same places: one dataset with the bundled version.
  const auto a = forms::payload_layout(*bundled_sc).keys();
  const auto b = forms::payload_layout(*deployed).keys();
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].name == b[i].name);
    CHECK(a[i].choices == b[i].choices);
  }
}

TEST_CASE(
    "integrity perception, private sector: ten factors, 12-month experience, banded business facts",
    "[forms][bundled]") {
  auto f = bundled("integrity-perception-private");
  CHECK(f->anonymous);
  CHECK(f->suppression_threshold == 10);
  check_ten_factors(*f);
  // The factor sections carry the officials' version's names, so reports index them alike.
  auto officials = bundled("integrity-perception");
  for (const Item& g : f->items) {
    if (g.name.rfind("f", 0) == 0) CHECK(officials->find(g.name) != nullptr);
  }
  // Demographics: sector, size, frequency; banded, each with "prefer not to say"; nothing else.
  std::set<std::string> breakdowns;
  int free_text = 0;
  f->walk([&](const Item& it, auto&) {
    if (it.breakdown) {
      breakdowns.insert(it.name);
      CHECK(f->list_for(it)->find("pns") != nullptr);
    }
    free_text += it.type == QuestionType::kText || it.type == QuestionType::kInteger ||
                 it.type == QuestionType::kDecimal || it.type == QuestionType::kDate;
    return true;
  });
  CHECK(breakdowns == std::set<std::string>{"biz_sector", "biz_size", "biz_frequency"});
  CHECK(free_text ==
        1);  // the optional comment, kept apart; nothing that names a person, firm or office
  CHECK(f->find("comment") != nullptr);
  // Reverse-worded statements are marked as in the officials' version.
  const std::set<std::string> reversed = items_on_list(*f, "agree5_rev");
  CHECK(reversed == std::set<std::string>{"t02_3", "t04_3", "t07_4", "t08_3", "t09_3", "t10_4"});
  CHECK(f->lists.at("agree5_rev") == officials->lists.at("agree5_rev"));
  // Experience items carry the 12-month recall; follow-ups show only when they apply.
  for (const char* q : {"xp_clearance_time", "xp_unexplained_delay", "xp_payment_asked",
                        "xp_payment_witnessed", "xp_complained"}) {
    INFO(q);
    REQUIRE(f->find(q) != nullptr);
    CHECK_THAT(f->find(q)->hint.get("en", "en"), Catch::Contains("12 months"));
    CHECK_THAT(f->find(q)->hint.get("pt", "en"), Catch::Contains("12 meses"));
  }
  EvalOptions o;
  o.strict = false;
  CHECK_FALSE(eval_of(*f, json::object{{"xp_payment_asked", "never"}}, o)
                  .items.at("xp_payment_reported")
                  .relevant);
  CHECK(eval_of(*f, json::object{{"xp_payment_asked", "once"}}, o)
            .items.at("xp_payment_reported")
            .relevant);
  CHECK_FALSE(eval_of(*f, json::object{{"xp_complained", "no"}}, o)
                  .items.at("xp_complaint_outcome")
                  .relevant);
  CHECK(eval_of(*f, json::object{{"xp_complained", "yes"}}, o)
            .items.at("xp_complaint_outcome")
            .relevant);
  expect_valid(*f, json::object{{"consent_ack", true}});
  expect_valid(*f, complete_response(*f));
}

TEST_CASE("GEOAT: the facility and safety indicators, and their findings, are given per site",
          "[forms][bundled]") {
  auto f = bundled("geoat-2023");
  std::set<std::string> per_site;
  f->walk([&](const forms::Item& item, const std::vector<const forms::Item*>&) {
    if (item.per_site) per_site.insert(item.name);
    return true;
  });
  // Toilets and changing rooms, uniforms, searches in a private area,
  // lactation rooms, adapted workplaces, women on every shift, safety of
  // officers alone: what one post has and another lacks.
  for (const char* id : {"p1_b_2", "p2_a_3", "p3_c_1", "p3_c_2", "p5_c_1", "p6_b_2", "p6_c_2"}) {
    for (const std::string suffix : {"", "_evidence", "_files", "_comment"})
      CHECK(per_site.count(id + suffix) == 1);
    // The unit, priority and action answer for the administration.
    CHECK(per_site.count(std::string(id) + "_action") == 0);
  }
  CHECK(per_site.size() == 28);
  // The post's admin may correct a submitted GEOAT; no anonymous form is revisable.
  CHECK(f->revisable);
  for (const char* anonymous :
       {"staff-climate", "integrity-perception", "integrity-perception-private"})
    CHECK_FALSE(bundled(anonymous)->revisable);
  // A policy is the administration's, not a site's.
  CHECK(per_site.count("x_a_1") == 0);
}
