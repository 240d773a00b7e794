// sample-responses: fills a collector with plausible answers to a bundled
// form, through the real form engine, sealing and outbox (Collector::submit),
// for the demo and the dashboard's browser test. Not shipped: the collector
// itself has no way to invent answers.
//
//   sample-responses --data-dir DIR --form ID --count N [--seed S] [--mood X]
//                    [--administration NAME]
//
// Answers are random but shaped: each select takes its earlier choices more
// often (demographic bands), Likert items lean by --mood (-1 gloomy .. +1
// sunny; women rate the career items lower), a few questions are skipped,
// and "don't know" / "not applicable" turn up now and then. Whatever the
// engine refuses (a hidden branch answered, a constraint) is dropped and the
// answers checked again, so every response stored is one a respondent could
// have given.
#include <sodium.h>

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <cmath>
#include <iostream>
#include <random>

#include "collector_app.hpp"
#include "equitas/forms/form_engine.hpp"
#include "equitas/util/cli_args.hpp"

using namespace equitas;
namespace json = boost::json;

namespace {

struct Generator {
  const forms::Form& form;
  std::mt19937 rng;
  double mood = 0.0;
  std::string administration;

  double uniform() { return std::uniform_real_distribution<double>(0.0, 1.0)(rng); }

  // The polar choices of a rating list, worst first, and its other choices.
  static void split_scale(const forms::ChoiceList& list, std::vector<const forms::Choice*>& scale,
                          std::vector<const forms::Choice*>& excluded) {
    for (const auto& c : list.choices) {
      (c.exclude ? excluded : scale).push_back(&c);
    }
  }

  std::string likert(const forms::ChoiceList& list, double lean) {
    std::vector<const forms::Choice*> scale, excluded;
    split_scale(list, scale, excluded);
    if (!excluded.empty() && uniform() < 0.06) {
      return excluded[static_cast<std::size_t>(uniform() * static_cast<double>(excluded.size()))]
          ->name;
    }
    if (scale.empty()) return list.choices.front().name;
    const double mid = (static_cast<double>(scale.size()) - 1.0) / 2.0;
    const double pick = mid + 0.6 + lean + std::normal_distribution<double>(0.0, 1.1)(rng);
    const auto i = static_cast<std::size_t>(
        std::clamp(std::lround(pick), 0L, static_cast<long>(scale.size()) - 1));
    return scale[i]->name;
  }

  std::string commoner_first(const forms::ChoiceList& list) {
    std::geometric_distribution<std::size_t> g(0.45);
    return list.choices[std::min(g(rng), list.choices.size() - 1)].name;
  }

  void fill(const std::vector<forms::Item>& items, json::object& out, bool woman) {
    for (const auto& it : items) {
      if (it.type == forms::QuestionType::kGroup) {
        fill(it.items, out, woman);
        continue;
      }
      if (it.type == forms::QuestionType::kRepeat) {
        json::array rows;
        const int n = static_cast<int>(uniform() * 4);
        for (int r = 0; r < n; ++r) {
          json::object row;
          fill(it.items, row, woman);
          rows.push_back(std::move(row));
        }
        if (!rows.empty()) out[it.name] = std::move(rows);
        continue;
      }
      if (!it.takes_answer() || it.type == forms::QuestionType::kCalculate) continue;
      if (it.type == forms::QuestionType::kAcknowledge) {
        out[it.name] = true;
        continue;
      }
      if (!it.required_always && uniform() < 0.04) continue;  // skipped
      const forms::ChoiceList* list = form.list_for(it);
      switch (it.type) {
        case forms::QuestionType::kLikert:
          if (list) {
            const bool career = it.name.rfind("car_", 0) == 0;
            out[it.name] = likert(*list, mood + (woman && career ? -0.7 : 0.0));
          }
          break;
        case forms::QuestionType::kSelectOne:
          if (list && !list->choices.empty()) {
            // A scored item (GEOAT status) leans with the mood too.
            out[it.name] = it.score ? likert(*list, mood) : commoner_first(*list);
          }
          break;
        case forms::QuestionType::kSelectMultiple:
          if (list && !list->choices.empty()) {
            json::array picks;
            for (const auto& c : list->choices) {
              if (uniform() < 0.3) picks.emplace_back(c.name);
            }
            if (picks.empty()) picks.emplace_back(list->choices.front().name);
            out[it.name] = std::move(picks);
          }
          break;
        case forms::QuestionType::kInteger:
        case forms::QuestionType::kDecimal:
          out[it.name] = 1 + static_cast<int>(uniform() * 9);
          break;
        case forms::QuestionType::kDate:
          // GEOAT: the assessment ran for three weeks; actions fall due after it.
          out[it.name] = it.name == "assessment_start" ? "2026-10-12"
                         : it.name == "ap_deadline"    ? "2027-06-30"
                                                       : "2026-11-02";
          break;
        case forms::QuestionType::kText:
          if (it.name == "admin_name") {
            out[it.name] = administration;  // GEOAT: whose assessment, the same in every round
          } else if (it.required_always || uniform() < 0.15) {
            out[it.name] = "Sample note " + std::to_string(rng() % 1000);
          }
          break;
        default:
          break;
      }
    }
  }

