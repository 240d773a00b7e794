// ServerApp's action plan between rounds (issue 16; docs/assessments.md,
// "The action plan between rounds"). Validating a team assessment adopts
// its action plan: each row becomes an item of the administration's plan,
// <administration>-AP<n>, whose id stays the same in every later round.
// HQ (steward) or the team updates an item's status with a dated note; the
// next round's comparison shows what changed, on the item and on the
// indicators it was meant to move (report_actions.cpp).
#include <algorithm>
#include <cctype>
#include <set>

#include "action_store.hpp"
#include "assessment_view.hpp"
#include "equitas/forms/answer_text.hpp"
#include "form_registry.hpp"
#include "server_app.hpp"

namespace equitas::server {
namespace {

constexpr std::size_t kMaxNote = ActionStore::kMaxNote, kMaxOwner = ActionStore::kMaxOwner;
constexpr const char* kStatusList = "ap_status";

// The ids an action plan row links, in order, once each: chosen from the
// form's indicators (geoat-2023 from 2023.4), or typed in the free text of
// earlier editions, where the team may have separated them with commas
// (Latin or Arabic), semicolons or spaces. Names the form does not have go
// to `unknown`.
std::vector<std::string> parse_indicators(std::string_view text,
                                          const std::map<std::string, const forms::Item*>& known,
                                          std::vector<std::string>& unknown) {
  std::vector<std::string> out;
  std::string word;
  const auto flush = [&] {
    if (word.empty()) return;
    std::string id = word;
    std::transform(id.begin(), id.end(), id.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (known.count(id)) {
      if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
    } else {
      unknown.push_back(word);
    }
    word.clear();
  };
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '.') {
      word += c;
    } else {
      flush();
    }
  }
  flush();
  return out;
}

bool valid_date(std::string_view d) {
  if (d.size() != 10 || d[4] != '-' || d[7] != '-') return false;
  for (std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u}) {
    if (!std::isdigit(static_cast<unsigned char>(d[i]))) return false;
  }
  const int month = std::stoi(std::string(d.substr(5, 2))),
            day = std::stoi(std::string(d.substr(8, 2)));
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

Status unknown_action(std::string_view id) {
  return Status::not_found("no action item " + std::string(id) + " (see: sync-server action list)");
}

}  // namespace

Result<std::shared_ptr<const forms::Form>> ServerApp::current_form(ServerStore& store,
                                                                   std::string_view form_id) {
  EQ_ASSIGN_OR_RETURN(auto registry, FormRegistry::load(store));
  auto form = registry->library().current(form_id);
  if (!form)
    return Status::not_found("the form " + std::string(form_id) + " is not on this server");
  return form;
}

Result<int> ServerApp::adopt_action_plan(ServerStore& store, const AssessmentRecord& a,
                                         const forms::Form& form, std::int64_t now,
                                         const Actor& actor) {
  ActionStore actions(store.db());
  EQ_ASSIGN_OR_RETURN(bool done, actions.adopted(a.id));
  if (done) return 0;
  const boost::json::object fields = merged_fields(a);
  const auto* plan = fields.if_contains("action_plan");
  const auto* rows = plan && plan->is_object() ? plan->as_object().if_contains("value") : nullptr;
  if (rows == nullptr || !rows->is_array()) return 0;
  const auto known = scored_indicators(form);
  const auto statuses = form.lists.find(kStatusList);
  int adopted = 0;
  for (std::size_t r = 0; r < rows->get_array().size(); ++r) {
    const auto& rv = rows->get_array()[r];
    if (!rv.is_object()) continue;
    const auto& row = rv.get_object();
    ActionItem item;
    item.administration_id = a.administration_id;
    item.assessment_id = a.id;
    item.row = static_cast<std::int64_t>(r);
    item.objective = forms::answer_text(row, "ap_objective");
    item.activity = forms::answer_text(row, "ap_activity");
    item.owner = forms::answer_text(row, "ap_owner");
    item.deadline = forms::answer_text(row, "ap_deadline");
    if (!valid_date(item.deadline)) item.deadline.clear();
    item.target = forms::answer_text(row, "ap_target");
    if (item.objective.empty() && item.activity.empty()) continue;  // an empty row the team left
    std::vector<std::string> unknown;
    item.indicators = parse_indicators(forms::answer_text(row, "ap_indicators"), known, unknown);
    item.created_at = now;
    ActionUpdate first{0, now, forms::answer_text(row, "ap_status"), "", actor.name};
    if (statuses == form.lists.end() || statuses->second.find(first.status) == nullptr)
      first.status = "not_started";
    first.note = "adopted with assessment " + a.id + " (" + a.round + ")";
    if (const std::string progress = forms::answer_text(row, "ap_progress"); !progress.empty())
      first.note += ": " + progress;
    if (!unknown.empty()) {
      std::string list;
      for (const auto& u : unknown) list += (list.empty() ? "" : ", ") + u;
      first.note += "; not indicators of " + form.id + ", left out: " + list;
    }
    EQ_ASSIGN_OR_RETURN(std::string id, actions.add(std::move(item), first));
    (void)id;
    ++adopted;
  }
  if (adopted > 0) {
    EQ_RETURN_IF_ERROR(audit(store, actor, "action.adopt",
                             "assessment=" + a.id + " items=" + std::to_string(adopted), now));
  }
  return adopted;
}

