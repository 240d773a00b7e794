#include "admin_api.hpp"

#include <sodium.h>
#include <unistd.h>

#include <boost/asio/ip/address.hpp>
#include <boost/json.hpp>
#include <charconv>
#include <filesystem>
#include <iostream>

#include "assessment_report.hpp"
#include "equitas/util/cli_args.hpp"
#include "equitas/util/embedded.hpp"
#include "equitas/util/http_util.hpp"
#include "equitas/web/http_status.hpp"
#include "equitas/wire/payload.hpp"
#include "exporter.hpp"
#include "file_store.hpp"
#include "published_counts.hpp"
#include "report.hpp"
#include "server_log.hpp"

namespace equitas::server {

namespace json = boost::json;
using http_util::query_param;

namespace {

constexpr std::string_view kSessionCookie = "eq_dash";
constexpr std::string_view kLanguages[] = {"en", "fr", "es", "ru", "ar", "pt"};

std::string clip(std::string_view s, std::size_t n) { return std::string(s.substr(0, n)); }

bool state_changing(http::verb m) {
  return m != http::verb::get && m != http::verb::head && m != http::verb::options;
}

std::string form_kind(const forms::Form& f) {
  bool scored = false, factors = false;
  f.walk([&](const forms::Item& it, const std::vector<const forms::Item*>& parents) {
    if (it.score) scored = true;
    // Sections named fNN_... are the Arusha factors (report.hpp).
    if (parents.empty() && it.type == forms::QuestionType::kGroup && it.name.size() > 3 &&
        it.name[0] == 'f' && std::isdigit(static_cast<unsigned char>(it.name[1])) &&
        std::isdigit(static_cast<unsigned char>(it.name[2]))) {
      factors = true;
    }
    return true;
  });
  return scored ? "geoat" : factors ? "factors" : "survey";
}

// Evidence files (issue 18) are microdata of forms that are not anonymous
// (an anonymous form cannot ask for files): the roles that download such
// a form's data see them, and no other.
bool may_see_files(Role role) { return role >= Role::kSteward; }

// Drops every "evidence_files" in a report, for the roles that may not see them.
void drop_evidence(json::value& v) {
  if (auto* o = v.if_object()) {
    o->erase("evidence_files");
    for (auto& kv : *o) drop_evidence(kv.value());
  } else if (auto* a = v.if_array()) {
    for (auto& x : *a) drop_evidence(x);
  }
}

// A media type as a response may carry it ("image/jpeg"): anything else the
// post's device claimed is served as application/octet-stream.
std::string safe_media_type(std::string_view type) {
  const auto token = [](std::string_view t) {
    return !t.empty() && t.size() <= 80 && std::all_of(t.begin(), t.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
             std::string_view("!#$&^_.+-").find(c) != std::string_view::npos;
    });
  };
  const auto slash = type.find('/');
  if (slash == std::string_view::npos || !token(type.substr(0, slash)) ||
      !token(type.substr(slash + 1))) {
    return "application/octet-stream";
  }
  return std::string(type);
}

// Content-Disposition for a file a post named: attachment, an ASCII name
// (the last path component, letters, digits, '.', '-' and '_' only), and
// the name as given in filename* (RFC 6266) when it is UTF-8.
std::string attachment_for(std::string_view name, std::string_view fallback) {
  if (const auto slash = name.find_last_of("/\\"); slash != std::string_view::npos)
    name = name.substr(slash + 1);
  std::string ascii, utf8;
  for (const char ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) continue;
    utf8 += ch;
    ascii += std::isalnum(c) != 0 && c < 0x80 ? ch : ch == '.' || ch == '-' || ch == '_' ? ch : '_';
  }
  while (!ascii.empty() && ascii.front() == '.') ascii.erase(0, 1);
  if (ascii.size() > 100) ascii = ascii.substr(ascii.size() - 100);  // the end holds the extension
  if (std::all_of(ascii.begin(), ascii.end(), [](char c) { return c == '_' || c == '.'; }))
    ascii = std::string(fallback);
  std::string out = "attachment; filename=\"" + ascii + "\"";
  if (!utf8.empty() && utf8 != ascii && valid_utf8(utf8)) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    out += "; filename*=UTF-8''";
    for (const char ch : utf8) {
      const auto c = static_cast<unsigned char>(ch);
      if ((c < 0x80 && std::isalnum(c) != 0) ||
          std::string_view("!#$&+-.^_`|~").find(ch) != std::string_view::npos) {
        out += ch;
      } else {
        out += '%';
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
    }
  }
  return out;
}

}  // namespace

// One request in flight.
struct AdminApi::Call {
  const AdminRequest& req;
  const std::string& peer;
  std::string path;
  std::string lang = "en";
  std::string actor;  // set once authenticated
  std::int64_t now = 0;
  std::vector<std::string> cookies_out;
  Role role = Role::kViewer;  // set once authenticated

  // A response with every security header, this call's cookies and the
  // request's keep-alive; the caller adds the rest.
  web::ResponseBuilder start(web::HttpStatus status) {
    web::ResponseBuilder b(kResponseHeaders, status, req.version(), req.keep_alive());
    b.cookies(cookies_out);
    return b;
  }
  AdminResponse reply(http::status status, std::string body, std::string_view type) {
    return {start({status}).type(type).text(std::move(body)), std::nullopt};
  }
  AdminResponse ok(const json::value& v) {
    return reply(http::status::ok, json::serialize(v), "application/json");
  }
  AdminResponse error(web::HttpStatus status, std::string_view message) {
    web::ResponseBuilder b = start(status);
    b.type("application/json");
    if (status.status == http::status::unauthorized) {
      b.set(http::field::www_authenticate, "Bearer realm=\"equitas\"");
    }
    return {b.text(json::serialize(json::object{{"error", message}})), std::nullopt};
  }
  AdminResponse error(http::status status, std::string_view message) {
    return error(web::HttpStatus{status}, message);
  }
  AdminResponse error(const Status& s) {
    return error(web::http_status_for(s.code()), s.message());
  }
};

