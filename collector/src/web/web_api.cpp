#include "web/web_api.hpp"

#include <sodium.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <filesystem>
#include <iostream>

#include "equitas/util/embedded.hpp"
#include "equitas/wire/payload.hpp"
#include "web/admin_auth.hpp"
#include "web/form_view.hpp"
#include "web/web_api_internal.hpp"
#include "web/web_server.hpp"

namespace equitas::collector::web_detail {

SplitKey split_draft_key(const DraftId& id, const DraftKey& key) {
  // The draft key is split in two: a random half in the HttpOnly cookie, the
  // other (key XOR cookie half) kept by the page and sent as a header. Both
  // are needed. A kiosk's page keeps its half in memory only, so the next
  // person cannot reopen an abandoned response through the cookie; a
  // personal phone keeps it in localStorage (see DeviceMode).
  DraftKey cookie_half;
  randombytes_buf(cookie_half.data(), cookie_half.size());
  DraftKey page_half;
  for (std::size_t i = 0; i < DraftKey::size(); ++i)
    page_half.data()[i] = key.data()[i] ^ cookie_half.data()[i];
  return {draft_token(id, cookie_half), to_base64url(ByteView(page_half.data(), page_half.size()))};
}

std::optional<ParsedToken> draft_from_request(const HttpRequest& req) {
  auto token = parse_draft_token(cookie_value(req, kDraftCookie));
  if (!token) return std::nullopt;
  auto half = from_base64url(req[kDraftKeyHeader]);
  if (!half.is_ok() || half->size() != DraftKey::size()) return std::nullopt;
  for (std::size_t i = 0; i < DraftKey::size(); ++i) token->key.data()[i] ^= (*half)[i];
  wipe(*half);
  return token;
}

}  // namespace equitas::collector::web_detail

