#include <algorithm>
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <set>

#include "equitas/forms/form_engine.hpp"
#include "equitas/forms/form_json.hpp"
#include "equitas/forms/form_library.hpp"

using namespace equitas;
using namespace equitas::forms;

namespace {

const char* kForm = R"json({
  "id": "test-form", "version": "3", "default_language": "en", "languages": ["en", "fr"],
  "title": {"en": "Test", "fr": "Test"},
  "lists": {
    "yn": [{"name": "yes", "label": {"en": "Yes", "fr": "Oui"}},
           {"name": "no", "label": {"en": "No", "fr": "Non"}}],
    "agree": [{"name": "1", "label": {"en": "Disagree", "fr": "Pas d'accord"}, "polarity": "negative"},
              {"name": "5", "label": {"en": "Agree", "fr": "D'accord"}, "polarity": "positive"},
              {"name": "dk", "label": {"en": "Don't know", "fr": "Ne sait pas"}, "exclude": true}],
    "region": [{"name": "n1", "label": {"en": "North 1"}, "filters": {"zone": "north"}},
               {"name": "s1", "label": {"en": "South 1"}, "filters": {"zone": "south"}}],
    "channels": [{"name": "hotline", "label": {"en": "Hotline"}}, {"name": "hr", "label": {"en": "HR"}}]
  },
  "items": [
    {"type": "group", "name": "g1", "label": {"en": "One"}, "items": [
      {"type": "integer", "name": "age", "required": true,
       "required_message": {"en": "Age please", "fr": "L'âge, s'il vous plaît"},
       "constraint": ". >= 18 and . <= 70",
       "constraint_message": {"en": "18 to 70", "fr": "De 18 à 70 ans"}},
      {"type": "decimal", "name": "budget", "constraint": ". >= 0"},
      {"type": "date", "name": "when", "constraint": ". <= today()"},
      {"type": "text", "name": "code", "constraint": "regex(., '^[A-Z]{2}[0-9]+$')"},
      {"type": "select_one", "name": "experienced", "list": "yn"},
      {"type": "select_one", "name": "reported", "list": "yn", "relevant": "${experienced} = 'yes'",
       "required": "${experienced} = 'yes'"},
      {"type": "select_multiple", "name": "channel", "list": "channels", "relevant": "${reported} = 'yes'", "or_other": true},
      {"type": "likert", "name": "proud", "list": "agree"},
      {"type": "text", "name": "zone"},
      {"type": "select_one", "name": "post", "list": "region", "choice_filter": "zone = ${zone}"},
      {"type": "acknowledge", "name": "consent"},
      {"type": "note", "name": "info", "label": {"en": "Thanks"}},
      {"type": "calculate", "name": "double_age", "calculation": "${age} * 2"}
    ]},
    {"type": "group", "name": "hidden", "relevant": "${age} > 60", "items": [
      {"type": "text", "name": "retire_plan"}
    ]},
    {"type": "repeat", "name": "plan", "items": [
      {"type": "text", "name": "owner", "required": true},
      {"type": "date", "name": "deadline"},
      {"type": "calculate", "name": "row_label", "calculation": "concat(${owner}, '-', ${age})"}
    ]}
  ]
})json";

Form load() {
  auto f = load_form_json(kForm);
  INFO(f.status().to_string());
  REQUIRE(f.is_ok());
  return std::move(f).value();
}

Evaluation check(const Form& f, const std::string& answers, const std::string& lang = "en") {
  boost::json::object a = boost::json::parse(answers).as_object();
  EvalOptions o;
  o.language = lang;
  o.today = "2026-11-23";
  // Ingest validates without the UI's per-item maps: the errors must be the
  // same, path for path and message for message.
  boost::json::object b = a;
  EvalOptions lean = o;
  lean.record_states = false;
  const Evaluation quick = evaluate(f, b, lean);
  Evaluation full = evaluate(f, a, o);
  REQUIRE(quick.errors.size() == full.errors.size());
  for (std::size_t i = 0; i < full.errors.size(); ++i) {
    CHECK(quick.errors[i].path == full.errors[i].path);
    CHECK(quick.errors[i].message == full.errors[i].message);
  }
  CHECK(quick.items.empty());
  CHECK(a == b);  // calculations are written into the answers either way
  return full;
}

