#include "equitas/web/response.hpp"

namespace equitas::web {

namespace {
// Not among Beast's known fields: set by name.
constexpr std::string_view kCspHeader = "Content-Security-Policy";
}  // namespace

ResponseBuilder::ResponseBuilder(const ResponseHeaders& headers, http::status status,
                                 unsigned version, bool keep_alive)
    : keep_alive_(keep_alive) {
  head_.result(status);
  head_.version(version);
  if (!headers.server.empty()) head_.set(http::field::server, headers.server);
  head_.set(http::field::cache_control, "no-store");
  head_.set(http::field::pragma, "no-cache");
  head_.set(kCspHeader, headers.csp);
  head_.set("X-Content-Type-Options", "nosniff");
  head_.set(http::field::x_frame_options, "DENY");
  head_.set("Referrer-Policy", "no-referrer");
}

ResponseBuilder::ResponseBuilder(const ResponseHeaders& headers, HttpStatus status,
                                 unsigned version, bool keep_alive)
    : ResponseBuilder(headers, status.status, version, keep_alive) {
  retry_after(status.retry_after);
}

ResponseBuilder& ResponseBuilder::type(std::string_view content_type) {
  head_.set(http::field::content_type, content_type);
  return *this;
}

ResponseBuilder& ResponseBuilder::csp(std::string_view policy) {
  head_.set(kCspHeader, policy);
  return *this;
}

ResponseBuilder& ResponseBuilder::cookies(const std::vector<std::string>& set_cookie_values) {
  for (const auto& c : set_cookie_values) head_.insert(http::field::set_cookie, c);
  return *this;
}

ResponseBuilder& ResponseBuilder::retry_after(std::chrono::seconds wait) {
  if (wait.count() > 0) head_.set(http::field::retry_after, std::to_string(wait.count()));
  return *this;
}

ResponseBuilder& ResponseBuilder::set(http::field name, std::string_view value) {
  head_.set(name, value);
  return *this;
}

ResponseBuilder& ResponseBuilder::set(std::string_view name, std::string_view value) {
  head_.set(name, value);
  return *this;
}

template <class Body>
http::response<Body> ResponseBuilder::finish(typename Body::value_type body) {
  http::response<Body> res(std::move(head_), std::move(body));
  res.keep_alive(keep_alive_);
  res.prepare_payload();
  return res;
}

http::response<http::string_body> ResponseBuilder::text(std::string body) {
  return finish<http::string_body>(std::move(body));
}

http::response<http::file_body> ResponseBuilder::file(http::file_body::value_type body) {
  return finish<http::file_body>(std::move(body));
}

}  // namespace equitas::web