namespace equitas::collector {
namespace json = boost::json;
using namespace web_detail;

namespace {

constexpr std::chrono::seconds kExpiryGrace{std::chrono::minutes(5)};

// What the page needs to know of the device mode: where to keep its half of
// the draft key, and whether to count down or ask on coming back.
void add_device_mode(json::object& o, const WebOptions& options) {
  o["mode"] = device_mode_name(options.mode);
  o["anonymous_idle_seconds"] = options.anonymous_idle.count();
  o["idle_countdown_seconds"] = options.idle_countdown.count();
}

}  // namespace

std::optional<DeviceMode> parse_device_mode(std::string_view text) {
  if (text == "kiosk") return DeviceMode::kKiosk;
  if (text == "personal") return DeviceMode::kPersonal;
  return std::nullopt;
}

std::string_view device_mode_name(DeviceMode mode) {
  return mode == DeviceMode::kKiosk ? "kiosk" : "personal";
}

WebApi::WebApi(Collector& collector, SyncRunner& sync, WebOptions options)
    : collector_(collector),
      sync_(sync),
      options_(std::move(options)),
      drafts_(collector.store().db()),
      draft_writes_(draft_limits::kWriteBurst, draft_limits::kWritesPerSecond,
                    draft_limits::kMaxTrackedClients) {
  if (!options_.log)
    options_.log = [](const std::string& line) {
      std::cerr << "collector serve: " << line << "\n";
    };
}

WebApi::~WebApi() = default;

void WebApi::tick() {
  const std::int64_t t = now();
  // The kiosk's page wipes at the idle timeout plus its countdown; the
  // collector deletes the draft a little later, so a respondent reading a
  // long page is not cut off by a clock that only sees saves. On a personal
  // phone the draft waits for its respondent. Expiry frees space, so it may
  // use the disk reserve.
  const std::int64_t anonymous_before = options_.mode == DeviceMode::kPersonal
                                            ? t - draft_limits::kPersonalExpiry.count()
                                            : t - options_.anonymous_idle.count() -
                                                  options_.idle_countdown.count() -
                                                  kExpiryGrace.count();
  const std::int64_t resumable_before = t - options_.resumable_expiry.count();
  const std::int64_t records_before = t - draft_limits::kRecordExpiry.count();
  Status expired = collector_.write_with_reserve([&]() -> Status {
    return drafts_.expire(anonymous_before, resumable_before, records_before).status();
  });
  if (!expired.is_ok()) options_.log("draft expiry: " + expired.to_string());
  // Files captured for drafts that are gone: no draft lives longer.
  if (auto staged = collector_.expire_staged(resumable_before - 24 * 3600); !staged.is_ok()) {
    options_.log("staged files expiry: " + staged.status().to_string());
  }
  // Usually there already; after a full disk, back once space allows.
  (void)collector_.restore_disk_reserve();
  draft_writes_.prune(t);
  for (auto it = admin_sessions_.begin(); it != admin_sessions_.end();) {
    if (t - it->second->last_used > options_.admin_idle.count()) {
      it = admin_sessions_.erase(it);
    } else {
      ++it;
    }
  }
  expire_team_access(t);
}

void WebApi::refresh_library() {
  const auto runs = sync_.snapshot().runs;
  if (runs != library_runs_) {
    library_runs_ = runs;
    collector_.reload_library();
  }
}

HttpResponse WebApi::handle(const HttpRequest& req, bool peer_is_loopback, std::string_view peer) {
  Call call{req, peer_is_loopback, std::string(req.target().substr(0, req.target().find('?'))), {},
            {},  options_.log};
  call.peer = !peer.empty() ? std::string(peer) : peer_is_loopback ? "loopback" : "unknown";
  // Only our own names: a page elsewhere that rebinds its DNS name to this
  // address (DNS rebinding) would otherwise pass the Origin check below.
  const std::string host(req[http::field::host]);
  const bool known_host =
      std::find(allowed_hosts_.begin(), allowed_hosts_.end(), host) != allowed_hosts_.end();
  if (!known_host) return call.error(http::status::misdirected_request, "unknown Host");
  // LAN mode: a phone proves it was given the link (QR code) with the post
  // token; a first visit with ?t= keeps it in a cookie.
  if (options_.lan && !peer_is_loopback) {
    const std::string t = query_param(req.target(), "t");
    if (!t.empty() && tokens_equal(t, options_.post_token)) {
      call.cookies_out.push_back(set_cookie(kPostCookie, options_.post_token));
      HttpResponse res = call.reply(http::status::see_other, "", "text/plain");
      // A team pass in the same link (team_access.cpp) goes on to the page,
      // which joins with it; only its own characters are carried.
      const std::string pass = query_param(req.target(), "team");
      const bool carried =
          !pass.empty() && pass.size() <= 64 && std::all_of(pass.begin(), pass.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
          });
      res.set(http::field::location, carried ? "/team?pass=" + pass : std::string("/"));
      return res;
    }
    if (!tokens_equal(cookie_value(req, kPostCookie), options_.post_token)) {
      return call.reply(
          http::status::unauthorized,
          "<!doctype html><meta charset=utf-8><title>Equitas</title><p>Scan the QR code shown on "
          "the post's laptop (admin page) to open the survey.",
          "text/html; charset=utf-8");
    }
  }
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    // A cross-site page can post a form but cannot send JSON without a
    // preflight we never grant; an Origin from elsewhere is refused outright.
    const auto origin = req[http::field::origin];
    if (!origin.empty() && origin != "http://" + host) {
      return call.error(http::status::forbidden, "requests from another origin are refused");
    }
    // A file for a file question comes as application/octet-stream: not a
    // type a cross-site form can send either (it needs a preflight too).
    const bool file_upload = web_limits::takes_file_body(call.path) &&
                             req[http::field::content_type] == "application/octet-stream";
    if (req.method() != http::verb::delete_ && !file_upload &&
        req[http::field::content_type].substr(0, 16) != "application/json") {
      return call.error(http::status::unsupported_media_type,
                        "send JSON (Content-Type: application/json)");
    }
  }
  try {
    refresh_library();
    return route(call);
  } catch (const std::exception& e) {
    // Boost.JSON and std throw on impossible input; answer, never crash.
    return call.error(Status::internal(std::string("exception: ") + e.what()));
  }
}