std::string error_at(const Evaluation& e, const std::string& path) {
  for (const auto& err : e.errors) {
    if (err.path == path) return err.message;
  }
  return "";
}

}  // namespace

TEST_CASE("a valid response passes and calculations are computed", "[forms]") {
  const Form f = load();
  boost::json::object a = boost::json::parse(R"({"age": 30, "experienced": "yes", "reported": "yes",
      "channel": ["hotline", "other"], "channel_other": "union", "proud": "dk", "zone": "north", "post": "n1",
      "consent": true, "when": "2026-01-31", "code": "AB12", "budget": 1500.5,
      "plan": [{"owner": "HR", "deadline": "2027-01-01"}]})")
                              .as_object();
  EvalOptions o;
  o.today = "2026-11-23";
  const Evaluation e = evaluate(f, a, o);
  INFO(format_errors(e.errors));
  CHECK(e.ok());
  CHECK(a.at("double_age").as_string() == "60");
  CHECK(a.at("plan").as_array()[0].at("row_label").as_string() == "HR-30");
  CHECK(e.items.at("reported").relevant);
  CHECK(e.items.at("reported").required);
  CHECK_FALSE(e.items.at("retire_plan").relevant);
  CHECK(e.choices.at("post") == std::vector<std::string>{"n1"});
}

TEST_CASE("each rule is enforced, with messages in the respondent's language", "[forms]") {
  const Form f = load();
  SECTION("required") {
    CHECK(error_at(check(f, "{}"), "age") == "Age please");
    CHECK(error_at(check(f, "{}", "fr"), "age") == "L'âge, s'il vous plaît");
    // A conditional requirement applies only when its condition holds.
    CHECK(error_at(check(f, R"({"age": 30, "experienced": "yes"})"), "reported") ==
          "This question is required.");
    CHECK(error_at(check(f, R"({"age": 30, "experienced": "yes"})", "ar"), "reported") ==
          "هذا السؤال إلزامي.");
    CHECK(check(f, R"({"age": 30, "experienced": "no"})").ok());
  }
  SECTION("constraint") {
    CHECK(error_at(check(f, R"({"age": 12})"), "age") == "18 to 70");
    CHECK(error_at(check(f, R"({"age": 12})", "fr"), "age") == "De 18 à 70 ans");
    CHECK(error_at(check(f, R"({"age": 30, "budget": -1})", "es"), "budget") ==
          "Esta respuesta no es válida.");
    CHECK(error_at(check(f, R"({"age": 30, "when": "2027-01-01"})"), "when") ==
          "This answer is not valid.");
    CHECK(error_at(check(f, R"({"age": 30, "code": "ab12"})", "ru"), "code") ==
          "Этот ответ недопустим.");
  }
  SECTION("types") {
    CHECK(error_at(check(f, R"({"age": "thirty"})"), "age") ==
          "The answer must be a whole number.");
    CHECK(error_at(check(f, R"({"age": 30.5})", "fr"), "age") ==
          "La réponse doit être un nombre entier.");
    CHECK(error_at(check(f, R"({"age": 30, "budget": "x"})"), "budget") ==
          "The answer must be a number.");
    CHECK_FALSE(error_at(check(f, R"({"age": 30, "when": "2026-02-30"})"), "when").empty());
    CHECK_FALSE(error_at(check(f, R"({"age": 30, "code": 12})"), "code").empty());
    CHECK_FALSE(error_at(check(f, R"({"age": 30, "consent": false})"), "consent").empty());
    CHECK_FALSE(error_at(check(f, R"({"age": 30, "info": "x"})"), "info").empty());
  }
  SECTION("choices") {
    CHECK(error_at(check(f, R"({"age": 30, "experienced": "maybe"})"), "experienced") ==
          "The answer must be one of the choices offered. Valid codes: yes, no.");
    CHECK_FALSE(error_at(check(f, R"({"age": 30, "proud": "3"})"), "proud").empty());
    CHECK_FALSE(error_at(check(f, R"({"age": 30, "experienced": "yes", "reported": "yes",
                                     "channel": ["hotline", "hotline"]})"),
                         "channel")
                    .empty());
    CHECK_FALSE(error_at(check(f, R"({"age": 30, "experienced": "yes", "reported": "yes",
                                     "channel": "hotline"})"),
                         "channel")
                    .empty());
    // A choice removed by the choice filter is refused.
    CHECK_FALSE(
        error_at(check(f, R"({"age": 30, "zone": "north", "post": "s1"})"), "post").empty());
  }
  SECTION("relevance: an answer to a hidden question is refused") {
    CHECK_FALSE(
        error_at(check(f, R"({"age": 30, "experienced": "no", "reported": "yes"})"), "reported")
            .empty());
    CHECK_FALSE(
        error_at(check(f, R"({"age": 30, "retire_plan": "travel"})"), "retire_plan").empty());
    CHECK(check(f, R"({"age": 65, "retire_plan": "travel"})").ok());
  }
  SECTION("unknown questions and bad repeats") {
    CHECK(error_at(check(f, R"({"age": 30, "shoe_size": 42})"), "shoe_size") ==
          "There is no such question in this form.");
    CHECK_FALSE(error_at(check(f, R"({"age": 30, "plan": [{}]})"), "plan[0].owner").empty());
    CHECK_FALSE(error_at(check(f, R"({"age": 30, "plan": [{"owner": "x", "colour": "red"}]})"),
                         "plan[0].colour")
                    .empty());
    CHECK_FALSE(error_at(check(f, R"({"age": 30, "plan": {"owner": "x"}})"), "plan").empty());
  }
}

