#include "equitas/forms/assessment_merge.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <set>

namespace equitas::forms {
namespace {

// Whether `later` had seen `earlier` when it was made (see the header).
bool has_seen(const AssessmentEvent& later, const AssessmentEvent& earlier) {
  if (earlier.seq <= later.base) return true;
  // A member's own successive answers on one device are ordered by their
  // time; seq breaks a tie so the relation stays a strict order.
  return !later.device.empty() && later.device == earlier.device &&
         later.author == earlier.author &&
         std::tie(later.at, later.seq) > std::tie(earlier.at, earlier.seq);
}

FieldEntry entry_of(const AssessmentEvent& e, const std::string& value) {
  return FieldEntry{e.id, e.seq, e.kind, e.author, e.device, e.site, e.at, e.comment, value};
}

boost::json::value json_of(const std::string& text) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  return ec ? boost::json::value(text) : v;
}

boost::json::object entry_json(const FieldEntry& e) {
  boost::json::object o{
      {"event", e.event_id},
      {"seq", e.seq},
      {"kind", e.kind == AssessmentEvent::Kind::kResolution ? "resolution" : "contribution"},
      {"author", e.author},
      {"site", e.site},
      {"at", e.at},
      {"value", json_of(e.value)}};
  if (!e.device.empty()) o["device"] = e.device;
  if (!e.comment.empty()) o["comment"] = e.comment;
  return o;
}

// The union of the heads' values when every one is a list of file
// references (objects with a "sha256"), each content once; nullopt when
// any is something else.
std::optional<std::string> file_union(const std::vector<const AssessmentEvent*>& heads,
                                      const std::string& field) {
  boost::json::array out;
  std::set<std::string, std::less<>> seen;
  for (const AssessmentEvent* h : heads) {
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(h->fields.at(field), ec);
    if (ec || !v.is_array()) return std::nullopt;
    for (const auto& ref : v.get_array()) {
      const auto* sha = ref.is_object() ? ref.get_object().if_contains("sha256") : nullptr;
      if (sha == nullptr || !sha->is_string()) return std::nullopt;
      if (seen.insert(std::string(sha->get_string())).second) out.push_back(ref);
    }
  }
  return boost::json::serialize(out);
}

}  // namespace

std::int64_t MergedAssessment::disagreements() const {
  return std::count_if(fields.begin(), fields.end(),
                       [](const auto& f) { return f.second.disagreement(); });
}

MergedAssessment merge_assessment(const std::vector<AssessmentEvent>& events) {
  // The set of events: one per id, the earliest seq if an id came twice.
  std::map<std::string, const AssessmentEvent*> by_id;
  for (const AssessmentEvent& e : events) {
    auto [it, fresh] = by_id.emplace(e.id, &e);
    if (!fresh && e.seq < it->second->seq) it->second = &e;
  }
  std::vector<const AssessmentEvent*> unique;
  for (const auto& [id, e] : by_id) unique.push_back(e);
  std::sort(unique.begin(), unique.end(), [](const AssessmentEvent* a, const AssessmentEvent* b) {
    return std::tie(a->seq, a->id) < std::tie(b->seq, b->id);
  });

  MergedAssessment out;
  std::map<std::string, std::vector<const AssessmentEvent*>> setters;
  for (const AssessmentEvent* e : unique) {
    out.version = std::max(out.version, e->seq);
    ++(e->kind == AssessmentEvent::Kind::kResolution ? out.resolutions : out.contributions);
    for (const auto& [field, value] : e->fields) setters[field].push_back(e);
  }
  for (const auto& [field, list] : setters) {
    FieldState& state = out.fields[field];
    std::vector<const AssessmentEvent*> heads;
    for (const AssessmentEvent* e : list) {
      state.history.push_back(entry_of(*e, e->fields.at(field)));
      const bool seen = std::any_of(list.begin(), list.end(), [&](const AssessmentEvent* other) {
        return other != e && has_seen(*other, *e);
      });
      if (!seen) heads.push_back(e);
    }
    // has_seen is acyclic for events the server numbered (base < seq, and a
    // device's clock only goes forward); if a wrong clock made a cycle, the
    // latest event stands rather than none.
    if (heads.empty()) heads.push_back(list.back());
    const std::string& first = heads.front()->fields.at(field);
    // The binding is captured by name: clang before 16 cannot capture one.
    const bool agreed =
        std::all_of(heads.begin(), heads.end(), [&first, &field = field](const AssessmentEvent* h) {
          return h->fields.at(field) == first;
        });
    if (agreed) {
      state.value = first;
    } else if (auto files = file_union(heads, field)) {
      state.value = std::move(*files);
    } else {
      for (const AssessmentEvent* h : heads)
        state.competing.push_back(entry_of(*h, h->fields.at(field)));
    }
  }
  return out;
}

std::string site_key(std::string_view field, std::string_view site) {
  std::string out(field);
  out += kSiteSeparator;
  out += site;
  return out;
}

std::pair<std::string_view, std::string_view> split_site_key(std::string_view key) {
  const auto at = key.find(kSiteSeparator);
  if (at == std::string_view::npos) return {key, {}};
  return {key.substr(0, at), key.substr(at + 1)};
}

std::string contribution_key(const Form* form, std::string_view field, std::string_view site) {
  const Item* item = form != nullptr && !site.empty() ? form->find(field) : nullptr;
  return item != nullptr && item->per_site ? site_key(field, site) : std::string(field);
}

boost::json::object merged_to_json(const MergedAssessment& merged) {
  boost::json::object fields;
  for (const auto& [name, state] : merged.fields) {
    boost::json::object f;
    if (state.value) f["value"] = json_of(*state.value);
    f["disagreement"] = state.disagreement();
    boost::json::array competing, history;
    for (const auto& e : state.competing) competing.push_back(entry_json(e));
    for (const auto& e : state.history) history.push_back(entry_json(e));
    if (!competing.empty()) f["competing"] = std::move(competing);
    f["history"] = std::move(history);
    fields[name] = std::move(f);
  }
  return boost::json::object{{"version", merged.version},
                             {"contributions", merged.contributions},
                             {"resolutions", merged.resolutions},
                             {"disagreements", merged.disagreements()},
                             {"fields", std::move(fields)}};
}

}  // namespace equitas::forms