HttpResponse WebApi::route(Call& call) {
  const auto m = call.req.method();
  const std::string& p = call.path;
  const bool get = m == http::verb::get || m == http::verb::head;
  if (get && (p == "/" || p == "/admin" || p == "/team")) return asset(call, "index.html");
  if (get && (p == "/app.js" || p == "/team.js" || p == "/geo.js" || p == "/scan.js" ||
              p == "/app.css" || p == "/team.css" || p == "/icon.svg")) {
    return asset(call, p.substr(1));
  }
  if (p == "/api/v1/forms" && get) return list_forms(call);
  if (p.rfind("/api/v1/forms/", 0) == 0 && get)
    return get_form(call, std::string_view(p).substr(14));
  if (p == "/api/v1/draft") {
    if (get) return get_draft(call);
    if (m == http::verb::post) return create_draft(call);
    if (m == http::verb::put) return save_draft(call);
    if (m == http::verb::delete_) return discard_draft(call);
  }
  if (p == "/api/v1/draft/submit" && m == http::verb::post) return submit_draft(call);
  if (p == "/api/v1/draft/leave" && m == http::verb::post) return leave_draft(call);
  if (p == "/api/v1/draft/files" && m == http::verb::post) return add_draft_file(call);
  if (p.rfind("/api/v1/draft/files/", 0) == 0 && get)
    return get_draft_file(call, std::string_view(p).substr(20));
  constexpr std::string_view kTeam = "/api/v1/team";
  if (p.rfind(kTeam, 0) == 0 && p.size() > kTeam.size() && p[kTeam.size()] == '/') {
    // Any phone on the post's network (it has the post token): the pass
    // is what lets it in.
    if (p == "/api/v1/team/join" && m == http::verb::post) return team_join(call);
    if (p == "/api/v1/team/leave" && m == http::verb::post) return team_leave(call);
    if (p == "/api/v1/team/status" && get) return team_status(call);
    if (!team_signed_in(call)) {
      return call.error(http::status::unauthorized,
                        "this phone has not joined the team: scan the team pass that the post's "
                        "laptop shows on its admin page");
    }
    return team_route(call, std::string_view(p).substr(kTeam.size()));
  }
  if (p.rfind("/api/v1/admin/", 0) == 0) {
    // The admin page opens on the post's laptop only: the PIN never crosses
    // the Wi-Fi, and a phone cannot lock the admin out with wrong guesses.
    if (!call.loopback) {
      return call.error(http::status::forbidden,
                        "the admin page opens only on the post's laptop itself");
    }
    if (p == "/api/v1/admin/login" && m == http::verb::post) return admin_login(call);
    if (p == "/api/v1/admin/logout" && m == http::verb::post) return admin_logout(call);
    if (admin_session(call) == nullptr) {
      return call.error(http::status::unauthorized, "sign in with the admin PIN first");
    }
    if (p == "/api/v1/admin/status" && get) return admin_status(call);
    if (p == "/api/v1/admin/sync" && (get || m == http::verb::post)) return admin_sync(call);
    if (p == "/api/v1/admin/bundle" && m == http::verb::post) return admin_bundle(call);
    if (p == "/api/v1/admin/drafts" && get) return admin_drafts(call);
    if (p == "/api/v1/admin/qr.svg" && get) return admin_qr(call);
    if (p == "/api/v1/admin/team-forms" && get) return list_forms(call, true);
    if (p == "/api/v1/admin/team-draft" && m == http::verb::post) return create_draft(call, true);
    if (p == "/api/v1/admin/team-pass" && m == http::verb::post) return team_pass(call);
    if (p == "/api/v1/admin/team-pass.svg" && get) return team_pass_qr(call);
    if (p == "/api/v1/admin/team-phones" && m == http::verb::delete_)
      return team_phones_signed_out(call);
    if (p.rfind("/api/v1/admin/assessments", 0) == 0)
      return team_route(call, std::string_view(p).substr(13));
    constexpr std::string_view kDrafts = "/api/v1/admin/drafts/";
    if (p.rfind(kDrafts, 0) == 0 && (m == http::verb::post || m == http::verb::delete_)) {
      std::string_view rest = std::string_view(p).substr(kDrafts.size());
      auto slash = rest.find('/');
      std::string_view action = m == http::verb::delete_          ? "discard"
                                : slash == std::string_view::npos ? ""
                                                                  : rest.substr(slash + 1);
      return admin_draft_action(call, rest.substr(0, slash), action);
    }
  }
  return call.error(http::status::not_found, "no such page or API call");
}

HttpResponse WebApi::asset(Call& call, std::string_view name) {
  for (const auto& f : embedded::collector_web_assets()) {
    if (f.name == name)
      return call.reply(http::status::ok, std::string(f.data), http_util::mime_for(name));
  }
  return call.error(http::status::not_found, "missing asset");
}

std::optional<HttpResponse> WebApi::rate_limited(Call& call, const std::string& lang) {
  std::int64_t retry_after = 0;
  if (draft_writes_.allow(call.peer, now(), retry_after)) return std::nullopt;
  HttpResponse res =
      call.error(http::status::too_many_requests, plain_error(PlainError::kTooManyWrites, lang));
  res.set(http::field::retry_after, std::to_string(retry_after));
  return res;
}