Result<std::unique_ptr<AdminApi>> AdminApi::open(const DataDir& dir, AdminApiOptions options) {
  // No passphrase: nothing the admin API does opens the server keys.
  EQ_ASSIGN_OR_RETURN(ServerApp app, ServerApp::open(dir, {.unlocker = {},
                                                           .clock = options.clock,
                                                           .write_path = options.write_path}));
  EQ_ASSIGN_OR_RETURN(auto forms, FormRegistry::load(app.store()));
  // Downloads a crash left behind (they are unlinked once open, normally).
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir.root, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("download-", 0) == 0) std::filesystem::remove(e.path(), ec);
    // A download with files (export_with_files) decrypts them into a
    // scratch folder beside its zip, removed when the zip is closed.
    if (name.rfind(".equitas-export-", 0) == 0) std::filesystem::remove_all(e.path(), ec);
  }
  return std::unique_ptr<AdminApi>(new AdminApi(dir, std::move(app), std::move(forms), options));
}

AdminApi::AdminApi(DataDir dir, ServerApp app, std::unique_ptr<FormRegistry> forms,
                   AdminApiOptions options)
    : dir_(std::move(dir)), app_(std::move(app)), forms_(std::move(forms)), options_(options) {}

void AdminApi::record(const Actor& actor, std::string_view action, std::string_view detail) {
  if (Status s = app_.record(actor, action, detail); !s.is_ok()) {
    log::write(log::Level::kError, "audit.not_written",
               "could not write the audit line for " + std::string(action) + ": " + s.message(),
               {{"action", action}, {"peer", actor.peer}});
  }
}

AdminApi::~AdminApi() = default;

namespace {

// The embedded file a page path names ("/" is index.html), or "".
std::string_view asset_for(std::string_view path) {
  if (path == "/") return "index.html";
  for (std::string_view name : {"index.html", "app.js", "app.css", "icon.svg"}) {
    if (path.size() == name.size() + 1 && path.front() == '/' && path.substr(1) == name)
      return name;
  }
  return {};
}

}  // namespace

bool AdminApi::serves(std::string_view target) {
  const std::string_view p = http_util::path_of(target);
  return !asset_for(p).empty() || p.rfind("/api/v1/", 0) == 0 || p == "/metrics";
}

AdminResponse AdminApi::handle(const AdminRequest& req, const std::string& peer) {
  const std::int64_t now = options_.clock->now();  // the clock ServerApp has: no lock needed
  Call call{req, peer, std::string(http_util::path_of(req.target())), "en", "", now, {}};
  if (stopping_.load()) {
    auto r = call.error(http::status::service_unavailable, "the server is stopping");
    r.text.keep_alive(false);
    return r;
  }
  MutexLock lock(&mu_);
  const std::string lang = query_param(req.target(), "lang");
  for (auto l : kLanguages) {
    if (lang == l) call.lang = lang;
  }
  try {
    return route(call);
  } catch (const std::exception& e) {
    return call.error(http::status::internal_server_error,
                      std::string("internal error: ") + e.what());
  }
}