TEST_CASE("a wrong choice names the valid codes, in every language", "[forms]") {
  const Form f = load();
  CHECK(error_at(check(f, R"({"age": 30, "proud": "3"})"), "proud") ==
        "The answer must be one of the choices offered. Valid codes: 1, 5, dk.");
  CHECK(error_at(check(f, R"({"age": 30, "proud": "3"})", "fr"), "proud") ==
        "La réponse doit être l'un des choix proposés. Codes valides : 1, 5, dk.");
  CHECK(error_at(check(f, R"({"age": 30, "proud": "3"})", "es"), "proud") ==
        "La respuesta debe ser una de las opciones ofrecidas. Códigos válidos: 1, 5, dk.");
  CHECK(error_at(check(f, R"({"age": 30, "proud": "3"})", "ru"), "proud") ==
        "Ответ должен быть одним из предложенных вариантов. Допустимые коды: 1, 5, dk.");
  CHECK(error_at(check(f, R"({"age": 30, "proud": "3"})", "ar"), "proud") ==
        "يجب أن تكون الإجابة أحد الخيارات المعروضة. الرموز الصالحة: 1, 5, dk.");
  // A number that is one of the codes: codes are text, so it needs quotes
  // (a person typing answers by hand writes 5 for "5").
  CHECK(error_at(check(f, R"({"age": 30, "proud": 5})"), "proud") ==
        "The answer must be one of the choices offered. Valid codes: 1, 5, dk. Codes are text: "
        "write \"5\", in quotes.");
  CHECK_THAT(error_at(check(f, R"({"age": 30, "proud": 5.0})", "fr"), "proud"),
             Catch::EndsWith("Les codes sont du texte : écrivez \"5\", entre guillemets."));
  CHECK_THAT(error_at(check(f, R"({"age": 30, "proud": 4})"), "proud"),
             !Catch::Contains("in quotes"));
  // Only the codes the choice filter leaves are offered.
  CHECK_THAT(error_at(check(f, R"({"age": 30, "zone": "north", "post": "s1"})"), "post"),
             Catch::EndsWith("Valid codes: n1."));
  // Several choices: the same, with "other" when the question has it.
  CHECK(
      error_at(
          check(
              f,
              R"({"age": 30, "experienced": "yes", "reported": "yes", "channel": ["hotline", 7]})"),
          "channel") ==
      "The answer must be a list of different choices from those offered. Valid codes: hotline, "
      "hr, other.");
}

TEST_CASE("an unknown question suggests the nearest names", "[forms]") {
  const Form f = load();
  CHECK(error_at(check(f, R"({"age": 30, "experienced": "no", "proude": "1"})"), "proude") ==
        "There is no such question in this form. Did you mean proud?");
  CHECK(error_at(check(f, R"({"age": 30, "Age": 30})", "fr"), "Age") ==
        "Ce formulaire ne contient pas cette question. Vouliez-vous dire age ?");
  // Inside a repeat row, the row's questions are the candidates.
  CHECK(error_at(check(f, R"({"age": 30, "plan": [{"owner": "x", "dedline": "2027-01-01"}]})"),
                 "plan[0].dedline") ==
        "There is no such question in this form. Did you mean deadline?");
  // Notes and calculations take no answer, so they are never suggested.
  CHECK(error_at(check(f, R"({"age": 30, "inf": "x"})"), "inf") ==
        "There is no such question in this form.");
}