HttpResponse WebApi::list_forms(Call& call, bool team) {
  auto lib = collector_.library();
  if (!lib.is_ok()) return call.error(lib.status());
  const std::string lang = call.lang();
  json::array forms;
  std::vector<std::string> seen;
  for (const auto& e : (*lib)->entries()) {
    if (std::find(seen.begin(), seen.end(), e.form->id) != seen.end()) continue;
    seen.push_back(e.form->id);
    auto current = (*lib)->current(e.form->id);
    // The action plan's update is sent from the team page's plan only.
    if (current && forms::is_team_form(*current) == team && current->id != forms::kActionUpdateForm)
      forms.push_back(form_summary(*current, lang));
  }
  auto enrolled = collector_.enrollment();
  json::object o{{"forms", std::move(forms)}};
  o["site"] = enrolled.is_ok() && *enrolled ? json::value((*enrolled)->site) : json::value(nullptr);
  add_device_mode(o, options_);
  return call.ok(o);
}

HttpResponse WebApi::get_form(Call& call, std::string_view id) {
  auto lib = collector_.library();
  if (!lib.is_ok()) return call.error(lib.status());
  const std::string version = query_param(call.req.target(), "version");
  auto form = version.empty() ? (*lib)->current(id) : (*lib)->find(id, version);
  if (!form) return call.error(http::status::not_found, "no such form on this collector");
  return call.ok(form_view(*form, call.lang()));
}

Result<std::shared_ptr<const forms::Form>> WebApi::draft_form(const DraftInfo& info) {
  EQ_ASSIGN_OR_RETURN(const forms::FormLibrary* lib, collector_.library());
  auto form = lib->find(info.form_id, info.form_version);
  if (!form) return Status::not_found("the draft's form version is no longer on this collector");
  return form;
}

namespace {

// Removes answers to questions that are no longer relevant (the respondent
// went back and changed a branch), as the engine would refuse them at submit.
// Removing one can change another's relevance, so it runs to a fixed point.
std::vector<std::string> prune_irrelevant(const forms::Form& form, json::object& answers,
                                          const std::string& lang, const Clock& clock) {
  std::vector<std::string> cleared;
  forms::EvalOptions opts;
  opts.language = lang;
  opts.clock = &clock;
  opts.strict = false;
  for (int round = 0; round < 8; ++round) {
    const forms::Evaluation e = forms::evaluate(form, answers, opts);
    bool changed = false;
    for (const auto& [path, st] : e.items) {
      if (st.relevant) continue;
      // "name" or "repeat[i].name"
      json::object* scope = &answers;
      std::string key = path;
      if (auto open = path.find('['); open != std::string::npos) {
        const auto close = path.find("].", open);
        if (close == std::string::npos) continue;
        json::value* rows = answers.if_contains(path.substr(0, open));
        std::size_t row = 0;
        try {
          row = std::stoul(path.substr(open + 1, close - open - 1));
        } catch (const std::exception&) {
          continue;
        }
        if (rows == nullptr || !rows->is_array() || row >= rows->as_array().size() ||
            !rows->as_array()[row].is_object()) {
          continue;
        }
        scope = &rows->as_array()[row].as_object();
        key = path.substr(close + 2);
      }
      if (const forms::Item* item = form.find(key);
          item != nullptr && item->type == forms::QuestionType::kCalculate) {
        continue;  // the engine owns calculated values
      }
      if (scope->erase(key) > 0) {
        cleared.push_back(path);
        changed = true;
      }
      if (scope->erase(key + "_other") > 0) cleared.push_back(path + "_other");
    }
    if (!changed) break;
  }
  return cleared;
}

// The live verdict for the page. Answers to questions that are hidden now
// are kept in the draft (a misclick on a branch loses nothing), but they
// count as unanswered for everything else, as in XLSForm: the verdict is
// taken on a copy without them, and only that copy is ever sealed.
json::object evaluate_view(const forms::Form& form, const json::object& answers,
                           const std::string& lang, bool check, const DraftId& draft,
                           const Clock& clock) {
  json::object pruned = answers;
  prune_irrelevant(form, pruned, lang, clock);
  forms::EvalOptions opts;
  opts.language = lang;
  opts.clock = &clock;
  opts.strict = false;
  // A randomized list keeps its order for the draft: the page would
  // otherwise reshuffle what the respondent is reading at each answer. The
  // draft's id is random and already the page's; the order is never stored.
  for (std::size_t i = 0; i < 4; ++i) opts.draft_seed = (opts.draft_seed << 8) | draft.bytes[i];
  if (opts.draft_seed == 0) opts.draft_seed = 1;
  json::object copy = pruned;
  json::object out = evaluation_view(forms::evaluate(form, copy, opts));
  if (check) {
    // The full submission check: the page filters it to its own questions
    // before letting the respondent go on.
    opts.strict = true;
    out["check"] = evaluation_view(forms::evaluate(form, pruned, opts))["errors"];
  }
  return out;
}

// The files captured here that `before` named and `after` no longer does:
// a file the respondent removed, or the photos of a row removed with it.
std::vector<forms::FileRef> dropped_files(const forms::Form& form, const json::object& before,
                                          const json::object& after) {
  const auto refs = [&](const json::object& answers) {
    std::vector<forms::FileRef> out;
    forms::for_each_file_answer(
        form, answers, [&](const forms::Item& it, const std::string&, const json::value& v) {
          auto parsed = forms::parse_file_answer(v, it, /*key_required=*/false);
          if (!parsed.is_ok()) return;
          for (auto& r : *parsed) {
            if (!r.key.empty()) out.push_back(std::move(r));
          }
        });
    return out;
  };
  const std::vector<forms::FileRef> kept = refs(after);
  std::vector<forms::FileRef> gone;
  for (auto& r : refs(before)) {
    const bool still = std::any_of(kept.begin(), kept.end(),
                                   [&](const forms::FileRef& k) { return k.id == r.id; });
    if (!still) gone.push_back(std::move(r));
  }
  return gone;
}

}  // namespace

