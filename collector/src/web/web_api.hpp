// The collector's web UI and JSON API, as one request handler.
//
// WebApi turns an HTTP request into a response and holds no socket: the
// server in web_server.cpp feeds it, and tests and the fuzz target call it
// directly. It runs on the server's one I/O thread, so it is not locked.
//
// Security, in short (docs/security.md has the reasons):
// - every response is Cache-Control: no-store, with a strict CSP; the page
//   keeps answers only in memory, never in browser storage;
// - a draft's key lives in the respondent's HttpOnly, SameSite=Strict cookie;
// - state-changing calls must be JSON and, if the browser sends an Origin,
//   from this host (a cross-site form post cannot send JSON);
// - beyond loopback (LAN mode) every request needs the post token, given in
//   the QR code's link and then kept in a cookie;
// - the admin API needs a session opened with the admin PIN.
#pragma once

#include <boost/beast/http.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "collector_app.hpp"
#include "web/drafts.hpp"
#include "web/plain_errors.hpp"
#include "web/rate_limiter.hpp"
#include "web/sync_runner.hpp"

namespace equitas::collector {

namespace http = boost::beast::http;
using HttpRequest = http::request<http::string_body>;
using HttpResponse = http::response<http::string_body>;

// Who holds the device the survey is answered on (issue 14).
// - kKiosk: a shared laptop. The next officer must never get the last one's
//   unfinished response: the page keeps its half of the draft key in memory
//   only, a page that asks for an anonymous draft back is a new page and the
//   collector deletes that draft, and after the idle time the page asks
//   "Are you still there?" and then wipes.
// - kPersonal: the respondent's own phone. An anonymous draft survives a
//   reload, a closed tab and a phone call; coming back asks whether to
//   continue or start again.
// Drafts of forms that are not anonymous (the GEOAT team's) behave the same
// in both: the admin resumes them.
enum class DeviceMode { kKiosk, kPersonal };
std::optional<DeviceMode> parse_device_mode(std::string_view text);
std::string_view device_mode_name(DeviceMode mode);

struct WebOptions {
  DataDir dir;
  // Listening beyond loopback: requests from other hosts need the post token.
  bool lan = false;
  std::string post_token;
  // The addresses phones can use ("http://192.168.1.20:8080"), for the QR code.
  std::vector<std::string> lan_urls;
  DeviceMode mode = DeviceMode::kKiosk;
  // Kiosk: an anonymous response untouched this long makes the page ask
  // "Are you still there?", and idle_countdown later it is wiped. Personal:
  // not used (drafts wait draft_limits::kPersonalExpiry).
  std::chrono::seconds anonymous_idle{std::chrono::minutes(15)};
  std::chrono::seconds idle_countdown{std::chrono::seconds(30)};
  // A draft the admin can resume (the GEOAT) untouched this long is deleted.
  std::chrono::seconds resumable_expiry{draft_limits::kResumableExpiry};
  // Where drafts, sessions and lockouts read the time; must outlive the
  // API. Tests give a ManualClock instead of waiting.
  const Clock* clock = &SystemClock::instance();
  // Where the details of store failures go: the page only ever gets plain
  // words (plain_errors.hpp). Empty: standard error, the server's log.
  std::function<void(const std::string&)> log;
  // A kiosk: the admin may walk away signed in.
  std::chrono::seconds admin_idle{std::chrono::minutes(5)};
  // Team phones (team_access.cpp): a pass the admin shows lets one phone
  // join for this long; the phone then stays signed in to the team page
  // for team_session, or until it has been idle for team_idle.
  std::chrono::seconds team_pass{std::chrono::minutes(10)};
  std::chrono::seconds team_session{std::chrono::hours(12)};
  std::chrono::seconds team_idle{std::chrono::hours(2)};
};

class WebApi {
 public:
  WebApi(Collector& collector, SyncRunner& sync, WebOptions options);
  ~WebApi();
  WebApi(const WebApi&) = delete;
  WebApi& operator=(const WebApi&) = delete;

  // `peer` is the client's address, for the per-client limits.
  HttpResponse handle(const HttpRequest& req, bool peer_is_loopback, std::string_view peer = {});
  // Known once the socket listens: the Host values this server answers to
  // ("127.0.0.1:8080", "localhost:8080", the LAN addresses; others get 421),
  // and the links phones use ("http://192.168.1.20:8080").
  void set_addresses(std::vector<std::string> hosts, std::vector<std::string> lan_urls) {
    allowed_hosts_ = std::move(hosts);
    options_.lan_urls = std::move(lan_urls);
  }
  // Deletes expired drafts and idle admin sessions, and puts back the disk
  // space reserve when there is room. Call every few seconds.
  void tick();