TEST_CASE("a definition that is not JSON says where it breaks", "[forms]") {
  auto r = load_form_json("{\"id\": \"x\",\n \"version\": 1,,\n}");
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().message() ==
        "the form definition is not valid JSON: syntax error at line 2, column 15");
}

TEST_CASE("a definition round-trips through JSON unchanged", "[forms]") {
  const Form f = load();
  const std::string saved = save_form_json(f);
  auto again = load_form_json(saved);
  REQUIRE(again.is_ok());
  CHECK(*again == f);
  CHECK(save_form_json(*again) == saved);
}

TEST_CASE("names and ids are checked without std::regex, however long", "[forms]") {
  // libstdc++'s std::regex recursed once per character and overflowed the
  // stack on a long enough name; a form arrives from the network.
  const std::string long_name(300000, 'a');
  CHECK(valid_item_name(long_name));
  CHECK_FALSE(valid_item_name(long_name + " "));
  CHECK(valid_item_name("_q1.a-b"));
  CHECK_FALSE(valid_item_name("1q"));
  CHECK_FALSE(valid_item_name(""));
  CHECK_FALSE(valid_item_name("q\xc3\xa9"));
  const std::string form = R"({"id": ")" + std::string(300000, 'x') +
                           R"(", "version": "1", "title": {"en": "x"},
      "items": [{"type": "text", "name": ")" +
                           long_name + R"(!"}]})";
  auto f = load_form_json(form);
  REQUIRE_FALSE(f.is_ok());
  CHECK_THAT(f.status().message(), Catch::Contains("must be lower-case letters"));
  CHECK_THAT(f.status().message(), Catch::Contains("not a valid name"));
}

TEST_CASE("a bad definition is refused with every problem named", "[forms]") {
  const char* bad = R"json({"id": "Bad Id", "version": "1", "title": {"en": "x"},
    "lists": {"yn": [{"name": "yes", "label": {"en": "Yes"}}, {"name": "yes", "label": {"en": "Yes"}}]},
    "items": [
      {"type": "integer", "name": "age", "constraint": ". >= 18 and"},
      {"type": "integer", "name": "age"},
      {"type": "select_one", "name": "q", "list": "nope"},
      {"type": "text", "name": "t", "relevant": "${ghost} = 1"},
      {"type": "signature", "name": "where"},
      {"type": "text", "name": "z", "colour": "red"},
      {"type": "text", "name": "ind_text", "label": {"en": "T"}, "list": "yn", "indicator": true},
      {"type": "calculate", "name": "ind_unlisted", "calculation": "'yes'", "indicator": true}
    ]})json";
  auto f = load_form_json(bad);
  REQUIRE_FALSE(f.is_ok());
  const std::string m = f.status().message();
  CHECK_THAT(m, Catch::Contains("form id 'Bad Id'"));
  CHECK_THAT(m, Catch::Contains("item 'age' constraint '. >= 18 and': at position 11"));
  CHECK_THAT(m, Catch::Contains("item 'age': the name is used twice"));
  CHECK_THAT(m, Catch::Contains("unknown choice list 'nope'"));
  CHECK_THAT(m, Catch::Contains("${ghost}, which does not exist"));
  CHECK_THAT(m, Catch::Contains("unknown type 'signature'"));
  CHECK_THAT(m, Catch::Contains("unknown key 'colour'"));
  CHECK_THAT(m, Catch::Contains("choice 'yes' appears twice"));
  CHECK_THAT(m, Catch::Contains("item 'ind_text': only a calculate can be an indicator"));
  CHECK_THAT(
      m, Catch::Contains("item 'ind_unlisted': an indicator needs the choice list of its values"));
  CHECK_THAT(m, Catch::Contains("item 'ind_unlisted': an indicator needs a label"));
  CHECK_FALSE(load_form_json("{not json").is_ok());
}