HttpResponse WebApi::create_draft(Call& call, bool team) {
  std::optional<HttpResponse> bad;
  auto body = call.body_object(bad);
  if (!body) return std::move(*bad);
  const auto* form_id = body->if_contains("form");
  const auto* lang_v = body->if_contains("lang");
  if (form_id == nullptr || !form_id->is_string())
    return call.error(http::status::bad_request, "give the form id");
  std::string lang =
      lang_v != nullptr && lang_v->is_string() ? std::string(lang_v->as_string()) : "en";
  if (!is_ui_language(lang)) lang = "en";
  if (auto refused = rate_limited(call, lang)) return std::move(*refused);
  auto lib = collector_.library();
  if (!lib.is_ok()) return call.error(lib.status());
  auto form = (*lib)->current(form_id->as_string());
  if (!form) return call.error(http::status::not_found, "no such form on this collector");
  if (form->id == forms::kActionUpdateForm) {
    return call.error(http::status::forbidden,
                      "an action's progress is updated from the team page's action plan");
  }
  if (forms::is_team_form(*form) && !team) {
    // Any officer on the post's Wi-Fi could otherwise file one (issue 16).
    return call.error(
        http::status::forbidden,
        "this assessment is filled in by the assessment team: start it from the admin page");
  }
  // One response per person: a form that asks for response codes opens only
  // with a usable one (checked again, and spent, at submit).
  if (form->response_codes && !team) {
    const auto* code = body->if_contains("code");
    if (auto refused = refuse_code(
            call, *form, code != nullptr && code->is_string() ? code->as_string() : "", lang)) {
      return std::move(*refused);
    }
  }
  // A new respondent: any draft this browser still names is left to expire.
  auto admin = admin_public_key(collector_.store());
  if (!admin.is_ok()) return call.error(admin.status());
  DraftKey key;
  randombytes_buf(key.data(), key.size());
  auto id = drafts_.create(form->id, form->version, form->anonymous, lang, *admin, key, now());
  if (!id.is_ok()) return call.error(id.status(), lang);
  const SplitKey split = split_draft_key(*id, key);
  call.cookies_out.push_back(draft_cookie(split.cookie));
  json::object answers;
  json::object o{{"draft", id->hex()},
                 {"form", form->id},
                 {"version", form->version},
                 {"lang", lang},
                 {"key", split.page_half},
                 {"answers", json::object()},
                 {"evaluation", evaluate_view(*form, answers, lang, false, *id, *options_.clock)}};
  return call.ok(o);
}

