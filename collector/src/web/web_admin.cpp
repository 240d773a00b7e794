// The post administrator's half of the web API: PIN sign-in, status, sync,
// the USB bundle, drafts to resume, and the QR code for phones.
#include <sodium.h>

#include <boost/json.hpp>
#include <filesystem>

#include "equitas/util/qr_svg.hpp"
#include "equitas/wire/payload.hpp"
#include "web/admin_auth.hpp"
#include "web/web_api_internal.hpp"

namespace equitas::collector {
namespace json = boost::json;
using namespace web_detail;

namespace {
constexpr int kMaxFailedLogins = 5;
constexpr std::int64_t kLoginLockSeconds = 60;
constexpr std::size_t kMaxAdminSessions = 8;
}  // namespace

WebApi::AdminSession* WebApi::admin_session(Call& call) {
  const std::string token = cookie_value(call.req, kAdminCookie);
  if (token.empty()) return nullptr;
  for (auto& [t, s] : admin_sessions_) {
    if (tokens_equal(t, token)) {
      s->last_used = now();
      return s.get();
    }
  }
  return nullptr;
}

HttpResponse WebApi::admin_login(Call& call) {
  std::optional<HttpResponse> bad;
  auto body = call.body_object(bad);
  if (!body) return std::move(*bad);
  const std::int64_t now = this->now();
  if (now < login_locked_until_) {
    return call.error(http::status::too_many_requests,
                      "too many wrong PINs; wait a minute and try again");
  }
  auto* pin = body->if_contains("pin");
  if (pin == nullptr || !pin->is_string())
    return call.error(http::status::bad_request, "give the PIN");
  auto key = unlock_admin(collector_.store(), pin->as_string());
  // The PIN's bytes are not needed any more.
  sodium_memzero(pin->as_string().data(), pin->as_string().size());
  if (!key.is_ok()) {
    if (key.status().code() == StatusCode::kPermissionDenied &&
        ++failed_logins_ >= kMaxFailedLogins) {
      failed_logins_ = 0;
      login_locked_until_ = now + kLoginLockSeconds;
    }
    return call.error(key.status().code() == StatusCode::kPermissionDenied
                          ? http::status::unauthorized
                          : http::status::conflict,
                      key.status().message());
  }
  failed_logins_ = 0;
  if (admin_sessions_.size() >= kMaxAdminSessions) {
    auto oldest = std::min_element(
        admin_sessions_.begin(), admin_sessions_.end(),
        [](const auto& a, const auto& b) { return a.second->last_used < b.second->last_used; });
    admin_sessions_.erase(oldest);
  }
  const std::string token = random_token();
  admin_sessions_[token] = std::make_unique<AdminSession>(AdminSession{std::move(*key), now});
  call.cookies_out.push_back(set_cookie(kAdminCookie, token, false, "/api/v1/admin"));
  return call.ok(json::object{{"signed_in", true}});
}

HttpResponse WebApi::admin_logout(Call& call) {
  const std::string token = cookie_value(call.req, kAdminCookie);
  for (auto it = admin_sessions_.begin(); it != admin_sessions_.end(); ++it) {
    if (tokens_equal(it->first, token)) {
      admin_sessions_.erase(it);
      break;
    }
  }
  call.cookies_out.push_back(set_cookie(kAdminCookie, "", true, "/api/v1/admin"));
  // A draft the admin resumed on this browser is left, not kept open.
  call.cookies_out.push_back(set_cookie(kDraftCookie, "", true));
  return call.ok(json::object{{"signed_in", false}});
}

namespace {
json::object sync_view(const SyncSnapshot& s) {
  json::object o{{"running", s.running},
                 {"sent", s.progress.sent},
                 {"acknowledged", s.progress.acknowledged},
                 {"total", s.progress.total},
                 {"bytes_up", s.progress.bytes_up},
                 {"bytes_down", s.progress.bytes_down}};
  if (s.last_finished_at) {
    o["last"] = json::object{{"finished_at", iso8601_utc(*s.last_finished_at)},
                             {"ok", s.last_ok},
                             {"message", s.last_message}};
  }
  if (s.next_attempt_at) o["next_attempt_at"] = iso8601_utc(*s.next_attempt_at);
  return o;
}
}  // namespace

HttpResponse WebApi::admin_status(Call& call) {
  auto s = collector_.status();
  if (!s.is_ok()) return call.error(s.status());
  auto drafts = drafts_.count();
  if (!drafts.is_ok()) return call.error(drafts.status());
  json::object o;
  o["enrolled"] = s->enrollment.has_value();
  if (s->enrollment) {
    o["device_id"] = s->enrollment->device_id.to_string();
    o["site"] = s->enrollment->site;
    o["server"] = s->enrollment->url;
    o["registered"] = s->enrollment->registered;
  }
  o["pending"] = s->counts.pending;
  o["pending_bytes"] = s->counts.pending_bytes;
  o["synced"] = s->counts.synced;
  o["rejected"] = s->counts.rejected;
  o["drafts"] = *drafts;
  if (s->last_sync) {
    o["last_sync"] = json::object{{"started_at", iso8601_utc(s->last_sync->started_at)},
                                  {"result", s->last_sync->result},
                                  {"detail", s->last_sync->detail}};
  }
  o["sync"] = sync_view(sync_.snapshot());
  json::array urls;
  for (const auto& u : options_.lan_urls)
    urls.push_back(json::string(u + "/?t=" + options_.post_token));
  o["lan_urls"] = std::move(urls);
  expire_team_access(now());
  o["team_phones"] = team_sessions_.size();
  return call.ok(o);
}

HttpResponse WebApi::admin_sync(Call& call) {
  if (call.req.method() == http::verb::post) {
    auto st = collector_.status();
    if (st.is_ok() && !st->enrollment) {
      return call.error(http::status::conflict,
                        "this collector is not enrolled; run collector enroll first");
    }
    const bool started = sync_.request();
    json::object o = sync_view(sync_.snapshot());
    o["started"] = started;
    return call.json_reply(http::status::accepted, o);
  }
  return call.ok(sync_view(sync_.snapshot()));
}

HttpResponse WebApi::admin_bundle(Call& call) {
  const auto tmp = options_.dir.root / ".bundle-download.tmp";
  auto n = collector_.export_bundle(tmp);
  if (!n.is_ok()) return call.error(n.status());
  auto bytes = read_file(tmp, 1024ull * 1024 * 1024);
  std::error_code ec;
  std::filesystem::remove(tmp, ec);
  if (!bytes.is_ok()) return call.error(bytes.status());
  auto st = collector_.status();
  std::string site = st.is_ok() && st->enrollment ? st->enrollment->site : "collector";
  for (char& ch : site) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '-';
  }
  HttpResponse res = call.reply(http::status::ok, std::string(bytes->begin(), bytes->end()),
                                "application/octet-stream");
  res.set(http::field::content_disposition, "attachment; filename=\"equitas-" + site + "-" +
                                                iso8601_utc(now()).substr(0, 10) + ".eqb\"");
  res.set("X-Equitas-Envelopes", std::to_string(n->envelopes));
  res.set("X-Equitas-Files", std::to_string(n->files));
  return res;
}