TEST_CASE("the library knows forms by id and version", "[forms]") {
  auto library = FormLibrary::with_bundled();
  REQUIRE(library.is_ok());
  FormLibrary& catalog = *library;
  FormPublication pub{"test-form", "3", "2026-baseline", save_form_json(load()), {}};
  REQUIRE(catalog.add_publication(pub, 100).is_ok());
  CHECK(catalog.current("test-form")->version == "3");
  CHECK(catalog.current_round("test-form") == "2026-baseline");
  CHECK(catalog.current("staff-climate") != nullptr);
  CHECK(catalog.current_round("staff-climate").empty());
  FormPublication mismatch{"test-form", "9", "r", save_form_json(load()), {}};
  CHECK(catalog.add_publication(mismatch, 101).code() == StatusCode::kCorruption);
  boost::json::object ok = boost::json::parse(R"({"age": 40})").as_object();
  CHECK(catalog.validate("test-form", "3", ok).is_ok());
  CHECK(catalog.validate("test-form", "4", ok).code() == StatusCode::kNotFound);
  CHECK(catalog.validate("other", "3", ok).code() == StatusCode::kNotFound);
  boost::json::object bad = boost::json::parse(R"({"age": 4, "x": 1})").as_object();
  const Status s = catalog.validate("test-form", "3", bad);
  CHECK(s.code() == StatusCode::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("2 invalid answer(s)"));
  CHECK_THAT(s.message(), Catch::Contains("age: 18 to 70"));
  CHECK_THAT(s.message(), Catch::Contains("x: There is no such question"));
}

TEST_CASE("time, dateTime and geopoint answers are checked in their XForms forms (issue 19)",
          "[forms]") {
  auto f = load_form_json(
      R"json({"id": "visit", "version": "1", "title": {"en": "Visit"}, "languages": ["en", "ar"],
    "items": [{"type": "time", "name": "at"}, {"type": "datetime", "name": "seen"},
              {"type": "geopoint", "name": "where", "accuracy_threshold": 25}]})json");
  INFO(f.status().to_string());
  REQUIRE(f.is_ok());
  CHECK(f->find("where")->accuracy_threshold == 25);
  // The definition keeps the types and the threshold.
  auto back = load_form_json(save_form_json(*f));
  REQUIRE(back.is_ok());
  CHECK(*back == *f);
  for (const char* ok :
       {R"({"at": "08:30"})", R"({"at": "23:59:59"})", R"({"at": "08:30:00.250+03:00"})",
        R"({"at": "00:00:00Z"})", R"({"seen": "2026-11-23T08:30"})",
        R"({"seen": "2024-02-29T23:59:59.5-05:30"})", R"({"where": "12.3456 -1.2345"})",
        R"({"where": "-90 180 1203.5 4.8"})", R"({"where": "  5.1   7.2  "})"}) {
    INFO(ok);
    CHECK(check(*f, ok).ok());
  }
  const std::vector<std::pair<std::string, std::string>> bad = {
      {R"({"at": "24:00"})", "at"},
      {R"({"at": "8:30"})", "at"},
      {R"({"at": "08:61"})", "at"},
      {R"({"at": "08:30:00+3"})", "at"},
      {R"({"at": 830})", "at"},
      {R"({"seen": "2026-11-23 08:30"})", "seen"},
      {R"({"seen": "2026-02-30T08:30"})", "seen"},
      {R"({"where": "91 0"})", "where"},
      {R"({"where": "0 -181"})", "where"},
      {R"({"where": "12.3"})", "where"},
      {R"({"where": "1 2 3 -4"})", "where"},
      {R"({"where": "1 2 3 4 5"})", "where"},
      {R"({"where": "nan 2"})", "where"},
      {R"({"where": "12,3 4"})", "where"}};
  for (const auto& [answers, path] : bad) {
    INFO(answers);
    CHECK_FALSE(error_at(check(*f, answers), path).empty());
  }
  CHECK(error_at(check(*f, R"({"where": "91 0"})", "ar"), "where").find("خط العرض") !=
        std::string::npos);
  CHECK(error_at(check(*f, R"({"at": "25:00"})"), "at") ==
        "The answer must be a time of day (HH:MM).");
}

