// Shared by web_api.cpp (survey) and web_admin.cpp (admin): the call
// context and small helpers. Private to the web UI.
#pragma once

#include <boost/json.hpp>

#include "equitas/util/http_util.hpp"
#include "equitas/util/json_text.hpp"
#include "equitas/web/http_status.hpp"
#include "equitas/web/response.hpp"
#include "web/form_view.hpp"
#include "web/plain_errors.hpp"
#include "web/web_api.hpp"

namespace equitas::collector::web_detail {

inline constexpr std::string_view kDraftCookie = "eq_draft";
inline constexpr std::string_view kAdminCookie = "eq_admin";
inline constexpr std::string_view kPostCookie = "eq_post";
inline constexpr std::string_view kTeamCookie = "eq_team";
// The page may load only what this binary serves; nothing may frame it.
inline constexpr std::string_view kCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
// On every response (equitas/web/response.hpp): the page's policy, and no
// Server header.
inline constexpr web::ResponseHeaders kResponseHeaders{"", kCsp};

using http_util::cookie_value;
using http_util::set_cookie;
// The header that carries the page's half of a draft key (see drafts.hpp).
inline constexpr std::string_view kDraftKeyHeader = "X-Draft-Key";
// A fresh split of `key`: the cookie's token and the page's half.
struct SplitKey {
  std::string cookie;
  std::string page_half;
};
SplitKey split_draft_key(const DraftId& id, const DraftKey& key);
// The draft named by the cookie, its key rebuilt from both halves; nullopt
// when either half is missing or malformed.
std::optional<ParsedToken> draft_from_request(const HttpRequest& req);
using http_util::query_param;
using http_util::random_token;
using http_util::tokens_equal;

}  // namespace equitas::collector::web_detail

namespace equitas::collector {

struct WebApi::AdminSession {
  BoxKey key;
  std::int64_t last_used = 0;
};

// One request in flight, with what the handlers need to answer it.
struct WebApi::Call {
  const HttpRequest& req;
  bool loopback;
  std::string path;  // target without the query
  std::vector<std::string> cookies_out;
  std::string peer;  // the client's address, the key of its rate limit
  std::function<void(const std::string&)> log;

  // A response with every security header, this call's cookies and the
  // request's keep-alive; the caller adds the rest.
  web::ResponseBuilder start(web::HttpStatus status) {
    web::ResponseBuilder b(web_detail::kResponseHeaders, status, req.version(), req.keep_alive());
    b.cookies(cookies_out);
    return b;
  }
  HttpResponse reply(http::status status, std::string body, std::string_view type) {
    return start({status}).type(type).text(std::move(body));
  }
  HttpResponse json_reply(http::status status, const boost::json::value& v) {
    return reply(status, boost::json::serialize(v), "application/json");
  }
  HttpResponse ok(const boost::json::value& v) { return json_reply(http::status::ok, v); }
  HttpResponse error(web::HttpStatus status, std::string_view message) {
    return start(status)
        .type("application/json")
        .text(boost::json::serialize(boost::json::object{{"error", message}}));
  }
  HttpResponse error(http::status status, std::string_view message) {
    return error(web::HttpStatus{status}, message);
  }
  // The status is the shared map's (equitas/web/http_status.hpp). Our own
  // refusals are shown as they are. Anything else may carry SQLite's
  // wording, with the SQL (a broken constraint arrives as kAlreadyExists):
  // it is logged, and the page gets plain words in `lang` (default: the
  // ?lang of the request).
  HttpResponse error(const Status& s, std::string_view lang = {}) {
    const std::string l = lang.empty() ? this->lang() : std::string(lang);
    const web::HttpStatus status = web::http_status_for(s.code());
    if (auto refusal = DraftStore::refusal_of(s)) {
      if (*refusal == DraftRefusal::kTooLarge) {
        return error(http::status::payload_too_large, plain_error(PlainError::kDraftTooLarge, l));
      }
      return error(status, plain_error(PlainError::kDraftsFull, l));
    }
    switch (s.code()) {
      case StatusCode::kInvalidArgument:
      case StatusCode::kNotFound:
      case StatusCode::kPermissionDenied:
      case StatusCode::kUnauthenticated:
      case StatusCode::kFailedPrecondition:
        return error(status, s.message());
      default:
        break;
    }
    if (log) log(std::string(req.method_string()) + " " + path + ": " + s.to_string());
    const bool full = s.code() == StatusCode::kResourceExhausted;
    return error(status, plain_error(full ? PlainError::kDiskFull : PlainError::kStoreFailed, l));
  }
  // The JSON object in the body, or nullopt after which `bad` holds the reply.
  std::optional<boost::json::object> body_object(std::optional<HttpResponse>& bad) {
    auto v = parse_json_text(req.body(), "the request body is not valid JSON");
    if (!v.is_ok() || !v->is_object()) {
      bad = error(
          http::status::bad_request,
          v.is_ok() ? std::string("the request body must be a JSON object") : v.status().message());
      return std::nullopt;
    }
    return std::move(v->as_object());
  }
  std::string lang() const {
    std::string l = web_detail::query_param(req.target(), "lang");
    return is_ui_language(l) ? l : "en";
  }
};

}  // namespace equitas::collector