Result<boost::json::object> ServerApp::action_plan(std::string_view administration_id,
                                                   const std::string& lang) {
  AssessmentStore assessments(store_.db());
  if (!administration_id.empty()) {
    EQ_ASSIGN_OR_RETURN(auto admin, assessments.find_administration(administration_id));
    if (!admin)
      return Status::not_found("no administration '" + std::string(administration_id) + "'");
  }
  EQ_ASSIGN_OR_RETURN(auto items, ActionStore(store_.db()).items(administration_id));
  EQ_ASSIGN_OR_RETURN(auto registry, FormRegistry::load(store_));
  const std::string today = iso8601_utc(clock_->now()).substr(0, 10);
  std::map<std::string, std::string> names;
  EQ_ASSIGN_OR_RETURN(auto admins, assessments.administrations());
  for (const auto& a : admins) names[a.id] = a.name;
  boost::json::array out;
  std::shared_ptr<const forms::Form> any_form;
  // Each form and its indicators once, however many items it has.
  std::map<std::string,
           std::pair<std::shared_ptr<const forms::Form>, std::map<std::string, const forms::Item*>>>
      forms;
  for (const ActionItem& i : items) {
    if (i.updates.empty()) continue;  // never stored so (ActionStore::add)
    auto found = forms.find(i.form_id);
    if (found == forms.end()) {
      auto current = registry->library().current(i.form_id);
      auto known =
          current ? scored_indicators(*current) : std::map<std::string, const forms::Item*>{};
      found = forms.emplace(i.form_id, std::pair{std::move(current), std::move(known)}).first;
    }
    const auto& [form, known] = found->second;
    if (!form) continue;
    any_form = form;
    boost::json::array inds;
    for (const auto& id : i.indicators) {
      auto it = known.find(id);
      inds.push_back(boost::json::object{
          {"id", id},
          {"label", it != known.end() ? it->second->label.get(lang, form->default_language) : id}});
    }
    boost::json::array history;
    for (const ActionUpdate& u : i.updates) {
      history.push_back(
          boost::json::object{{"at", iso8601_utc(u.at)},
                              {"status", u.status},
                              {"status_label", choice_label(*form, kStatusList, u.status, lang)},
                              {"note", u.note},
                              {"actor", u.actor}});
    }
    const ActionUpdate& last = i.updates.back();
    const bool overdue = !i.deadline.empty() && i.deadline < today && last.status != "completed";
    out.push_back(boost::json::object{
        {"id", i.id},
        {"administration",
         boost::json::object{{"id", i.administration_id}, {"name", names[i.administration_id]}}},
        {"assessment", i.assessment_id},
        {"round", i.round},
        {"objective", i.objective},
        {"activity", i.activity},
        {"owner", i.owner},
        {"deadline", i.deadline},
        {"target", i.target},
        {"indicators", std::move(inds)},
        {"status", last.status},
        {"status_label", choice_label(*form, kStatusList, last.status, lang)},
        {"updated", iso8601_utc(last.at).substr(0, 10)},
        {"note", last.note},
        {"overdue", overdue},
        {"history", std::move(history)}});
  }
  // What an update may choose from: the form's statuses and indicators.
  boost::json::array statuses, indicators;
  if (!any_form) any_form = registry->library().current("geoat-2023");
  if (any_form) {
    if (auto it = any_form->lists.find(kStatusList); it != any_form->lists.end()) {
      for (const auto& c : it->second.choices) {
        statuses.push_back(boost::json::object{
            {"code", c.name}, {"label", c.label.get(lang, any_form->default_language)}});
      }
    }
    any_form->walk([&](const forms::Item& item, const std::vector<const forms::Item*>&) {
      if (item.score) {
        indicators.push_back(
            boost::json::object{{"id", item.score->indicator},
                                {"principle", item.score->principle},
                                {"label", item.label.get(lang, any_form->default_language)}});
      }
      return true;
    });
  }
  return boost::json::object{{"today", today},
                             {"items", std::move(out)},
                             {"statuses", std::move(statuses)},
                             {"indicators", std::move(indicators)}};
}