HttpResponse WebApi::admin_drafts(Call& call) {
  auto list = drafts_.list();
  if (!list.is_ok()) return call.error(list.status());
  auto lib = collector_.library();
  json::array out;
  for (const auto& d : *list) {
    json::object o{{"id", d.id.hex()},
                   {"form", d.form_id},
                   {"version", d.form_version},
                   {"anonymous", d.anonymous},
                   {"lang", d.lang},
                   {"created_at", iso8601_utc(d.created_at)},
                   {"updated_at", iso8601_utc(d.updated_at)},
                   {"answered", d.answered},
                   {"resumable", d.admin_can_open}};
    if (d.submission) {
      // A submitted record: its reference (as the respondent was shown),
      // its last revision, and whether it was edited since.
      o["reference"] = d.submission->to_string().substr(0, 8);
      o["revision"] = d.revision;
      o["submitted_at"] = iso8601_utc(d.submitted_at);
      o["edited"] = d.updated_at > d.submitted_at;
    }
    if (lib.is_ok()) {
      if (auto f = (*lib)->find(d.form_id, d.form_version))
        o["title"] = f->title.get(call.lang(), f->default_language);
    }
    out.push_back(std::move(o));
  }
  return call.ok(json::object{{"drafts", std::move(out)}});
}

HttpResponse WebApi::admin_draft_action(Call& call, std::string_view id_hex,
                                        std::string_view action) {
  auto id = DraftId::from_hex(id_hex);
  if (!id) return call.error(http::status::bad_request, "bad draft id");
  if (action == "discard") {
    // The admin's way out of a full disk: it may use the disk reserve.
    Status s = collector_.write_with_reserve([&] { return drafts_.remove(*id); });
    if (!s.is_ok()) return call.error(s);
    return call.ok(json::object{{"discarded", true}});
  }
  if (action == "resume") {
    AdminSession* session = admin_session(call);
    auto key = drafts_.admin_key(*id, session->key);
    if (!key.is_ok()) return call.error(key.status());
    const SplitKey split = split_draft_key(*id, *key);
    call.cookies_out.push_back(set_cookie(kDraftCookie, split.cookie));
    return call.ok(json::object{{"resumed", true}, {"key", split.page_half}});
  }
  return call.error(http::status::not_found, "unknown draft action");
}

HttpResponse WebApi::admin_qr(Call& call) {
  if (options_.lan_urls.empty()) {
    return call.error(http::status::not_found, "not in LAN mode: start with --listen 0.0.0.0:8080");
  }
  auto svg = qr_svg(options_.lan_urls.front() + "/?t=" + options_.post_token);
  if (!svg.is_ok()) return call.error(svg.status());
  return call.reply(http::status::ok, std::move(*svg), "image/svg+xml");
}

}  // namespace equitas::collector