TEST_CASE("geotrace and geoshape answers are lists of points, a line and a closed ring (issue 19)",
          "[forms]") {
  auto f = load_form_json(
      R"json({"id": "visit", "version": "1", "title": {"en": "Visit"}, "languages": ["en", "ar"],
    "items": [{"type": "geotrace", "name": "road", "accuracy_threshold": 10}, {"type": "geoshape", "name": "yard"}]})json");
  INFO(f.status().to_string());
  REQUIRE(f.is_ok());
  CHECK(f->find("road")->type == QuestionType::kGeotrace);
  CHECK(f->find("yard")->type == QuestionType::kGeoshape);
  CHECK(f->find("road")->accuracy_threshold == 10);
  auto back = load_form_json(save_form_json(*f));
  REQUIRE(back.is_ok());
  CHECK(*back == *f);
  // Altitude and accuracy optional per point, spaces around points and one
  // trailing ';' (as ODK Collect writes) tolerated.
  for (const char* ok :
       {R"({"road": "12.5 -1.25;12.6 -1.26"})", R"({"road": " 1 2 300 4.5 ; 3 4 ; 5 6;"})",
        R"({"yard": "0 0; 0 1; 1 1; 0 0"})", R"({"yard": "0 0 10 3;0 1;1 1;1 0;0 0 12 8;"})"}) {
    INFO(ok);
    CHECK(check(*f, ok).ok());
  }
  const std::vector<std::pair<std::string, std::string>> bad = {
      {R"({"road": "1 2"})", "road"},
      {R"({"road": "1 2;"})", "road"},
      {R"({"road": "1 2;;3 4"})", "road"},
      {R"({"road": "91 2; 3 4"})", "road"},
      {R"({"road": "1 2; 3 181"})", "road"},
      {R"({"road": "1 2; 3 4 5 -1"})", "road"},
      {R"({"road": "1,2; 3,4"})", "road"},
      {R"({"road": ["1 2", "3 4"]})", "road"},
      {R"({"yard": "0 0; 0 1; 0 0"})", "yard"},
      {R"({"yard": "0 0; 0 1; 1 1; 1 0"})", "yard"},
      {R"({"yard": "0 0; 0 x; 1 1; 0 0"})", "yard"}};
  for (const auto& [answers, path] : bad) {
    INFO(answers);
    CHECK_FALSE(error_at(check(*f, answers), path).empty());
  }
  CHECK(error_at(check(*f, R"({"road": "1 2"})"), "road") ==
        "The answer must be a line of at least 2 points separated by ';', each a latitude (-90 to "
        "90) and a "
        "longitude (-180 to 180) in degrees.");
  CHECK(error_at(check(*f, R"({"yard": "0 0; 0 1; 0 0"})", "ar"), "yard").find("4 نقاط") !=
        std::string::npos);
  // An open ring is named as such: the page closes it, an import may not.
  CHECK(error_at(check(*f, R"({"yard": "0 0; 0 1; 1 1; 1 0"})"), "yard") ==
        "The shape must be closed: its last point must be its first.");
  CHECK(error_at(check(*f, R"({"yard": "0 0; 0 1; 1 1; 1 0"})", "fr"), "yard") ==
        "La forme doit être fermée : son dernier point doit être le premier.");
}

TEST_CASE("an anonymous form takes no geopoint and no datetime: they single the respondent out",
          "[forms]") {
  auto f = load_form_json(
      R"json({"id": "climate", "version": "1", "title": {"en": "Climate"}, "anonymous": true,
    "items": [{"type": "geopoint", "name": "where"}, {"type": "datetime", "name": "when"},
              {"type": "date", "name": "day"}, {"type": "time", "name": "at"}]})json");
  REQUIRE_FALSE(f.is_ok());
  CHECK_THAT(f.status().message(), Catch::Contains("an anonymous form takes no location"));
  CHECK_THAT(f.status().message(),
             Catch::Contains("item 'when': a datetime records a moment to the second"));
  // A date or a time of day alone is an answer like any other.
  CHECK_THAT(f.status().message(), Catch::Contains("2 problem(s)"));
  auto g = load_form_json(R"json({"id": "visit", "version": "1", "title": {"en": "Visit"},
    "items": [{"type": "text", "name": "where", "accuracy_threshold": 5}]})json");
  REQUIRE_FALSE(g.is_ok());
  CHECK_THAT(g.status().message(),
             Catch::Contains("only a geopoint, geotrace or geoshape takes \"accuracy_threshold\""));
}

