// Small HTTP pieces both web faces share: the collector's survey UI and the
// server's dashboard. Header parsing only; the servers are in each program.
#pragma once

#include <boost/beast/http.hpp>
#include <string>
#include <string_view>

namespace equitas::http_util {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;

// The value of cookie `name`, or "" when the request has none.
std::string cookie_value(const Request& req, std::string_view name);
// A Set-Cookie value: HttpOnly, SameSite=Strict, on `path`; `clear` expires
// it. `max_age_seconds` > 0 makes it outlive the browser session.
std::string set_cookie(std::string_view name, std::string_view value, bool clear = false,
                       std::string_view path = "/", long max_age_seconds = 0);
// 24 random bytes, base64url: a session or post token.
std::string random_token();
// Constant-time comparison of two tokens; an empty token never matches.
bool tokens_equal(std::string_view a, std::string_view b);
// The percent-decoded value of `key` in the target's query ("" when absent).
std::string query_param(std::string_view target, std::string_view key);
// "/api/v1/x" for "/api/v1/x?y=1".
std::string_view path_of(std::string_view target);
// By file extension: html, js, css, svg; else octet-stream.
std::string_view mime_for(std::string_view name);

}  // namespace equitas::http_util
