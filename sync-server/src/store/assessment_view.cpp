#include "assessment_view.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <map>

#include "units_store.hpp"

namespace equitas::server {
namespace {

// The form marks both "not applicable" and "don't know" as excluded from
// the maximum; only the first means the indicator does not apply. The
// bundled GEOAT names it "na" (a form-level flag would be better; see
// docs/assessments.md).
bool means_not_applicable(const forms::Choice& c) { return c.exclude && c.name == "na"; }

struct Tally {
  double score = 0, max = 0;
  std::int64_t indicators = 0, rated = 0, not_applicable = 0, not_assessed = 0, disagreements = 0;
  void add(const Tally& o) {
    score += o.score;
    max += o.max;
    indicators += o.indicators;
    rated += o.rated;
    not_applicable += o.not_applicable;
    not_assessed += o.not_assessed;
    disagreements += o.disagreements;
  }
  std::int64_t applicable() const { return indicators - not_applicable; }
};

double round1(double v) { return std::round(v * 10.0) / 10.0; }

boost::json::object stats(const Tally& t) {
  boost::json::object o{{"score", t.score},
                        {"max", t.max},
                        {"rated", t.rated},
                        {"applicable", t.applicable()},
                        {"not_applicable", t.not_applicable},
                        {"not_assessed", t.not_assessed},
                        {"disagreements", t.disagreements}};
  o["percent"] =
      t.max > 0 ? boost::json::value(round1(100.0 * t.score / t.max)) : boost::json::value(nullptr);
  const double coverage =
      t.applicable() > 0 ? static_cast<double>(t.rated) / static_cast<double>(t.applicable()) : 0;
  o["coverage"] = t.applicable() > 0 ? boost::json::value(round1(100.0 * coverage))
                                     : boost::json::value(nullptr);
  o["incomplete"] = t.applicable() == 0 || coverage < kCompleteCoverage;
  return o;
}

Tally tally_indicator(const forms::Form& form, const forms::Item& item,
                      const boost::json::object& fields) {
  Tally t;
  t.indicators = 1;
  const auto* f = fields.if_contains(item.name);
  const auto* field = f ? f->if_object() : nullptr;
  if (field != nullptr && (field->contains("competing") || field->contains("site_disagreement"))) {
    ++t.disagreements;
    ++t.not_assessed;
    return t;
  }
  const auto* value = field ? field->if_contains("value") : nullptr;
  const forms::ChoiceList* list = form.list_for(item);
  const forms::Choice* choice = value && value->is_string() && list
                                    ? list->find(std::string_view(value->get_string()))
                                    : nullptr;
  double max_points = 0;
  if (list) {
    for (const auto& c : list->choices) max_points = std::max(max_points, c.points.value_or(0));
  }
  if (choice != nullptr && means_not_applicable(*choice)) {
    ++t.not_applicable;
  } else if (choice != nullptr && choice->points && !choice->exclude) {
    ++t.rated;
    t.score = *choice->points;
    t.max = max_points;
  } else {
    ++t.not_assessed;  // no answer yet, or "don't know"
  }
  return t;
}

boost::json::array disagreement_list(const boost::json::object& fields) {
  boost::json::array out;
  for (const auto& kv : fields) {
    const auto* o = kv.value().if_object();
    if (o == nullptr || !o->contains("competing")) continue;
    out.push_back(boost::json::object{{"field", kv.key()}, {"competing", o->at("competing")}});
  }
  return out;
}

}  // namespace

boost::json::object assessment_scores(const forms::Form& form, const boost::json::object& fields,
                                      bool official, const std::string& lang) {
  std::vector<std::string> element_order, principle_order;
  std::map<std::string, Tally> elements, principles;
  std::map<std::string, std::string> labels, element_principle;
  Tally overall;
  form.walk([&](const forms::Item& item, const std::vector<const forms::Item*>& parents) {
    if (!item.score) return true;
    const Tally t = tally_indicator(form, item, fields);
    const auto& ref = *item.score;
    if (!elements.count(ref.element)) element_order.push_back(ref.element);
    if (!principles.count(ref.principle)) principle_order.push_back(ref.principle);
    elements[ref.element].add(t);
    principles[ref.principle].add(t);
    overall.add(t);
    element_principle[ref.element] = ref.principle;
    if (!parents.empty()) {
      labels[ref.element] = parents.back()->label.get(lang, form.default_language);
      labels[ref.principle] = parents.front()->label.get(lang, form.default_language);
    }
    return true;
  });
  boost::json::array ps, es;
  for (const auto& p : principle_order) {
    auto o = stats(principles[p]);
    o["id"] = p;
    o["label"] = labels[p];
    ps.push_back(std::move(o));
  }
  for (const auto& e : element_order) {
    auto o = stats(elements[e]);
    o["id"] = e;
    o["principle"] = element_principle[e];
    o["label"] = labels[e];
    es.push_back(std::move(o));
  }
  return boost::json::object{{"status", official ? "official" : "provisional"},
                             {"overall", stats(overall)},
                             {"principles", std::move(ps)},
                             {"elements", std::move(es)}};
}

boost::json::object merged_fields(const AssessmentRecord& a) {
  boost::system::error_code ec;
  boost::json::value merged = boost::json::parse(a.merged, ec);
  if (ec || !merged.is_object()) return {};
  auto* f = merged.as_object().if_contains("fields");
  return f != nullptr && f->is_object() ? std::move(f->get_object()) : boost::json::object{};
}

boost::json::object merged_fields(const AssessmentRecord& a, const forms::Form& form) {
  boost::json::object fields = merged_fields(a);
  derive_site_statuses(form, fields);
  return fields;
}

void derive_site_statuses(const forms::Form& form, boost::json::object& fields) {
  // Each per-site indicator's site entries, by indicator.
  std::map<std::string, std::vector<std::pair<std::string, const boost::json::object*>>,
           std::less<>>
      by_indicator;
  for (const auto& kv : fields) {
    const auto [name, site] = forms::split_site_key(kv.key());
    if (!site.empty() && kv.value().is_object())
      by_indicator[std::string(name)].emplace_back(std::string(site), &kv.value().get_object());
  }
  std::vector<std::pair<std::string, boost::json::object>> derived;
  std::vector<std::pair<std::string, boost::json::array>> split_under_own;
  for (const auto& [name, sites] : by_indicator) {
    const forms::Item* item = form.find(name);
    const forms::ChoiceList* list = item != nullptr ? form.list_for(*item) : nullptr;
    if (item == nullptr || !item->score || !item->per_site || list == nullptr) continue;
    if (const auto* own = fields.if_contains(name);
        own != nullptr && own->is_object() &&
        (own->get_object().contains("value") || own->get_object().contains("competing"))) {
      // The team gave the administration's own status; a site whose entries
      // disagree still holds the indicator back, as validation does.
      boost::json::array split;
      for (const auto& [site, entry] : sites) {
        if (entry->contains("competing")) split.emplace_back(site);
      }
      if (!split.empty()) split_under_own.emplace_back(name, std::move(split));
      continue;
    }
    boost::json::array split, from;
    const forms::Choice* weakest = nullptr;
    bool all_not_applicable = true;
    for (const auto& [site, entry] : sites) {
      if (entry->contains("competing")) split.emplace_back(site);
      const auto* v = entry->if_contains("value");
      const forms::Choice* c =
          v != nullptr && v->is_string() ? list->find(std::string_view(v->get_string())) : nullptr;
      if (c == nullptr) {
        all_not_applicable = false;
        continue;
      }
      from.push_back(boost::json::object{{"site", site}, {"value", c->name}});
      if (!means_not_applicable(*c)) all_not_applicable = false;
      if (c->points && !c->exclude && (weakest == nullptr || *c->points < *weakest->points))
        weakest = c;
    }
    boost::json::object f{{"history", boost::json::array()}};
    if (!split.empty()) {
      f["disagreement"] = true;
      f["site_disagreement"] = std::move(split);
    } else if (weakest != nullptr || (all_not_applicable && !from.empty())) {
      f["value"] = weakest != nullptr ? boost::json::value(weakest->name)
                                      : from.front().as_object().at("value");
      f["disagreement"] = false;
    }
    // A site rated "don't know" leaves the others to decide; none rated
    // leaves the indicator not yet assessed.
    if (!f.contains("value") && !f.contains("site_disagreement")) continue;
    f["from_sites"] = std::move(from);
    derived.emplace_back(name, std::move(f));
  }
  for (auto& [name, f] : derived) fields[name] = std::move(f);
  for (auto& [name, split] : split_under_own)
    fields[name].as_object()["site_disagreement"] = std::move(split);
}

std::map<std::string, const forms::Item*> scored_indicators(const forms::Form& form) {
  std::map<std::string, const forms::Item*> out;
  form.walk([&](const forms::Item& item, const std::vector<const forms::Item*>&) {
    if (item.score) out.emplace(item.score->indicator, &item);
    return true;
  });
  return out;
}

std::string choice_label(const forms::Form& form, const std::string& list, const std::string& code,
                         const std::string& lang) {
  auto it = form.lists.find(list);
  if (it == form.lists.end()) return code;
  const forms::Choice* c = it->second.find(code);
  return c != nullptr ? c->label.get(lang, form.default_language) : code;
}

boost::json::object assessment_view(const AssessmentRecord& a,
                                    const std::vector<StoredEvent>& events,
                                    const std::vector<ReviewStep>& reviews, const forms::Form* form,
                                    const std::string& lang) {
  boost::json::object fields = merged_fields(a);
  if (form != nullptr) derive_site_statuses(*form, fields);

  const bool official = a.state == AssessmentState::kValidated;
  boost::json::object o{{"id", a.id},
                        {"form_id", a.form_id},
                        {"round", a.round},
                        {"administration", boost::json::object{{"id", a.administration_id},
                                                               {"name", a.administration_name}}},
                        {"state", assessment_state_name(a.state)},
                        {"official", official},
                        {"version", a.version},
                        {"revision", a.revision}};
  o["disagreements"] = disagreement_list(fields);
  if (form != nullptr) {
    o["scores"] = assessment_scores(*form, fields, official, lang);
    o["coverage"] = o["scores"].as_object()["overall"];
  }
  boost::json::array flagged;
  std::int64_t merged_events = 0;
  for (const auto& s : events) {
    if (!s.flagged) {
      ++merged_events;
      continue;
    }
    boost::json::object values;
    for (const auto& [name, text] : s.event.fields) {
      boost::system::error_code vec;
      auto v = boost::json::parse(text, vec);
      values[name] = vec ? boost::json::value(text) : v;
    }
    flagged.push_back(boost::json::object{{"event", s.event.id},
                                          {"seq", s.event.seq},
                                          {"author", s.event.author},
                                          {"device", s.event.device},
                                          {"site", s.event.site},
                                          {"at", s.event.at},
                                          {"reason", *s.flagged},
                                          {"fields", std::move(values)}});
  }
  o["events"] = static_cast<std::int64_t>(events.size());
  o["merged_events"] = merged_events;
  o["flagged"] = std::move(flagged);
  boost::json::array steps;
  for (const auto& r : reviews) {
    steps.push_back(boost::json::object{{"from", r.from},
                                        {"to", r.to},
                                        {"comment", r.comment},
                                        {"actor", r.actor},
                                        {"at", iso8601_utc(r.at)}});
  }
  o["workflow"] = std::move(steps);
  o["fields"] = std::move(fields);
  return o;
}

Result<std::optional<boost::json::object>> load_assessment_view(Database& db,
                                                                const forms::FormLibrary& library,
                                                                std::string_view id,
                                                                const std::string& lang) {
  AssessmentStore store(db);
  EQ_ASSIGN_OR_RETURN(auto a, store.find_assessment(id));
  if (!a) return std::optional<boost::json::object>();
  EQ_ASSIGN_OR_RETURN(auto events, store.events(id));
  EQ_ASSIGN_OR_RETURN(auto reviews, store.reviews(id));
  auto form = library.current(a->form_id);
  boost::json::object view = assessment_view(*a, events, reviews, form.get(), lang);
  EQ_ASSIGN_OR_RETURN(auto items, ActionStore(db).items(a->administration_id));
  view["actions"] = action_plan_view(items);
  // The sites a per-site finding may name (the team page offers them).
  EQ_ASSIGN_OR_RETURN(auto sites, UnitsStore(db).sites());
  boost::json::array site_list;
  for (auto& s : sites) site_list.emplace_back(std::move(s));
  view["sites"] = std::move(site_list);
  return std::optional<boost::json::object>(std::move(view));
}

boost::json::array action_plan_view(const std::vector<ActionItem>& items) {
  boost::json::array out;
  for (const ActionItem& i : items) {
    // Never stored so (ActionStore::add); skipped rather than read past the
    // end, since this runs for every sync that fetches assessments.
    if (i.updates.empty()) continue;
    boost::json::array indicators;
    for (const auto& id : i.indicators) indicators.emplace_back(id);
    const ActionUpdate& last = i.updates.back();
    out.push_back(boost::json::object{{"id", i.id},
                                      {"round", i.round},
                                      {"objective", i.objective},
                                      {"activity", i.activity},
                                      {"owner", i.owner},
                                      {"deadline", i.deadline},
                                      {"indicators", std::move(indicators)},
                                      {"status", last.status},
                                      {"note", last.note},
                                      {"updated_at", iso8601_utc(last.at)},
                                      {"updated_by", last.actor}});
  }
  return out;
}

Result<std::vector<std::string>> changed_assessment_views(Database& db,
                                                          const forms::FormLibrary& library,
                                                          const std::vector<AssessmentRef>& known) {
  std::map<std::string, std::uint64_t> held;
  for (const auto& k : known) held[k.id] = k.revision;
  EQ_ASSIGN_OR_RETURN(auto all, AssessmentStore(db).assessments());
  std::vector<std::string> out;
  for (const auto& a : all) {
    if (auto it = held.find(a.id);
        it != held.end() && it->second == static_cast<std::uint64_t>(a.revision))
      continue;
    EQ_ASSIGN_OR_RETURN(auto view, load_assessment_view(db, library, a.id));
    if (view) out.push_back(boost::json::serialize(*view));
  }
  return out;
}

}  // namespace equitas::server