TEST_CASE(
    "an anonymous form takes no geotrace and no geoshape: a route or an outline is a location",
    "[forms]") {
  auto f = load_form_json(
      R"json({"id": "climate", "version": "1", "title": {"en": "Climate"}, "anonymous": true,
    "items": [{"type": "geotrace", "name": "route"}, {"type": "geoshape", "name": "plot"},
              {"type": "text", "name": "remarks"}]})json");
  REQUIRE_FALSE(f.is_ok());
  CHECK_THAT(f.status().message(),
             Catch::Contains("item 'route': a geotrace records where the respondent was"));
  CHECK_THAT(f.status().message(),
             Catch::Contains("item 'plot': a geoshape records where the respondent was"));
  CHECK_THAT(f.status().message(), Catch::Contains("2 problem(s)"));
  // The same form, not anonymous, is published.
  auto g = load_form_json(R"json({"id": "climate", "version": "1", "title": {"en": "Climate"},
    "items": [{"type": "geotrace", "name": "route"}, {"type": "geoshape", "name": "plot"}]})json");
  CHECK(g.is_ok());
}

namespace {

const char* kRandomized = R"json({
  "id": "order", "version": "1", "title": {"en": "Order"},
  "lists": {"letters": [{"name": "A", "label": {"en": "A"}}, {"name": "B", "label": {"en": "B"}},
                        {"name": "C", "label": {"en": "C"}}, {"name": "D", "label": {"en": "D"}},
                        {"name": "E", "label": {"en": "E"}}, {"name": "F", "label": {"en": "F"}}],
            "zoned": [{"name": "n1", "label": {"en": "N1"}, "filters": {"zone": "north"}},
                      {"name": "s1", "label": {"en": "S1"}, "filters": {"zone": "south"}},
                      {"name": "n2", "label": {"en": "N2"}, "filters": {"zone": "north"}},
                      {"name": "n3", "label": {"en": "N3"}, "filters": {"zone": "north"}}]},
  "items": [
    {"type": "calculate", "name": "s", "calculation": "42"},
    {"type": "select_one", "name": "seeded", "list": "letters", "randomize": true, "seed": "${s}"},
    {"type": "select_one", "name": "drafted", "list": "letters", "randomize": true, "or_other": true},
    {"type": "select_multiple", "name": "drafted_too", "list": "letters", "randomize": true},
    {"type": "select_one", "name": "fixed", "list": "letters"},
    {"type": "select_one", "name": "place", "list": "zoned", "randomize": true, "choice_filter": "zone = 'north'"}
  ]
})json";

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += s;
  return out;
}

}  // namespace

TEST_CASE("a randomized select offers its choices in its seed's order, and keeps a draft's order",
          "[forms]") {
  auto f = load_form_json(kRandomized);
  INFO(f.status().to_string());
  REQUIRE(f.is_ok());
  const auto offered = [&](std::uint32_t draft_seed) {
    boost::json::object a;
    EvalOptions o;
    o.strict = false;
    o.draft_seed = draft_seed;
    return evaluate(*f, a, o).choices;
  };
  const auto one = offered(7);
  // The seed 42 gives the order ODK gives it (openrosa-xpath-evaluator's tests).
  CHECK(joined(one.at("seeded")) == "AFCBDE");
  // Without a seed: the draft's order, the same at each evaluation, another
  // for another question and for another draft; "other" stays last.
  CHECK(offered(7) == one);
  CHECK(one.at("drafted").back() == "other");
  CHECK(one.at("drafted").size() == 7);
  CHECK(one.at("drafted_too").size() == 6);
  CHECK(joined(one.at("drafted")).substr(0, 6) != joined(one.at("drafted_too")));
  CHECK(joined(offered(8).at("drafted_too")) != joined(one.at("drafted_too")));
  std::set<std::string> all(one.at("drafted_too").begin(), one.at("drafted_too").end());
  CHECK(all.size() == 6);
  // A list in its own order is not listed; a filter and an order together.
  CHECK(one.count("fixed") == 0);
  std::vector<std::string> north = one.at("place");
  std::sort(north.begin(), north.end());
  CHECK(joined(north) == "n1n2n3");
  // Any order is accepted: the order is the page's, never the answer's.
  boost::json::object a =
      boost::json::parse(R"({"seeded": "B", "drafted": "other", "drafted_other": "G",
                                                 "drafted_too": ["F", "A"], "fixed": "C", "place": "n2"})")
          .as_object();
  EvalOptions strict;
  CHECK(evaluate(*f, a, strict).ok());
  // The definition keeps both through JSON.
  auto again = load_form_json(save_form_json(*f));
  REQUIRE(again.is_ok());
  CHECK(*again == *f);
}