 private:
  struct AdminSession;
  struct Call;

  HttpResponse route(Call& call);
  HttpResponse asset(Call& call, std::string_view name);
  // The respondents' surveys; a team assessment form (the GEOAT) is listed
  // only to the admin, by team_forms, and a draft of one starts only there.
  HttpResponse list_forms(Call& call, bool team = false);
  HttpResponse get_form(Call& call, std::string_view id);
  HttpResponse create_draft(Call& call, bool team = false);
  HttpResponse get_draft(Call& call);
  HttpResponse save_draft(Call& call);
  HttpResponse submit_draft(Call& call);
  HttpResponse discard_draft(Call& call);
  HttpResponse leave_draft(Call& call);
  HttpResponse add_draft_file(Call& call);
  HttpResponse get_draft_file(Call& call, std::string_view id);
  HttpResponse admin_login(Call& call);
  HttpResponse admin_logout(Call& call);
  HttpResponse admin_status(Call& call);
  HttpResponse admin_sync(Call& call);
  HttpResponse admin_bundle(Call& call);
  HttpResponse admin_drafts(Call& call);
  HttpResponse admin_draft_action(Call& call, std::string_view id, std::string_view action);
  HttpResponse admin_qr(Call& call);
  // Team assessments (web_team.cpp).
  HttpResponse team_assessments(Call& call);
  HttpResponse team_assessment(Call& call, std::string_view id);
  HttpResponse team_contribute(Call& call, std::string_view id);
  HttpResponse team_add_file(Call& call, std::string_view id);
  HttpResponse team_update_action(Call& call, std::string_view id, std::string_view action_id);

  struct OpenDraft {
    ParsedToken token;
    DraftInfo info;
    std::shared_ptr<const forms::Form> form;
    boost::json::object answers;
  };
  Result<OpenDraft> open_draft(Call& call, bool with_answers);
  // Kiosk: deletes the anonymous draft the request's cookie names, and
  // answers 404 saying so; nullopt when there is none to delete.
  std::optional<HttpResponse> wipe_handed_over(Call& call);
  // The Set-Cookie of a new draft's cookie half, lasting as the mode wants.
  std::string draft_cookie(std::string_view value) const;
  AdminSession* admin_session(Call& call);
  // Team phones (team_access.cpp): the admin shows a one-time pass (a link
  // and its QR code); a phone that opens it joins the team and may then
  // use the team page's calls under /api/v1/team/, and nothing else.
  struct TeamSession {
    std::int64_t joined_at = 0, last_used = 0;
  };
  HttpResponse team_pass(Call& call);
  HttpResponse team_pass_qr(Call& call);
  HttpResponse team_phones_signed_out(Call& call);
  HttpResponse team_join(Call& call);
  HttpResponse team_leave(Call& call);
  HttpResponse team_status(Call& call);
  bool team_signed_in(Call& call);
  using TeamSessions = std::map<std::string, TeamSession>;
  // The session the request's team cookie names, after expiring the old
  // ones; end() for none.
  TeamSessions::iterator team_session_of(Call& call);
  std::string team_pass_url(std::string_view pass) const;
  void expire_team_access(std::int64_t t);
  // The team page's calls, after /api/v1/admin or /api/v1/team.
  HttpResponse team_route(Call& call, std::string_view rest);
  Result<std::shared_ptr<const forms::Form>> draft_form(const DraftInfo& info);
  void refresh_library();
  // Takes one of the client's draft writes; nullopt, or the 429 to send.
  std::optional<HttpResponse> rate_limited(Call& call, const std::string& lang);
  // 422 with the reason in the respondent's words ("code_problem": required,
  // typo, not_received, unknown or used) unless `typed` is a usable
  // response code for `form`.
  std::optional<HttpResponse> refuse_code(Call& call, const forms::Form& form,
                                          std::string_view typed, const std::string& lang);
  static HttpResponse code_refusal(Call& call, PlainError why, std::string_view problem,
                                   const std::string& lang);
  std::int64_t now() const { return options_.clock->now(); }

  Collector& collector_;
  SyncRunner& sync_;
  WebOptions options_;
  DraftStore drafts_;
  RateLimiter draft_writes_;
  std::vector<std::string> allowed_hosts_;
  std::map<std::string, std::unique_ptr<AdminSession>> admin_sessions_;
  std::map<std::string, std::int64_t> team_passes_;  // pass -> until when it may be used
  TeamSessions team_sessions_;
  int failed_logins_ = 0;
  std::int64_t login_locked_until_ = 0;
  std::int64_t library_runs_ = 0;
};

}  // namespace equitas::collector