  // Drops what the engine refuses, until it accepts (or gives up).
  bool settle(json::object& answers) {
    forms::EvalOptions opts;
    opts.today = "2026-11-23";
    for (int attempt = 0; attempt < 12; ++attempt) {
      json::object copy = answers;
      const forms::Evaluation e = forms::evaluate(form, copy, opts);
      if (e.ok()) return true;
      for (const auto& err : e.errors) {
        // "name" or "repeat[i].name"
        const auto open = err.path.find('[');
        if (open == std::string::npos) {
          answers.erase(err.path);
          continue;
        }
        // A row with a bad answer goes whole: simpler than mending it.
        if (json::value* rows = answers.if_contains(err.path.substr(0, open));
            rows && rows->is_array()) {
          answers.erase(err.path.substr(0, open));
        }
      }
    }
    return false;
  }
};

int usage() {
  std::cerr << "usage: sample-responses --data-dir DIR --form ID --count N [--seed S] [--mood X]"
               " [--administration NAME]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (sodium_init() < 0) return 1;
  const std::vector<std::string> words(argv + 1, argv + argc);
  auto args = CliArgs::parse(
      words, {"--data-dir", "--form", "--count", "--seed", "--mood", "--administration"}, {});
  if (!args.is_ok()) return usage();
  auto dir = args->get("--data-dir");
  auto form_id = args->get("--form");
  auto count_text = args->get("--count");
  if (!dir || !form_id || !count_text) return usage();
  int count = 0;
  std::from_chars(count_text->data(), count_text->data() + count_text->size(), count);
  unsigned seed = 7;
  if (auto s = args->get("--seed")) std::from_chars(s->data(), s->data() + s->size(), seed);
  double mood = 0.0;
  if (auto m = args->get("--mood")) mood = std::stod(std::string(*m));

  auto forms = forms::bundled_forms();
  if (!forms.is_ok()) {
    std::cerr << forms.status().to_string() << "\n";
    return 1;
  }
  const forms::Form* form = nullptr;
  for (const auto& f : *forms) {
    if (f->id == *form_id) form = f.get();
  }
  if (form == nullptr) {
    std::cerr << "sample-responses: no bundled form '" << *form_id << "'\n";
    return 1;
  }
  auto collector = collector::Collector::open(collector::DataDir{std::string(*dir)});
  if (!collector.is_ok()) {
    std::cerr << collector.status().to_string() << "\n";
    return 1;
  }
  // GEOAT: whose assessment (two in one round are a conflict in reports).
  std::string administration = "Equitania Customs";
  if (auto a = args->get("--administration")) administration = std::string(*a);
  Generator gen{*form, std::mt19937(seed), mood, administration};
  int stored = 0;
  for (int i = 0; i < count; ++i) {
    json::object answers;
    const bool woman = gen.uniform() < 0.35;
    gen.fill(form->items, answers, woman);
    if (answers.contains("dem_sex"))
      answers["dem_sex"] = woman ? "female" : (gen.uniform() < 0.95 ? "male" : "pns");
    if (!gen.settle(answers)) {
      if (std::getenv("SAMPLE_DEBUG")) {
        forms::EvalOptions opts;
        json::object copy = answers;
        std::cerr << forms::format_errors(forms::evaluate(*form, copy, opts).errors) << "\n";
      }
      continue;
    }
    std::string text = json::serialize(answers);
    auto id = collector->submit(form->id, "", text);
    if (!id.is_ok()) {
      std::cerr << "sample-responses: " << id.status().to_string() << "\n";
      return 1;
    }
    ++stored;
  }
  std::cout << stored << " " << form->id << " responses stored\n";
  return stored > 0 ? 0 : 1;
}