TEST_CASE("randomize and seed belong to selects, and a seed to a randomized one", "[forms]") {
  const auto refused = [](const std::string& item) {
    auto f = load_form_json(R"({"id": "x", "version": "1", "title": {"en": "X"},
      "lists": {"l": [{"name": "a", "label": {"en": "A"}}]}, "items": [)" +
                            item + "]}");
    REQUIRE_FALSE(f.is_ok());
    return f.status().message();
  };
  CHECK_THAT(refused(R"({"type": "text", "name": "t", "randomize": true})"),
             Catch::Contains("only a select takes \"randomize\" and \"seed\""));
  CHECK_THAT(refused(R"({"type": "select_one", "name": "t", "list": "l", "seed": "4"})"),
             Catch::Contains("give \"randomize\": true too"));
  CHECK_THAT(
      refused(
          R"({"type": "select_one", "name": "t", "list": "l", "randomize": true, "seed": "${nope}"})"),
      Catch::Contains("${nope}, which does not exist"));
}

TEST_CASE("a barcode is text read by the camera or typed, and no anonymous form takes one",
          "[forms]") {
  auto f = load_form_json(R"json({"id": "visit", "version": "1", "title": {"en": "Visit"},
    "items": [{"type": "barcode", "name": "seal", "required": true}]})json");
  INFO(f.status().to_string());
  REQUIRE(f.is_ok());
  CHECK(f->find("seal")->type == QuestionType::kBarcode);
  CHECK(check(*f, R"({"seal": "TL-0042-7781"})").ok());
  const Evaluation bad = check(*f, R"({"seal": 42})");
  REQUIRE(bad.errors.size() == 1);
  CHECK(bad.errors[0].path == "seal");
  CHECK(std::string(save_form_json(*f)).find("\"barcode\"") != std::string::npos);
  auto anonymous =
      load_form_json(R"json({"id": "climate", "version": "1", "title": {"en": "Climate"},
    "anonymous": true, "items": [{"type": "barcode", "name": "badge"}]})json");
  REQUIRE_FALSE(anonymous.is_ok());
  CHECK_THAT(anonymous.status().message(),
             Catch::Contains("item 'badge': a barcode reads a code that is near-unique"));
}

TEST_CASE("a ranking lists every choice offered, once, in the respondent's order", "[forms]") {
  auto f = load_form_json(R"json({"id": "rank", "version": "1", "title": {"en": "Rank"},
    "lists": {"p": [{"name": "a", "label": {"en": "A"}, "filters": {"k": "x"}}, {"name": "b", "label": {"en": "B"}},
                    {"name": "c", "label": {"en": "C"}, "filters": {"k": "x"}}]},
    "items": [{"type": "select_multiple", "name": "all", "list": "p", "rank": true},
              {"type": "select_multiple", "name": "some", "list": "p", "rank": true, "choice_filter": "k = 'x'"}]})json");
  INFO(f.status().to_string());
  REQUIRE(f.is_ok());
  CHECK(check(*f, R"({"all": ["c", "a", "b"], "some": ["c", "a"]})").ok());
  const Evaluation short_of_one = check(*f, R"({"all": ["c", "a"], "some": ["a", "b"]})", "fr");
  REQUIRE(short_of_one.errors.size() == 2);
  CHECK(short_of_one.errors[0].message ==
        "Classez tous les choix, le premier étant celui que vous préférez.");
  CHECK(short_of_one.errors[1].path == "some");  // b is not offered there
  CHECK(check(*f, R"({"all": ["c", "a", "a"]})").errors.size() == 1);
  auto again = load_form_json(save_form_json(*f));
  REQUIRE(again.is_ok());
  CHECK(*again == *f);
  auto wrong = load_form_json(R"json({"id": "r", "version": "1", "title": {"en": "R"},
    "lists": {"p": [{"name": "a", "label": {"en": "A"}}]},
    "items": [{"type": "select_one", "name": "one", "list": "p", "rank": true}]})json");
  REQUIRE_FALSE(wrong.is_ok());
  CHECK_THAT(wrong.status().message(), Catch::Contains("only a select_multiple takes \"rank\""));
}