Status ServerApp::update_action(std::string_view id, const ActionChange& change,
                                const Actor& actor) {
  if (change.note.size() > kMaxNote) {
    return Status::invalid_argument("a progress note takes at most " + std::to_string(kMaxNote) +
                                    " bytes");
  }
  if (change.owner && change.owner->size() > kMaxOwner) {
    return Status::invalid_argument("an owner takes at most " + std::to_string(kMaxOwner) +
                                    " bytes");
  }
  if (change.deadline && !change.deadline->empty() && !valid_date(*change.deadline)) {
    return Status::invalid_argument("a deadline is a date, YYYY-MM-DD");
  }
  if (!change.status && change.note.empty() && !change.indicators && !change.owner &&
      !change.deadline) {
    return Status::invalid_argument(
        "nothing to change: give a status, a note, indicators, an owner or a deadline");
  }
  const std::int64_t now = clock_->now();
  return write([&](ServerStore& store) -> Status {
    ActionStore actions(store.db());
    EQ_ASSIGN_OR_RETURN(auto item, actions.find(id));
    if (!item) return unknown_action(id);
    EQ_ASSIGN_OR_RETURN(auto form, current_form(store, item->form_id));
    std::string detail = "id=" + item->id;
    ActionUpdate u{0, now, item->updates.empty() ? "" : item->updates.back().status, change.note,
                   actor.name};
    if (change.status) {
      auto list = form->lists.find(kStatusList);
      if (list == form->lists.end() || list->second.find(*change.status) == nullptr) {
        std::string codes;
        if (list != form->lists.end()) {
          for (const auto& c : list->second.choices) codes += (codes.empty() ? "" : ", ") + c.name;
        }
        return Status::invalid_argument("no status '" + *change.status + "'; one of: " + codes);
      }
      u.status = *change.status;
      detail += " status=" + u.status;
    }
    bool details = false;
    if (change.indicators) {
      const auto known = scored_indicators(*form);
      std::vector<std::string> chosen;
      for (const auto& want : *change.indicators) {
        if (!known.count(want)) {
          return Status::invalid_argument("'" + want + "' is not an indicator of " + form->id +
                                          " (ids such as P1.A.1 or X.B.2)");
        }
        if (std::find(chosen.begin(), chosen.end(), want) == chosen.end()) chosen.push_back(want);
      }
      item->indicators = std::move(chosen);
      std::string list;
      for (const auto& i : item->indicators) list += (list.empty() ? "" : ",") + i;
      detail += " indicators=" + list;
      details = true;
    }
    if (change.owner) {
      item->owner = *change.owner;
      detail += " owner=" + item->owner;
      details = true;
    }
    if (change.deadline) {
      item->deadline = *change.deadline;
      detail += " deadline=" + item->deadline;
      details = true;
    }
    if (details) EQ_RETURN_IF_ERROR(actions.set_details(*item));
    EQ_RETURN_IF_ERROR(actions.add_update(item->id, u));
    return audit(store, actor, "action.update", detail, now);
  });
}

}  // namespace equitas::server