// The draft named by the respondent's cookie, opened: its row, its form and
// (when asked) its answers. A cookie naming a draft that is gone is cleared.
Result<WebApi::OpenDraft> WebApi::open_draft(Call& call, bool with_answers) {
  auto token = draft_from_request(call.req);
  if (!token) return Status::not_found("no draft in progress");
  EQ_ASSIGN_OR_RETURN(auto info, drafts_.info(token->id));
  if (!info) {
    call.cookies_out.push_back(set_cookie(kDraftCookie, "", true));
    return Status::not_found("this draft no longer exists (submitted, discarded or timed out)");
  }
  EQ_ASSIGN_OR_RETURN(auto form, draft_form(*info));
  OpenDraft d{std::move(*token), std::move(*info), std::move(form), {}};
  if (with_answers) {
    EQ_ASSIGN_OR_RETURN(std::string text, drafts_.load(d.token.id, d.token.key));
    boost::system::error_code ec;
    json::value answers = json::parse(text, ec);
    wipe(text);
    if (ec || !answers.is_object()) return Status::corruption("the draft is damaged");
    d.answers = std::move(answers.as_object());
  }
  return d;
}

std::string WebApi::draft_cookie(std::string_view value) const {
  // A personal phone keeps the cookie past a closed browser, as long as the
  // draft may wait; a kiosk's dies with the browser session.
  const long max_age =
      options_.mode == DeviceMode::kPersonal ? draft_limits::kPersonalExpiry.count() : 0;
  return set_cookie(kDraftCookie, value, false, "/", max_age);
}

std::optional<HttpResponse> WebApi::wipe_handed_over(Call& call) {
  // The cookie alone is enough to delete: only this browser has it, and
  // deleting gives nothing away. The page's half of the key is not needed,
  // since the page that held it is the one that is gone.
  auto token = parse_draft_token(cookie_value(call.req, kDraftCookie));
  if (!token) return std::nullopt;
  auto info = drafts_.info(token->id);
  if (!info.is_ok()) return call.error(info.status());
  if (!*info || !(*info)->anonymous) return std::nullopt;
  Status s = collector_.write_with_reserve([&] { return drafts_.remove(token->id); });
  if (!s.is_ok()) return call.error(s);
  call.cookies_out.push_back(set_cookie(kDraftCookie, "", true));
  return call.json_reply(
      http::status::not_found,
      json::object{{"error", "the unfinished response on this device was erased"},
                   {"wiped", true}});
}

HttpResponse WebApi::get_draft(Call& call) {
  // On a kiosk the page that writes an anonymous response holds its answers
  // already and never asks for them. A page that asks is a new one: a
  // reload, another tab, the next officer opening /. So the answers are
  // never given back; the draft is deleted instead.
  if (options_.mode == DeviceMode::kKiosk) {
    if (auto wiped = wipe_handed_over(call)) return std::move(*wiped);
  }
  auto d = open_draft(call, true);
  if (!d.is_ok()) return call.error(d.status());
  const std::string lang = d->info.lang;
  json::object o{{"draft", d->token.id.hex()},
                 {"form", d->info.form_id},
                 {"version", d->info.form_version},
                 {"lang", lang},
                 {"anonymous", d->info.anonymous}};
  add_device_mode(o, options_);
  o["evaluation"] = evaluate_view(*d->form, d->answers, lang, false, d->token.id, *options_.clock);
  o["answers"] = std::move(d->answers);
  return call.ok(o);
}

HttpResponse WebApi::save_draft(Call& call) {
  std::optional<HttpResponse> bad;
  auto body = call.body_object(bad);
  if (!body) return std::move(*bad);
  auto* answers = body->if_contains("answers");
  if (answers == nullptr || !answers->is_object()) {
    return call.error(http::status::bad_request, "give the answers as a JSON object");
  }
  // A form with file questions: the answers saved before, to release the
  // files this save drops.
  auto d = open_draft(call, false);
  if (d.is_ok() && !forms::file_questions(*d->form).empty()) d = open_draft(call, true);
  if (!d.is_ok()) return call.error(d.status());
  std::string lang = d->info.lang;
  if (const auto* l = body->if_contains("lang");
      l != nullptr && l->is_string() && is_ui_language(l->as_string())) {
    lang = std::string(l->as_string());
  }
  if (auto refused = rate_limited(call, lang)) return std::move(*refused);
  const auto* check = body->if_contains("check");
  json::object view = evaluate_view(*d->form, answers->as_object(), lang,
                                    check != nullptr && check->is_bool() && check->as_bool(),
                                    d->token.id, *options_.clock);
  std::string text = json::serialize(*answers);
  Status saved = drafts_.save(d->token.id, d->token.key, text, count_answers(answers->as_object()),
                              lang, now());
  wipe(text);
  if (!saved.is_ok()) return call.error(saved, lang);
  // Released now rather than when staged files expire, so that they stop
  // counting against the quota; only staged files go (never one a stored
  // response holds).
  if (const auto gone = dropped_files(*d->form, d->answers, answers->as_object()); !gone.empty()) {
    if (Status s = collector_.discard_staged(gone); !s.is_ok())
      options_.log("releasing files: " + s.to_string());
  }
  // The phone's cookie lives as long as the draft may wait since its last change.
  if (options_.mode == DeviceMode::kPersonal) {
    call.cookies_out.push_back(draft_cookie(cookie_value(call.req, kDraftCookie)));
  }
  return call.ok(view);
}

