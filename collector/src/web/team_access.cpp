// Team phones (issue 16). The GEOAT team works on its shared assessment
// from the post's laptop behind the admin PIN, and from their own phones
// over the post's Wi-Fi, where the admin PIN never goes. On the laptop the
// admin shows a team pass: a link with a one-time random token, and its QR
// code. A phone that opens it within options.team_pass joins the team: it
// gets a session cookie for /api/v1/team/ only, which opens the team page's
// calls (the assessments, a member's contribution, its evidence files) and
// nothing of the admin's (sync, drafts, bundles, enrolment). The session
// ends after options.team_session, after options.team_idle without use,
// when the phone leaves, when the admin signs every team phone out, or
// when collector serve stops (sessions live in memory only).
//
// What it records: nothing about the member. A contribution carries the
// unit the member chose and this collector's site, as on the laptop.
#include <algorithm>
#include <boost/json.hpp>

#include "equitas/util/qr_svg.hpp"
#include "equitas/wire/payload.hpp"
#include "web/web_api_internal.hpp"

namespace equitas::collector {
namespace json = boost::json;
using namespace web_detail;

namespace {
constexpr std::size_t kMaxTeamPasses = 8;
constexpr std::size_t kMaxTeamSessions = 32;
}  // namespace

std::string WebApi::team_pass_url(std::string_view pass) const {
  // The post token first: a phone that never opened the survey link has
  // no post cookie yet, and the server hands the pass on to /team.
  return options_.lan_urls.front() + "/?t=" + options_.post_token + "&team=" + std::string(pass);
}

HttpResponse WebApi::team_pass(Call& call) {
  if (options_.lan_urls.empty()) {
    return call.error(http::status::conflict,
                      "phones cannot reach this collector: start it with --listen 0.0.0.0:8080");
  }
  const std::int64_t t = now();
  expire_team_access(t);
  if (team_passes_.size() >= kMaxTeamPasses) {
    // The oldest unused pass goes: an admin showing passes to a queue of
    // members never blocks on the ones nobody scanned.
    auto oldest =
        std::min_element(team_passes_.begin(), team_passes_.end(),
                         [](const auto& a, const auto& b) { return a.second < b.second; });
    team_passes_.erase(oldest);
  }
  const std::string pass = random_token();
  const std::int64_t until = t + options_.team_pass.count();
  team_passes_[pass] = until;
  return call.ok(json::object{{"pass", pass},
                              {"url", team_pass_url(pass)},
                              {"valid_until", iso8601_utc(until)},
                              {"team_phones", team_sessions_.size()}});
}

HttpResponse WebApi::team_pass_qr(Call& call) {
  const std::string pass = query_param(call.req.target(), "pass");
  const auto it = team_passes_.find(pass);
  if (it == team_passes_.end() || options_.lan_urls.empty())
    return call.error(http::status::not_found, "no such team pass: show a new one");
  auto svg = qr_svg(team_pass_url(it->first));
  if (!svg.is_ok()) return call.error(svg.status());
  return call.reply(http::status::ok, std::move(*svg), "image/svg+xml");
}

HttpResponse WebApi::team_phones_signed_out(Call& call) {
  const std::size_t n = team_sessions_.size();
  team_sessions_.clear();
  team_passes_.clear();
  return call.ok(json::object{{"signed_out", n}});
}

HttpResponse WebApi::team_join(Call& call) {
  std::optional<HttpResponse> bad;
  auto body = call.body_object(bad);
  if (!body) return std::move(*bad);
  const std::int64_t t = now();
  expire_team_access(t);
  const auto* pass = body->if_contains("pass");
  if (pass == nullptr || !pass->is_string())
    return call.error(http::status::bad_request, "give the team pass");
  auto it = std::find_if(team_passes_.begin(), team_passes_.end(),
                         [&](const auto& p) { return tokens_equal(p.first, pass->as_string()); });
  // No lockout for unknown passes: a pass is 192 random bits, which no
  // guessing reaches, and a lock shared by every phone would let any
  // respondent's phone (they all hold the post token) keep the team out.
  if (it == team_passes_.end()) {
    return call.error(http::status::unauthorized,
                      "this team pass has expired or was already used: ask the post "
                      "administrator to show a new one");
  }
  team_passes_.erase(it);  // one phone per pass
  if (team_sessions_.size() >= kMaxTeamSessions) {
    auto idlest = std::min_element(
        team_sessions_.begin(), team_sessions_.end(),
        [](const auto& a, const auto& b) { return a.second.last_used < b.second.last_used; });
    team_sessions_.erase(idlest);
  }
  const std::string token = random_token();
  team_sessions_[token] = TeamSession{t, t};
  call.cookies_out.push_back(set_cookie(kTeamCookie, token, false, "/api/v1/team",
                                        static_cast<long>(options_.team_session.count())));
  return call.ok(
      json::object{{"joined", true}, {"until", iso8601_utc(t + options_.team_session.count())}});
}

WebApi::TeamSessions::iterator WebApi::team_session_of(Call& call) {
  expire_team_access(now());
  const std::string token = cookie_value(call.req, kTeamCookie);
  return std::find_if(team_sessions_.begin(), team_sessions_.end(),
                      [&](const auto& s) { return tokens_equal(s.first, token); });
}

HttpResponse WebApi::team_leave(Call& call) {
  if (auto it = team_session_of(call); it != team_sessions_.end()) team_sessions_.erase(it);
  call.cookies_out.push_back(set_cookie(kTeamCookie, "", true, "/api/v1/team"));
  return call.ok(json::object{{"joined", false}});
}

HttpResponse WebApi::team_status(Call& call) {
  const auto it = team_session_of(call);
  if (it == team_sessions_.end()) return call.ok(json::object{{"joined", false}});
  return call.ok(
      json::object{{"joined", true},
                   {"until", iso8601_utc(it->second.joined_at + options_.team_session.count())}});
}

bool WebApi::team_signed_in(Call& call) {
  const auto it = team_session_of(call);
  if (it == team_sessions_.end()) return false;
  it->second.last_used = now();
  return true;
}

void WebApi::expire_team_access(std::int64_t t) {
  std::erase_if(team_passes_, [t](const auto& p) { return t >= p.second; });
  std::erase_if(team_sessions_, [&](const auto& p) {
    return t - p.second.joined_at >= options_.team_session.count() ||
           t - p.second.last_used >= options_.team_idle.count();
  });
}

HttpResponse WebApi::team_route(Call& call, std::string_view rest) {
  const auto m = call.req.method();
  const bool get = m == http::verb::get || m == http::verb::head;
  // A phone's saves share the respondents' per-address budget: a phone in a
  // loop cannot fill the outbox (the laptop's admin is not limited).
  if (!get && !call.loopback) {
    if (auto refused = rate_limited(call, call.lang())) return std::move(*refused);
  }
  if (rest == "/assessments" && get) return team_assessments(call);
  constexpr std::string_view kAssessments = "/assessments/";
  if (rest.substr(0, kAssessments.size()) == kAssessments) {
    rest.remove_prefix(kAssessments.size());
    const auto slash = rest.find('/');
    if (slash == std::string_view::npos && get) return team_assessment(call, rest);
    if (slash != std::string_view::npos && rest.substr(slash) == "/contribute" &&
        m == http::verb::post) {
      return team_contribute(call, rest.substr(0, slash));
    }
    if (slash != std::string_view::npos && rest.substr(slash) == "/files" &&
        m == http::verb::post) {
      return team_add_file(call, rest.substr(0, slash));
    }
    constexpr std::string_view kActions = "/actions/";
    if (slash != std::string_view::npos && rest.substr(slash, kActions.size()) == kActions &&
        m == http::verb::post) {
      return team_update_action(call, rest.substr(0, slash), rest.substr(slash + kActions.size()));
    }
  }
  return call.error(http::status::not_found, "no such page or API call");
}

}  // namespace equitas::collector
