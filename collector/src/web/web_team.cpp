// The team's half of the admin API (issue 16): the team assessments this
// collector received at its last sync, one of them drawn for the team page,
// and a member's contribution to it. Behind the admin PIN like the rest of
// /api/v1/admin: the GEOAT is the team's record, not a respondents' survey.
#include <boost/json.hpp>

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
    if (auto form = (*lib)->current(a.form_id)) o["title"] = form->title.get(lang, form->default_language);
    list.push_back(std::move(o));
  }
  return call.ok(json::object{{"assessments", std::move(list)}});
}

HttpResponse WebApi::team_assessment(Call& call, std::string_view id) {
  auto held = collector_.assessments();
  if (!held.is_ok()) return call.error(held.status());
  auto it = std::find_if(held->begin(), held->end(), [&](const auto& a) { return a.id == id; });
  if (it == held->end()) {
    return call.error(http::status::not_found, "this collector has not received that assessment; sync first");
  }
  auto lib = collector_.library();
  if (!lib.is_ok()) return call.error(lib.status());
  auto form = (*lib)->current(it->form_id);
  if (!form) return call.error(http::status::not_found, "the assessment's form is not on this collector; sync first");
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
  for (const char* k : {"fields", "scores", "workflow", "flagged"}) {
    if (auto* v = view.if_contains(k)) o[k] = std::move(*v);
  }
  return call.ok(o);
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
    return call.error(http::status::not_found, "this collector has not received that assessment; sync first");
  }
  std::string text = json::serialize(*answers);
  auto done = collector_.contribute(it->form_id, it->id, role->as_string(), text, lang);
  if (!done.is_ok()) return call.error(done.status(), lang);
  auto mine = collector_.store().unmerged_entries(it->id);
  if (!mine.is_ok()) return call.error(mine.status());
  json::object o{{"id", done->id.to_string()}, {"unsynced", unsynced_view(*mine)}};
  if (!done->notice.empty()) o["notice"] = done->notice;
  return call.ok(o);
}

}  // namespace equitas::collector