std::optional<HttpResponse> WebApi::refuse_code(Call& call, const forms::Form& form,
                                                std::string_view typed, const std::string& lang) {
  auto checked = collector_.check_response_code(form, typed);
  if (!checked.is_ok()) return call.error(checked.status(), lang);
  using V = Collector::CodeVerdict;
  PlainError why = PlainError::kCodeRequired;
  const char* problem = "required";
  switch (checked->verdict) {
    case V::kOk:
      return std::nullopt;
    case V::kRequired:
      break;
    case V::kTypo:
      why = PlainError::kCodeTypo, problem = "typo";
      break;
    case V::kNotReceived:
      why = PlainError::kCodeNotReceived, problem = "not_received";
      break;
    case V::kUnknown:
      why = PlainError::kCodeUnknown, problem = "unknown";
      break;
    case V::kUsed:
      why = PlainError::kCodeUsed, problem = "used";
      break;
  }
  return code_refusal(call, why, problem, lang);
}

HttpResponse WebApi::code_refusal(Call& call, PlainError why, std::string_view problem,
                                  const std::string& lang) {
  return call.json_reply(
      http::status::unprocessable_entity,
      json::object{{"error", plain_error(why, lang)}, {"code_problem", problem}});
}

HttpResponse WebApi::submit_draft(Call& call) {
  auto d = open_draft(call, true);
  if (!d.is_ok()) return call.error(d.status());
  // The page sends what the respondent last saw, so a save that never
  // arrived cannot make the sealed response differ from the review page.
  boost::system::error_code ec;
  json::value body = json::parse(call.req.body(), ec);
  std::string code;
  if (!ec && body.is_object()) {
    if (auto* a = body.as_object().if_contains("answers"); a != nullptr && a->is_object()) {
      d->answers = std::move(a->as_object());
    }
    if (const auto* c = body.as_object().if_contains("code"); c != nullptr && c->is_string()) {
      code = std::string(c->as_string());
    }
  }
  // The page holds the code in its memory only; a page that lost it (a
  // reload) asks again, and nothing of the draft is lost meanwhile.
  if (d->form->response_codes && !d->info.submission) {
    if (auto refused = refuse_code(call, *d->form, code, d->info.lang)) return std::move(*refused);
  }
  prune_irrelevant(*d->form, d->answers, d->info.lang, *options_.clock);
  forms::EvalOptions opts;
  opts.language = d->info.lang;
  opts.clock = options_.clock;
  const forms::Evaluation e = forms::evaluate(*d->form, d->answers, opts);
  if (!e.ok()) {
    json::object o = evaluation_view(e);
    o["error"] = "some answers need attention";
    return call.json_reply(http::status::unprocessable_entity, o);
  }
  std::string text = json::serialize(d->answers);
  // The draft row goes in the same transaction that stores the sealed
  // envelope: a crash leaves either the draft or the submission, never both.
  // A form that is not anonymous keeps it as the record the admin may
  // correct; a correction seals the same submission's next revision.
  const DraftId draft_id = d->token.id;
  std::optional<BoxPublicKey> admin;
  if (d->form->revisable && !d->form->anonymous && d->info.admin_can_open) {
    auto key = admin_public_key(collector_.store());
    if (!key.is_ok()) return call.error(key.status());
    admin = *key;
  }
  const Revises revises{d->info.submission.value_or(SubmissionId::random()), d->info.revision + 1};
  // The record keeps exactly what is sealed (submit wipes `text`).
  std::string kept = admin ? text : std::string();
  auto id = collector_.submit(
      d->info.form_id, d->info.form_version, text, d->info.lang,
      [&] {
        return admin ? drafts_.mark_submitted(draft_id, revises.id, revises.revision, kept, *admin,
                                              now())
                     : drafts_.remove(draft_id);
      },
      code, admin ? &revises : nullptr);
  wipe(text);
  wipe(kept);
  if (!id.is_ok() && id.status().code() == StatusCode::kAlreadyExists && d->form->response_codes &&
      !d->info.submission) {
    // Another page spent the same code a moment ago.
    return code_refusal(call, PlainError::kCodeUsed, "used", d->info.lang);
  }
  if (!id.is_ok()) return call.error(id.status(), d->info.lang);
  call.cookies_out.push_back(set_cookie(kDraftCookie, "", true));
  // A reference would tie the respondent to a stored submission: anonymous
  // forms show none (issue 14).
  if (d->form->anonymous) return call.ok(json::object{{"submitted", true}});
  json::object o{{"submitted", true}, {"reference", id->to_string().substr(0, 8)}};
  if (admin) o["revision"] = revises.revision;
  return call.ok(o);
}

