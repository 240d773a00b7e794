// The team's half of the admin API (issue 16): the team assessments this
// collector received at its last sync, one of them drawn for the team page,
// and a member's contribution to it. Behind the admin PIN like the rest of
// /api/v1/admin: the GEOAT is the team's record, not a respondents' survey.
#include <boost/json.hpp>

#include "equitas/forms/answer_text.hpp"
#include "equitas/forms/file_answer.hpp"
#include "web/team_view.hpp"
#include "web/web_api_internal.hpp"

namespace equitas::collector {
namespace json = boost::json;

namespace {

json::object parsed_view(const CollectorStore::HeldAssessment& a) {
  boost::system::error_code ec;
  json::value v = json::parse(a.view, ec);
  return !ec && v.is_object() ? std::move(v.as_object()) : json::object{};
}

// An assessment this collector holds, with its form; a Status naming what
// a sync would bring when either is missing.
struct HeldWithForm {
  CollectorStore::HeldAssessment assessment;
  std::shared_ptr<const forms::Form> form;
};
Result<HeldWithForm> held_with_form(Collector& collector, std::string_view id) {
  EQ_ASSIGN_OR_RETURN(auto held, collector.assessments());
  auto it = std::find_if(held.begin(), held.end(), [&](const auto& a) { return a.id == id; });
  if (it == held.end())
    return Status::not_found("this collector has not received that assessment; sync first");
  EQ_ASSIGN_OR_RETURN(const forms::FormLibrary* lib, collector.library());
  auto form = lib->current(it->form_id);
  if (!form) return Status::not_found("the assessment's form is not on this collector; sync first");
  return HeldWithForm{std::move(*it), std::move(form)};
}

}  // namespace

HttpResponse WebApi::team_assessments(Call& call) {
  auto held = collector_.assessments();
  if (!held.is_ok()) return call.error(held.status());
  auto lib = collector_.library();
  if (!lib.is_ok()) return call.error(lib.status());
  const std::string lang = call.lang();
  json::array list;
  for (const auto& a : *held) {
    auto mine = collector_.store().unmerged_entries(a.id);
    if (!mine.is_ok()) return call.error(mine.status());
    json::object o = team_summary(a, parsed_view(a), mine->size());
    if (auto form = (*lib)->current(a.form_id))
      o["title"] = form->title.get(lang, form->default_language);
    list.push_back(std::move(o));
  }
  return call.ok(json::object{{"assessments", std::move(list)}});
}

HttpResponse WebApi::team_assessment(Call& call, std::string_view id) {
  auto found = held_with_form(collector_, id);
  if (!found.is_ok()) return call.error(found.status());
  const auto* it = &found->assessment;
  const auto& form = found->form;
  auto mine = collector_.store().unmerged_entries(it->id);
  if (!mine.is_ok()) return call.error(mine.status());
  const std::string lang = call.lang();
  json::object view = parsed_view(*it);
  json::object o{{"assessment", team_summary(*it, view, mine->size())},
                 {"title", form->title.get(lang, form->default_language)},
                 {"lang", lang},
                 {"dir", is_rtl(lang) ? "rtl" : "ltr"},
                 {"layout", team_layout(*form, lang)},
                 {"unsynced", unsynced_view(*mine)}};
  for (const char* k : {"fields", "scores", "workflow", "flagged", "actions"}) {
    if (auto* v = view.if_contains(k)) o[k] = std::move(*v);
  }
  // The sites a per-site finding may be about: this collector's own first,
  // then those the server knows.
  json::array sites;
  auto enrolled = collector_.enrollment();
  if (enrolled.is_ok() && *enrolled && !(*enrolled)->site.empty())
    sites.emplace_back((*enrolled)->site);
  if (const auto* known = view.if_contains("sites"); known != nullptr && known->is_array()) {
    for (const auto& s : known->get_array()) {
      if (s.is_string() && std::find(sites.begin(), sites.end(), s) == sites.end())
        sites.push_back(s);
    }
  }
  o["sites"] = std::move(sites);
  // What an action's update may choose from, in the page's language.
  auto lib = collector_.library();
  if (!lib.is_ok()) return call.error(lib.status());
  if (auto update = (*lib)->current(forms::kActionUpdateForm)) {
    json::array statuses;
    if (auto it = update->lists.find("ap_status"); it != update->lists.end()) {
      for (const auto& c : it->second.choices) {
        statuses.push_back(
            json::object{{"name", c.name}, {"label", c.label.get(lang, update->default_language)}});
      }
    }
    o["action_statuses"] = std::move(statuses);
  }
  return call.ok(o);
}

// A member's progress update to one action of the plan this assessment's
// view carries: a response to the bundled action update form, sealed and
// queued like any other; the server applies it to the action at sync
// (sync-server/src/sync/intake.cpp).
HttpResponse WebApi::team_update_action(Call& call, std::string_view id,
                                        std::string_view action_id) {
  std::optional<HttpResponse> bad;
  auto body = call.body_object(bad);
  if (!body) return std::move(*bad);
  const std::string lang = call.lang();
  const auto* note = body->if_contains("note");
  if (note != nullptr && note->is_string() &&
      note->as_string().size() > forms::kMaxActionNoteBytes) {
    // Refused here, while the member is still at the page, rather than at
    // the sync after they have gone.
    return call.error(http::status::bad_request,
                      "a progress note takes at most " +
                          std::to_string(forms::kMaxActionNoteBytes) +
                          " bytes (about 1,000 letters in Arabic or Russian); shorten it");
  }
  auto found = held_with_form(collector_, id);
  if (!found.is_ok()) return call.error(found.status());
  json::object view = parsed_view(found->assessment);
  const auto* plan = view.if_contains("actions");
  const bool known =
      plan != nullptr && plan->is_array() &&
      std::any_of(plan->as_array().begin(), plan->as_array().end(), [&](const json::value& a) {
        return a.is_object() && a.as_object().contains("id") &&
               a.as_object().at("id") == json::value(action_id);
      });
  if (!known) {
    return call.error(http::status::not_found,
                      "this collector has not received that action of the plan; sync first");
  }
  json::object answers{{"action_id", action_id}};
  for (const auto& [from, to] : {std::pair{"status", "ap_status"}, std::pair{"note", "ap_progress"},
                                 std::pair{"role", "au_role"}}) {
    const auto* v = body->if_contains(from);
    if (v != nullptr && v->is_string() && !v->as_string().empty()) answers[to] = v->as_string();
  }
  // Kept beside the sealed update, as a team entry of this assessment
  // ("action:<id>"), so that the page shows it as waiting after a reload
  // until the server's plan holds it (the envelope cannot be read back here).
  const Revises revises{SubmissionId::random(), 1};
  const std::string role = forms::answer_text(answers, "au_role");
  json::object entry{{"status", forms::answer_text(answers, "ap_status")},
                     {"note", forms::answer_text(answers, "ap_progress")}};
  std::string text = json::serialize(answers);
  auto done = collector_.submit(
      forms::kActionUpdateForm, "", text, lang,
      [&] {
        return collector_.store().add_assessment_entries(
            revises.id, found->assessment.id,
            {{std::string(kActionEntryPrefix) + std::string(action_id), json::serialize(entry),
              role, now()}});
      },
      {}, &revises);
  if (!done.is_ok()) return call.error(done.status(), lang);
  return call.ok(json::object{{"id", done->to_string()}, {"action", action_id}});
}

HttpResponse WebApi::team_contribute(Call& call, std::string_view id) {
  std::optional<HttpResponse> bad;
  auto body = call.body_object(bad);
  if (!body) return std::move(*bad);
  const std::string lang = call.lang();
  const auto* role = body->if_contains("role");
  const auto* answers = body->if_contains("answers");
  if (role == nullptr || !role->is_string() || role->as_string().empty()) {
    return call.error(http::status::bad_request, "choose your unit in the team first");
  }
  if (answers == nullptr || !answers->is_object() || answers->as_object().empty()) {
    return call.error(http::status::bad_request, "nothing to save: give at least one answer");
  }
  auto held = collector_.assessments();
  if (!held.is_ok()) return call.error(held.status());
  auto it = std::find_if(held->begin(), held->end(), [&](const auto& a) { return a.id == id; });
  if (it == held->end()) {
    return call.error(http::status::not_found,
                      "this collector has not received that assessment; sync first");
  }
  std::string site;  // the site a finding is about, for the per-site questions
  if (const auto* s = body->if_contains("site"); s != nullptr && s->is_string())
    site = std::string(s->as_string());
  std::string text = json::serialize(*answers);
  auto done = collector_.contribute(it->form_id, it->id, role->as_string(), text, lang, site);
  if (!done.is_ok()) return call.error(done.status(), lang);
  auto mine = collector_.store().unmerged_entries(it->id);
  if (!mine.is_ok()) return call.error(mine.status());
  json::object o{{"id", done->id.to_string()}, {"unsynced", unsynced_view(*mine)}};
  if (!done->notice.empty()) o["notice"] = done->notice;
  return call.ok(o);
}

// One evidence file for a team assessment, captured here (encrypted at
// once, like a respondent's): the page then saves the field's whole list,
// the merged record's files (by reference) and this one (with its key), as
// the member's contribution. A file not saved in a contribution expires
// with the other staged files.
HttpResponse WebApi::team_add_file(Call& call, std::string_view id) {
  const std::string lang = call.lang();
  auto found = held_with_form(collector_, id);
  if (!found.is_ok()) return call.error(found.status());
  const forms::Form& form = *found->form;
  const std::string question = web_detail::query_param(call.req.target(), "question");
  const std::string name = web_detail::query_param(call.req.target(), "name");
  auto ref = collector_.capture_file(form, question, as_bytes(call.req.body()),
                                     name.empty() ? "file" : name);
  if (!ref.is_ok()) {
    if (ref.status().code() == StatusCode::kResourceExhausted) {
      return call.error(http::status::insufficient_storage, ref.status().message());
    }
    return call.error(ref.status(), lang);
  }
  return call.ok(json::object{{"file", forms::file_answer_json({*ref}, true).as_array().at(0)}});
}

}  // namespace equitas::collector