AdminResponse AdminApi::route(Call& call) {
  const auto m = call.req.method();
  const bool get = m == http::verb::get;
  const std::string& p = call.path;
  if (const std::string_view name = asset_for(p); get && !name.empty()) {
    for (const auto& f : embedded::server_web_assets()) {
      if (f.name == name)
        return call.reply(http::status::ok, std::string(f.data), http_util::mime_for(name));
    }
    return call.error(http::status::not_found, "missing asset");
  }
  const std::string host(call.req[http::field::host]);
  if (!host_allowed(host)) {
    // A name we do not answer to: DNS rebinding, or a proxy not set up.
    return call.error(http::status::misdirected_request,
                      "this server does not answer to '" + clip(host, 100) +
                          "'; start serve with --public-origin https://NAME to allow it");
  }
  // Pages of other sites never drive the API. Browsers count other ports and
  // sibling subdomains as "same-site", so the cookie's SameSite=Strict alone
  // would let those trigger exports under the analyst's name: anything not
  // same-origin is refused, before any credential is looked at.
  const auto fetch_site = call.req["Sec-Fetch-Site"];
  const auto origin = call.req[http::field::origin];
  const bool foreign_fetch =
      !fetch_site.empty() && fetch_site != "same-origin" && fetch_site != "none";
  const bool foreign_origin = state_changing(m) && !origin.empty() && !origin_allowed(origin, host);
  if (foreign_fetch || foreign_origin) {
    // Refused without a look at any credential. It counts towards the
    // address's throttle only when it presented one: a page of another site
    // can make a browser send credential-less requests from an analyst's
    // address (or a proxy's), and must not lock anyone out by it.
    const bool presented = !call.req[http::field::authorization].empty() ||
                           !http_util::cookie_value(call.req, kSessionCookie).empty();
    if (presented && !throttled(call.peer, call.now) && count_failure(call.peer, call.now) == 1) {
      record(Actor("anonymous", call.peer), "api.origin.refused",
             "origin=" + clip(origin, 200) + " path=" + clip(p, 200));
    }
    return call.error(http::status::forbidden,
                      "this call must come from the dashboard's own origin");
  }
  // While an address is throttled, no token from it is even looked at, so
  // 429 says nothing about whether a guess was right.
  if (!call.req[http::field::authorization].empty() && throttled(call.peer, call.now)) {
    return call.error(http::status::too_many_requests,
                      "too many wrong tokens from this address; wait and retry");
  }
  if (p == "/api/v1/session") {
    if (m == http::verb::post) return login(call);
    if (m == http::verb::delete_) return logout(call);
  }
  const Credential cred = authenticate(call);
  if (cred.kind != Credential::kGood) {
    if (cred.kind == Credential::kWrong) {
      // A token that is not ours: counted, and audited (never the token
      // itself) once per address and window, with one more line when the
      // address is throttled: a flood of guesses writes two lines, not one
      // per guess.
      wrong_token(call.peer, call.now, "api.unauthorized", "path=" + clip(p, 200));
    }
    return call.error(http::status::unauthorized,
                      "sign in with an admin token (Authorization: Bearer TOKEN)");
  }
  call.actor = cred.actor;
  call.role = cred.role;
  if (p == "/api/v1/session" && get) return whoami(call);
  if (p == "/api/v1/overview" && get) return overview(call);
  if (p == "/api/v1/forms" && get) return forms_list(call);
  if (p == "/api/v1/devices" && get) {
    if (auto no = refuse_unless(call, Role::kAdmin, "the device list")) return std::move(*no);
    return devices(call);
  }
  if (p == "/api/v1/rounds" && get) return rounds(call);
  if (p == "/api/v1/audit" && get) {
    if (auto no = refuse_unless(call, Role::kAdmin, "the audit log")) return std::move(*no);
    return audit_log(call);
  }
  constexpr std::string_view kDevices = "/api/v1/devices/", kRevoke = "/revoke";
  if (p.rfind(kDevices, 0) == 0 && p.size() > kDevices.size() + kRevoke.size() &&
      p.compare(p.size() - kRevoke.size(), kRevoke.size(), kRevoke) == 0) {
    if (m != http::verb::post)
      return call.error(http::status::method_not_allowed, "use POST to revoke");
    if (auto no = refuse_unless(call, Role::kAdmin, "revoking a device")) return std::move(*no);
    return revoke_device(call, std::string_view(p).substr(
                                   kDevices.size(), p.size() - kDevices.size() - kRevoke.size()));
  }
  if (p == "/metrics" && get && options_.metrics && options_.gauges) {
    // Counts of the server's work, nothing of who answered: any role.
    return call.reply(http::status::ok, options_.metrics->render(options_.gauges()), kMetricsType);
  }
  // A file a response names (issue 18): the same role as the form's microdata.
  constexpr std::string_view kFiles = "/api/v1/files/";
  if (p.rfind(kFiles, 0) == 0 && get) {
    if (auto no = refuse_unless(call, Role::kSteward, "a file of a response"))
      return std::move(*no);
    return serve_file(call, std::string_view(p).substr(kFiles.size()));
  }
  if (p == "/api/v1/assessments" && get) return assessments(call);
  constexpr std::string_view kAssessments = "/api/v1/assessments/", kReport = "/report";
  if (get && p.rfind(kAssessments, 0) == 0 && p.size() > kAssessments.size() + kReport.size() &&
      p.compare(p.size() - kReport.size(), kReport.size(), kReport) == 0) {
    return assessment_report(
        call, std::string_view(p).substr(kAssessments.size(),
                                         p.size() - kAssessments.size() - kReport.size()));
  }
  // The action plan between rounds: any role reads it; a steward updates it.
  if (p == "/api/v1/actions" && get) return action_plan(call);
  constexpr std::string_view kActions = "/api/v1/actions/";
  if (p.rfind(kActions, 0) == 0 && p.size() > kActions.size()) {
    if (m != http::verb::post)
      return call.error(http::status::method_not_allowed, "use POST to update an action item");
    if (auto no = refuse_unless(call, Role::kSteward, "updating the action plan"))
      return std::move(*no);
    return update_action(call, std::string_view(p).substr(kActions.size()));
  }
  constexpr std::string_view kReports = "/api/v1/reports/", kExports = "/api/v1/exports/";
  const auto started = std::chrono::steady_clock::now();
  const auto timed = [&](AdminWork work, AdminResponse r) {
    if (options_.metrics) {
      options_.metrics->admin_seconds(
          work, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
    return r;
  };
  if (p.rfind(kReports, 0) == 0 && get) {
    return timed(AdminWork::kReport, report(call, std::string_view(p).substr(kReports.size())));
  }
  if (p.rfind(kExports, 0) == 0 && get) {
    return timed(AdminWork::kExport, download(call, std::string_view(p).substr(kExports.size())));
  }
  return call.error(http::status::not_found,
                    "no such endpoint: " + std::string(call.req.method_string()) + " " + p);
}

// --- authentication -------------------------------------------------------

std::string AdminApi::session_key(std::string_view cookie) const {
  // Sessions are looked up by a hash of the cookie, so a timing difference in
  // the map's comparisons says nothing about a live cookie.
  std::array<std::uint8_t, 32> h{};
  crypto_generichash(h.data(), h.size(), reinterpret_cast<const std::uint8_t*>(cookie.data()),
                     cookie.size(), nullptr, 0);
  return std::string(reinterpret_cast<const char*>(h.data()), h.size());
}

AdminApi::Credential AdminApi::authenticate(Call& call) {
  const std::string_view auth = call.req[http::field::authorization];
  if (!auth.empty()) {
    if (auth.rfind("Bearer ", 0) != 0) return {Credential::kWrong, ""};
    auto token = app_.store().find_admin_token(auth.substr(7));
    if (token.is_ok() && *token)
      return {Credential::kGood, "token:" + (*token)->label, (*token)->role};
    return {Credential::kWrong, ""};
  }
  const std::string cookie = http_util::cookie_value(call.req, kSessionCookie);
  if (cookie.empty()) return {Credential::kNone, ""};
  // Expired sessions go first.
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    const bool idle = call.now - it->second.last_used > options_.session_idle.count();
    const bool old = call.now - it->second.created > options_.session_max.count();
    it = idle || old ? sessions_.erase(it) : std::next(it);
  }
  // An unknown cookie is a session that ended (or a server restart), not a
  // guess: 24 random bytes are not guessed. It counts as no credential.
  auto it = sessions_.find(session_key(cookie));
  if (it == sessions_.end()) return {Credential::kNone, ""};
  if (auto live = app_.store().admin_token_live(it->second.token_id); !live.is_ok() || !*live) {
    sessions_.erase(it);
    return {Credential::kNone, ""};
  }
  it->second.last_used = call.now;
  return {Credential::kGood, it->second.actor, it->second.role};
}

bool AdminApi::host_allowed(std::string_view host) const {
  // An IP literal cannot be rebound by DNS; a name must be ours.
  std::string_view name = host;
  if (!name.empty() && name.front() == '[') {
    return name.find(']') != std::string_view::npos;  // [v6]:port
  }
  name = name.substr(0, name.rfind(':') == std::string_view::npos ? name.size() : name.rfind(':'));
  if (name == "localhost") return true;
  boost::system::error_code ec;
  (void)boost::asio::ip::make_address_v4(std::string(name), ec);
  if (!ec) return true;
  for (const auto& o : options_.public_origins) {
    const auto scheme = o.find("://");
    const std::string_view authority =
        std::string_view(o).substr(scheme == std::string::npos ? 0 : scheme + 3);
    if (host == authority || name == authority) return true;
  }
  return false;
}

bool AdminApi::origin_allowed(std::string_view origin, std::string_view host) const {
  if (origin == "http://" + std::string(host) || origin == "https://" + std::string(host))
    return true;
  return std::find(options_.public_origins.begin(), options_.public_origins.end(), origin) !=
         options_.public_origins.end();
}

std::string AdminApi::failure_key(const std::string& peer) {
  // IPv6 hosts get a /64 each: count them by it, not by address.
  if (peer.find(':') == std::string::npos) return peer;
  boost::system::error_code ec;
  auto a = boost::asio::ip::make_address_v6(peer, ec);
  if (ec) return peer;
  auto bytes = a.to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return boost::asio::ip::address_v6(bytes).to_string() + "/64";
}

void AdminApi::wrong_token(const std::string& peer, std::int64_t now, std::string_view action,
                           std::string_view detail) {
  const int n = count_failure(peer, now);
  if (n == 1) record(Actor("anonymous", peer), action, detail);
  if (n == options_.max_failures)
    record(Actor("anonymous", peer), "api.throttled", "failures=" + std::to_string(n));
}

bool AdminApi::throttled(const std::string& peer, std::int64_t now) {
  auto it = failures_.find(failure_key(peer));
  if (it == failures_.end() && failures_.size() >= options_.max_tracked_addresses)
    it = failures_.find(kOverflowPeers);
  if (it == failures_.end()) return false;
  if (now - it->second.since > options_.failure_window.count()) {
    failures_.erase(it);
    return false;
  }
  return it->second.count >= options_.max_failures;
}

int AdminApi::count_failure(const std::string& peer, std::int64_t now) {
  std::string key = failure_key(peer);
  if (!failures_.count(key) && failures_.size() >= options_.max_tracked_addresses) {
    // Bounded memory: forget the windows that have passed first.
    for (auto it = failures_.begin(); it != failures_.end();) {
      it = now - it->second.since > options_.failure_window.count() ? failures_.erase(it)
                                                                    : std::next(it);
    }
    // Still full: many addresses at once. The ones not tracked share one
    // count, so they are throttled together rather than never.
    if (failures_.size() >= options_.max_tracked_addresses) key = kOverflowPeers;
  }
  auto& f = failures_[key];
  if (f.count == 0) f.since = now;
  return ++f.count;
}

AdminResponse AdminApi::login(Call& call) {
  if (throttled(call.peer, call.now)) {
    return call.error(http::status::too_many_requests,
                      "too many wrong tokens from this address; wait and retry");
  }
  if (call.req[http::field::content_type].find("application/json") != 0) {
    return call.error(http::status::unsupported_media_type,
                      "send {\"token\": \"...\"} as application/json");
  }
  boost::system::error_code ec;
  json::value body = json::parse(call.req.body(), ec);
  const json::value* field =
      !ec && body.is_object() ? body.as_object().if_contains("token") : nullptr;
  const json::string* token = field != nullptr ? field->if_string() : nullptr;
  if (token == nullptr) return call.error(http::status::bad_request, "send {\"token\": \"...\"}");
  auto found = app_.store().find_admin_token(*token);
  if (!found.is_ok()) return call.error(found.status());
  if (!*found) {
    wrong_token(call.peer, call.now, "admin.login.failed", "");
    return call.error(http::status::unauthorized,
                      "that admin token is not valid here (revoked, or from another server)");
  }
  const std::string cookie = http_util::random_token();
  const std::string actor = "token:" + (*found)->label;
  sessions_[session_key(cookie)] = Session{actor, (*found)->role, (*found)->id, call.now, call.now};
  failures_.erase(failure_key(call.peer));
  // A browser-session cookie (the server ends it after the idle or absolute
  // timeout anyway), Secure when the dashboard is reached over https.
  std::string set = http_util::set_cookie(kSessionCookie, cookie, false, "/");
  if (call.req[http::field::origin].rfind("https://", 0) == 0 ||
      call.req["X-Forwarded-Proto"] == "https") {
    set += "; Secure";
  }
  call.cookies_out.push_back(std::move(set));
  record(Actor(actor, call.peer), "admin.login", "");
  call.actor = actor;
  call.role = (*found)->role;
  return whoami(call);
}

AdminResponse AdminApi::logout(Call& call) {
  const std::string cookie = http_util::cookie_value(call.req, kSessionCookie);
  if (auto it = sessions_.find(session_key(cookie)); !cookie.empty() && it != sessions_.end()) {
    record(Actor(it->second.actor, call.peer), "admin.logout", "");
    sessions_.erase(it);
  }
  call.cookies_out.push_back(http_util::set_cookie(kSessionCookie, "", true));
  return call.ok(json::object{{"signed_out", true}});
}

std::optional<AdminResponse> AdminApi::refuse_unless(Call& call, Role needed,
                                                     std::string_view what) {
  if (call.role >= needed) return std::nullopt;
  record(Actor(call.actor, call.peer), "api.forbidden",
         "role=" + std::string(role_name(call.role)) + " path=" + clip(call.path, 200));
  return call.error(http::status::forbidden, std::string(what) + " needs a token with the role " +
                                                 std::string(role_name(needed)) +
                                                 " or above; this one is " +
                                                 std::string(role_name(call.role)));
}

AdminResponse AdminApi::whoami(Call& call) {
  return call.ok(json::object{{"actor", call.actor},
                              {"role", role_name(call.role)},
                              {"idle_timeout_seconds", options_.session_idle.count()}});
}

// --- reads ------------------------------------------------------------------

namespace {

// A form's responses in a round as the overview and the list of rounds give
// them: an anonymous form's as its report would (published_counts.hpp).
void put_responses(json::object& out, const PublishedCounts& counts, const std::string& form,
                   const std::string& round, std::int64_t exact) {
  const PublishedCount c = counts.of(form, round, exact);
  if (c.value) {
    out["responses"] = *c.value;
    return;
  }
  out["responses"] = nullptr;
  out["suppressed"] = true;
  out["display"] = "n<" + std::to_string(c.threshold);
}

}  // namespace

AdminResponse AdminApi::overview(Call& call) {
  if (Status s = forms_->refresh(app_.store()); !s.is_ok()) return call.error(s);
  auto o = app_.overview();
  if (!o.is_ok()) return call.error(o.status());
  auto counts = PublishedCounts::load(app_.store().db(), forms_->library());
  if (!counts.is_ok()) return call.error(counts.status());
  json::array sites;
  for (const auto& site : o->sites) {
    sites.push_back(
        json::object{{"site", site.name},
                     {"devices", site.devices},
                     {"responses", site.responses},
                     {"last_seen_at",
                      site.last_seen_at ? json::value(*site.last_seen_at) : json::value(nullptr)}});
  }
  json::array forms;
  for (const auto& r : o->rounds) {
    json::object f{{"form", r.form_id}, {"round", r.round}};
    put_responses(f, *counts, r.form_id, r.round, r.responses);
    f["last_day"] = iso8601_utc(r.last_day * 86400).substr(0, 10);
    if (auto form = forms_->library().current(r.form_id))
      f["title"] = form->title.get(call.lang, form->default_language);
    forms.push_back(std::move(f));
  }
  return call.ok(json::object{
      {"generated_at", iso8601_utc(call.now)},
      {"responses", o->responses},
      {"devices",
       json::object{{"active", o->active}, {"pending", o->pending}, {"revoked", o->revoked}}},
      {"devices_not_seen_14_days", o->stale},
      {"sites", std::move(sites)},
      {"forms", std::move(forms)}});
}

AdminResponse AdminApi::forms_list(Call& call) {
  if (Status s = forms_->refresh(app_.store()); !s.is_ok()) return call.error(s);
  const auto& lib = forms_->library();
  json::array out;
  std::vector<std::string> seen;
  for (const auto& e : lib.entries()) {
    if (std::find(seen.begin(), seen.end(), e.form->id) != seen.end()) continue;
    seen.push_back(e.form->id);
    auto f = lib.current(e.form->id);
    if (!f) continue;
    json::array versions, rounds, breakdowns, languages;
    for (const auto& v : lib.entries()) {
      if (v.form->id != f->id) continue;
      versions.emplace_back(v.form->version);
      for (const auto& r : v.rounds) {
        if (std::find(rounds.begin(), rounds.end(), json::value(r)) == rounds.end())
          rounds.emplace_back(r);
      }
    }
    f->walk([&](const forms::Item& it, const std::vector<const forms::Item*>&) {
      if (it.breakdown)
        breakdowns.push_back(json::object{{"name", it.name},
                                          {"label", it.label.get(call.lang, f->default_language)}});
      return true;
    });
    for (const auto& l : f->languages) languages.emplace_back(l);
    out.push_back(json::object{{"id", f->id},
                               {"title", f->title.get(call.lang, f->default_language)},
                               {"kind", form_kind(*f)},
                               {"anonymous", f->anonymous},
                               {"files", has_file_questions(*f)},
                               {"suppression_threshold", f->suppression_threshold},
                               {"current_version", f->version},
                               {"versions", std::move(versions)},
                               {"published_rounds", std::move(rounds)},
                               {"breakdowns", std::move(breakdowns)},
                               {"languages", std::move(languages)}});
  }
  return call.ok(json::object{{"forms", std::move(out)}});
}

AdminResponse AdminApi::devices(Call& call) {
  auto list = app_.devices();
  if (!list.is_ok()) return call.error(list.status());
  json::array out;
  for (const auto& d : *list) {
    json::object o{{"device_id", d.id.to_string()},
                   {"site", d.site},
                   {"state", device_state_name(d.state)},
                   {"created_at", d.created_at}};
    o["registered_at"] = d.registered_at ? json::value(*d.registered_at) : json::value(nullptr);
    o["revoked_at"] = d.revoked_at ? json::value(*d.revoked_at) : json::value(nullptr);
    o["last_seen_at"] = d.last_seen_at ? json::value(*d.last_seen_at) : json::value(nullptr);
    o["stale"] = device_is_stale(d, call.now);
    out.push_back(std::move(o));
  }
  return call.ok(json::object{{"devices", std::move(out)}});
}

AdminResponse AdminApi::revoke_device(Call& call, std::string_view id_text) {
  auto id = DeviceId::parse(id_text);
  if (!id.is_ok())
    return call.error(http::status::bad_request,
                      "'" + std::string(id_text) + "' is not a device id");
  if (Status s = app_.revoke_device(*id, Actor(call.actor, call.peer)); !s.is_ok())
    return call.error(s);
  return call.ok(json::object{{"device_id", id->to_string()}, {"state", "revoked"}});
}

AdminResponse AdminApi::rounds(Call& call) {
  if (Status s = forms_->refresh(app_.store()); !s.is_ok()) return call.error(s);
  auto rounds = app_.rounds(query_param(call.req.target(), "form"));
  if (!rounds.is_ok()) return call.error(rounds.status());
  auto counts = PublishedCounts::load(app_.store().db(), forms_->library());
  if (!counts.is_ok()) return call.error(counts.status());
  json::array out;
  for (const auto& r : *rounds) {
    json::object o{{"form", r.form_id}, {"round", r.round}};
    put_responses(o, *counts, r.form_id, r.round, r.responses);
    o["assessments"] = r.assessments;
    o["first_day"] = iso8601_utc(r.first_day * 86400).substr(0, 10);
    o["last_day"] = iso8601_utc(r.last_day * 86400).substr(0, 10);
    out.push_back(std::move(o));
  }
  return call.ok(json::object{{"rounds", std::move(out)}});
}

AdminResponse AdminApi::assessments(Call& call) {
  auto all = app_.assessments();
  if (!all.is_ok()) return call.error(all.status());
  json::array out;
  for (const auto& a : *all) {
    auto view = app_.show_assessment(a.id, call.lang);
    if (!view.is_ok()) return call.error(view.status());
    json::object o{{"id", a.id}, {"form_id", a.form_id}, {"round", a.round}};
    for (const char* k : {"administration", "state", "official", "coverage"}) {
      if (const auto* v = view->if_contains(k)) o[k] = *v;
    }
    o["disagreements"] = view->at("disagreements").as_array().size();
    if (may_see_files(call.role)) {
      auto files = app_.assessment_evidence(a.id, call.lang);
      if (!files.is_ok()) return call.error(files.status());
      o["evidence_files"] = std::move(*files);
    }
    out.push_back(std::move(o));
  }
  return call.ok(json::object{{"assessments", std::move(out)}});
}

AdminResponse AdminApi::assessment_report(Call& call, std::string_view id) {
  // Its evidence files, linked to /api/v1/files/, for the roles that may
  // take them; for the others the report names none.
  const bool files = may_see_files(call.role);
  ReportEvidence evidence;
  evidence.held = [this](const std::string& sha256_hex) EQ_REQUIRES(mu_) {  // during this call
    auto held = file_held(app_.store().db(), sha256_hex);
    return held.is_ok() && *held;
  };
  auto html = app_.assessment_report(id, call.lang, files ? &evidence : nullptr);
  if (!html.is_ok()) return call.error(html.status());
  // A document of its own: its style is inline, and it runs nothing and
  // fetches nothing but the thumbnails of its evidence files from here.
  const std::string csp = std::string("default-src 'none'; style-src 'unsafe-inline'; ") +
                          (files ? "img-src 'self' data:; " : "img-src data:; ") +
                          "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
  return {call.start({http::status::ok})
              .type("text/html; charset=utf-8")
              .csp(csp)
              .text(std::move(*html)),
          std::nullopt};
}

AdminResponse AdminApi::serve_file(Call& call, std::string_view hex) {
  FileHash sha{};
  if (!from_hex_into(hex, sha)) {
    return call.error(http::status::bad_request,
                      "a file is named by its SHA-256, 64 hexadecimal digits");
  }
  const std::string sha_hex = to_hex(ByteView(sha));
  if (Status s = forms_->refresh(app_.store()); !s.is_ok()) return call.error(s);
  auto forms = app_.forms_naming_file(sha);
  if (!forms.is_ok()) return call.error(forms.status());
  if (forms->empty())
    return call.error(http::status::not_found,
                      "no response on this server names the file " + sha_hex);
  // An anonymous form cannot ask for files; were one to name a file anyway,
  // the file would never leave through here.
  for (const auto& [form_id, version] : *forms) {
    const auto exact = forms_->library().find(form_id, version);
    const auto current = forms_->library().current(form_id);
    if ((exact && exact->anonymous) || (current && current->anonymous) || (!exact && !current)) {
      record(Actor(call.actor, call.peer), "api.forbidden",
             "role=" + std::string(role_name(call.role)) + " path=" + clip(call.path, 200) +
                 " form=" + form_id);
      return call.error(http::status::forbidden,
                        "a file of an anonymous form, or of a form this server does not know, "
                        "is never served");
    }
  }
  auto held = app_.read_held_file(sha);
  if (!held.is_ok()) {
    if (held.status().code() == StatusCode::kNotFound) {
      return call.error(http::status::not_found, "the server does not hold the file " + sha_hex +
                                                     " yet: it arrives with the post's next sync");
    }
    return call.error(held.status());
  }
  // No file leaves without a trace.
  if (Status s = app_.record(Actor(call.actor, call.peer), "file.download",
                             "sha256=" + sha_hex + " form=" + forms->front().first +
                                 " name=" + clip(held->name, 200) +
                                 " bytes=" + std::to_string(held->bytes.size()));
      !s.is_ok()) {
    return call.error(http::status::service_unavailable,
                      "the download could not be recorded in the audit log: " + s.message());
  }
  const std::string fallback =
      file_export_name(sha_hex, held->media_type).substr(std::string_view("files/").size());
  // Never a document of this origin, even if a browser were to render it.
  AdminResponse r{call.start({http::status::ok})
                      .type(safe_media_type(held->media_type))
                      .set(http::field::content_disposition, attachment_for(held->name, fallback))
                      .csp(web::kSandboxCsp)
                      .text(std::string(held->bytes.begin(), held->bytes.end())),
                  std::nullopt};
  wipe(held->bytes);
  return r;
}

AdminResponse AdminApi::action_plan(Call& call) {
  auto plan = app_.action_plan(query_param(call.req.target(), "administration"), call.lang);
  if (!plan.is_ok()) return call.error(plan.status());
  return call.ok(std::move(*plan));
}

// {"status": "in_progress", "note": "...", "indicators": ["P1.A.1"],
//  "owner": "...", "deadline": "2027-06-30"}: every key optional.
AdminResponse AdminApi::update_action(Call& call, std::string_view id) {
  if (call.req[http::field::content_type].find("application/json") != 0) {
    return call.error(http::status::unsupported_media_type, "send the update as application/json");
  }
  boost::system::error_code ec;
  json::value body = json::parse(call.req.body(), ec);
  if (ec || !body.is_object())
    return call.error(http::status::bad_request,
                      "send a JSON object: {\"status\": ..., \"note\": ...}");
  const auto& o = body.as_object();
  const auto text = [&](std::string_view key, std::optional<std::string>& out) -> bool {
    const auto* v = o.if_contains(key);
    if (v == nullptr || v->is_null()) return true;
    if (!v->is_string()) return false;
    out = std::string(v->get_string());
    return true;
  };
  ServerApp::ActionChange change;
  std::optional<std::string> note;
  if (!text("status", change.status) || !text("note", note) || !text("owner", change.owner) ||
      !text("deadline", change.deadline)) {
    return call.error(http::status::bad_request, "status, note, owner and deadline are strings");
  }
  change.note = note.value_or("");
  if (const auto* v = o.if_contains("indicators"); v && !v->is_null()) {
    if (!v->is_array())
      return call.error(http::status::bad_request, "indicators is a list of indicator ids");
    std::vector<std::string> ids;
    for (const auto& x : v->get_array()) {
      if (!x.is_string())
        return call.error(http::status::bad_request, "indicators is a list of indicator ids");
      ids.emplace_back(x.get_string());
    }
    change.indicators = std::move(ids);
  }
  if (Status s = app_.update_action(id, change, Actor(call.actor, call.peer)); !s.is_ok())
    return call.error(s);
  return action_plan(call);
}

AdminResponse AdminApi::report(Call& call, std::string_view form) {
  if (Status s = forms_->refresh(app_.store()); !s.is_ok()) return call.error(s);
  ReportOptions o;
  o.form_id = std::string(form);
  o.lang = call.lang;
  o.clock = &app_.clock();
  const std::string target(call.req.target());
  if (auto r = query_param(target, "round"); !r.empty()) o.round = r;
  if (auto r = query_param(target, "compare"); !r.empty()) o.compare = r;
  for (auto& word : comma_list(query_param(target, "by"))) {
    if (!word.empty()) o.by.push_back(std::move(word));
  }
  if (auto m = query_param(target, "min_cell"); !m.empty()) {
    int n = 0;
    const auto [ptr, ec] = std::from_chars(m.data(), m.data() + m.size(), n);
    if (ec != std::errc() || ptr != m.data() + m.size() || n < 1) {
      return call.error(http::status::bad_request,
                        "min_cell takes a whole number of respondents, at least 1");
    }
    o.min_cell = n;
  }
  auto r = build_report(app_.store().db(), forms_->library(), o);
  if (!r.is_ok()) return call.error(r.status());
  std::string detail = "form=" + o.form_id;
  if (o.round) detail += " round=" + *o.round;
  if (o.compare) detail += " compare=" + *o.compare;
  for (std::size_t i = 0; i < o.by.size(); ++i) detail += (i == 0 ? " by=" : ",") + o.by[i];
  // No report without a trace: an unrecorded view is not shown.
  if (Status s = app_.record(Actor(call.actor, call.peer), "report.view", detail); !s.is_ok()) {
    return call.error(http::status::service_unavailable,
                      "the report could not be recorded in the audit log: " + s.message());
  }
  json::value out = std::move(*r);
  if (!may_see_files(call.role)) drop_evidence(out);
  return call.ok(out);
}

AdminResponse AdminApi::download(Call& call, std::string_view form) {
  // Microdata: an anonymous form's (disclosure-controlled) for analysts, any
  // other form's (the GEOAT, raw) for stewards.
  if (Status s = forms_->refresh(app_.store()); !s.is_ok()) return call.error(s);
  const auto current = forms_->library().current(std::string(form));
  const bool anonymous = current && current->anonymous;
  if (auto no = refuse_unless(
          call, anonymous ? Role::kAnalyst : Role::kSteward,
          anonymous ? "downloading an anonymous form's data" : "downloading this form's data")) {
    return std::move(*no);
  }
  const std::string target(call.req.target());
  ExportOptions o;
  o.form_id = std::string(form);
  const auto format = parse_export_format(
      query_param(target, "format").empty() ? "csv" : query_param(target, "format"));
  if (!format)
    return call.error(http::status::bad_request, "format is csv, jsonl, xlsx, sav or dta");
  o.format = *format;
  if (auto r = query_param(target, "round"); !r.empty()) o.round = r;
  o.labels = query_param(target, "labels") == "1";
  o.lang = query_param(target, "lang");
  o.excel_bom = query_param(target, "bom") == "1";
  o.every_revision = query_param(target, "all_revisions") == "1";
  o.actor = call.actor;
  o.destination = "download by " + call.peer;
  // with_files=1: the export and the files its responses name, in one zip
  // (export --with-files), for a form that has file questions.
  const bool with_files = query_param(target, "with_files") == "1";
  if (with_files && (anonymous || !current || !has_file_questions(*current))) {
    return call.error(http::status::bad_request,
                      "this form has no file questions: download it without with_files");
  }
  // Written beside the database (mode 0600, renamed into place), opened,
  // then unlinked: the bytes leave through the socket and nothing stays.
  const auto path =
      dir_.root / ("download-" + http_util::random_token() + "." +
                   (with_files ? std::string("zip") : std::string(export_format_name(o.format))));
  o.write_comments = false;  // an anonymous form's free text never leaves through the dashboard
  std::ostringstream unused;
  std::optional<ServerApp::FilesExport> zipped;
  Result<ExportSummary> rows = Status::internal("not exported");
  if (with_files) {
    auto z = app_.export_with_files(o, path);
    if (!z.is_ok()) return call.error(z.status());
    rows = z->summary;
    zipped = std::move(*z);
  } else {
    rows = app_.export_responses(o, path, unused);
  }
  if (!rows.is_ok()) return call.error(rows.status());
  http::file_body::value_type file;
  boost::system::error_code ec;
  file.open(path.c_str(), boost::beast::file_mode::scan, ec);
  ::unlink(path.c_str());
  if (ec)
    return call.error(http::status::internal_server_error,
                      "cannot read the export back: " + ec.message());
  std::string name = o.form_id + (o.round ? "-" + *o.round : "") + "." +
                     (with_files ? std::string("zip") : std::string(export_format_name(o.format)));
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '.' && ch != '_')
      ch = '_';
  }
  const std::string_view type =
      with_files                         ? "application/zip"
      : o.format == ExportFormat::kCsv   ? "text/csv; charset=utf-8"
      : o.format == ExportFormat::kJsonl ? "application/x-ndjson"
      : o.format == ExportFormat::kSav   ? "application/x-spss-sav"
      : o.format == ExportFormat::kDta
          ? "application/x-stata-dta"
          : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
  web::ResponseBuilder res = call.start({http::status::ok});
  res.type(type)
      .set(http::field::content_disposition, "attachment; filename=\"" + name + "\"")
      .set("X-Equitas-Rows", std::to_string(rows->rows));
  if (zipped) {
    res.set("X-Equitas-Files", std::to_string(zipped->files));
    res.set("X-Equitas-Files-Missing", std::to_string(zipped->missing.size()));
  }
  return {{}, res.file(std::move(file))};
}

AdminResponse AdminApi::audit_log(Call& call) {
  const std::string target(call.req.target());
  std::int64_t limit = 100, before = INT64_MAX;
  if (auto l = query_param(target, "limit"); !l.empty()) {
    std::from_chars(l.data(), l.data() + l.size(), limit);
    limit = std::clamp<std::int64_t>(limit, 1, 1000);
  }
  if (auto b = query_param(target, "before"); !b.empty())
    std::from_chars(b.data(), b.data() + b.size(), before);
  auto entries = app_.read_audit_log(Actor(call.actor, call.peer), before, limit);
  if (!entries.is_ok()) {
    return call.error(
        http::status::service_unavailable,
        "the audit log could not be read, or its reading recorded: " + entries.status().message());
  }
  json::array out;
  for (const auto& e : *entries) {
    out.push_back(json::object{{"id", e.id},
                               {"at", iso8601_utc(e.at)},
                               {"actor", e.actor},
                               {"action", e.action},
                               {"detail", e.detail}});
  }
  return call.ok(json::object{{"entries", std::move(out)}});
}

}  // namespace equitas::server