HttpResponse WebApi::leave_draft(Call& call) {
  // The GEOAT team steps away: the page forgets the draft, which stays for
  // the admin to resume.
  call.cookies_out.push_back(set_cookie(kDraftCookie, "", true));
  return call.ok(json::object{{"left", true}});
}

// A file for a file question of the draft's form (issue 18): the body is the
// file's bytes (at most web_limits::kFileBodyLimit), ?question=NAME&name=FILE.
// The collector checks it, encrypts it under a key of its own and stages it;
// the reply is the reference, key included, which the page puts into the
// draft's answers (encrypted at rest with them) and the response seals.
HttpResponse WebApi::add_draft_file(Call& call) {
  auto d = open_draft(call, false);
  if (!d.is_ok()) return call.error(d.status());
  if (auto refused = rate_limited(call, d->info.lang)) return std::move(*refused);
  // A question's name, or its place in a repeat's row ("trees[1].tree_photo"):
  // the reference goes wherever the page puts it.
  std::string question = query_param(call.req.target(), "question");
  if (const auto dot = question.rfind('.'); dot != std::string::npos) question.erase(0, dot + 1);
  const std::string name = query_param(call.req.target(), "name");
  const std::string& body = call.req.body();
  auto ref =
      collector_.capture_file(*d->form, question, as_bytes(body), name.empty() ? "file" : name);
  if (!ref.is_ok()) {
    if (ref.status().code() == StatusCode::kResourceExhausted) {
      return call.error(http::status::insufficient_storage, ref.status().message());
    }
    return call.error(ref.status(), d->info.lang);
  }
  return call.ok(json::object{{"file", forms::file_answer_json({*ref}, true).as_array().at(0)}});
}

// A file of the draft (the page's thumbnail after a reload): found by id
// among the draft's answers, whose reference holds its key.
HttpResponse WebApi::get_draft_file(Call& call, std::string_view id) {
  auto d = open_draft(call, true);
  if (!d.is_ok()) return call.error(d.status());
  std::optional<forms::FileRef> found;
  const json::object& answers = d->answers;
  forms::for_each_file_answer(*d->form, answers,
                              [&](const forms::Item& it, const std::string&, const json::value& v) {
                                if (found) return;
                                auto refs = forms::parse_file_answer(v, it, true);
                                if (!refs.is_ok()) return;
                                for (auto& r : *refs) {
                                  if (r.id == id) found = std::move(r);
                                }
                              });
  if (!found) return call.error(http::status::not_found, "no such file in this draft");
  auto bytes = collector_.held_file(*found);
  if (!bytes.is_ok()) return call.error(bytes.status());
  const bool image = found->type.starts_with("image/");
  HttpResponse res = call.reply(http::status::ok, std::string(bytes->begin(), bytes->end()),
                                image ? found->type : "application/octet-stream");
  wipe(*bytes);
  if (!image) res.set(http::field::content_disposition, "attachment");
  return res;
}

HttpResponse WebApi::discard_draft(Call& call) {
  if (auto token = draft_from_request(call.req)) {
    // Only the key's holder may discard: the id alone is not enough.
    auto text = drafts_.load(token->id, token->key);
    if (!text.is_ok()) return call.error(text.status());
    wipe(*text);
    // Discarding frees space: it must work on a full disk.
    Status s = collector_.write_with_reserve([&] { return drafts_.remove(token->id); });
    if (!s.is_ok()) return call.error(s);
  }
  call.cookies_out.push_back(set_cookie(kDraftCookie, "", true));
  return call.ok(json::object{{"discarded", true}});
}

}  // namespace equitas::collector
