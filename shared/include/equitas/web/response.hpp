// Every HTTP response either program sends starts here, so none can leave
// out a security header. A ResponseBuilder sets, before anything else:
//   Cache-Control: no-store, Pragma: no-cache
//       answers, drafts, tokens and exports are never kept by a browser or
//       a proxy (a kiosk laptop is shared; Pragma for HTTP/1.0 caches);
//   Content-Security-Policy
//       the program's policy for its pages, unless this response has its
//       own (csp()): the server's printable report, a sandboxed download;
//   X-Content-Type-Options: nosniff
//       a file is what its Content-Type says, never a script or a page;
//   X-Frame-Options: DENY
//       no page frames ours (frame-ancestors says so in the policy too, for
//       browsers that read it);
//   Referrer-Policy: no-referrer
//       a link never carries our addresses (tokens in a query) elsewhere;
//   Server, when the program names itself.
// The builder is a value, used once, on the thread building the answer.
#pragma once

#include <boost/beast/http/file_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "equitas/web/http_status.hpp"

namespace equitas::web {

namespace http = boost::beast::http;

// What one program puts on each of its responses. Both views must outlive
// the builders made with them (they are constants in practice).
struct ResponseHeaders {
  std::string_view server;  // the Server header; "" sends none
  std::string_view csp;     // the program's Content-Security-Policy for its pages
};

// Never a document of this origin, even if a browser were to render it: for
// files people uploaded, served back as attachments.
inline constexpr std::string_view kSandboxCsp = "default-src 'none'; sandbox";

class ResponseBuilder {
 public:
  // A response to a request of HTTP `version` (11 for 1.1), kept alive or not.
  ResponseBuilder(const ResponseHeaders& headers, http::status status, unsigned version,
                  bool keep_alive);
  // With the Retry-After the status map gives (http_status.hpp).
  ResponseBuilder(const ResponseHeaders& headers, HttpStatus status, unsigned version,
                  bool keep_alive);

  ResponseBuilder& type(std::string_view content_type);
  // This response's own policy, in place of the program's.
  ResponseBuilder& csp(std::string_view policy);
  // One Set-Cookie header per value.
  ResponseBuilder& cookies(const std::vector<std::string>& set_cookie_values);
  // Retry-After in seconds; zero sends none.
  ResponseBuilder& retry_after(std::chrono::seconds wait);
  ResponseBuilder& set(http::field name, std::string_view value);
  ResponseBuilder& set(std::string_view name, std::string_view value);

  // The finished response, Content-Length set. Either ends the builder.
  http::response<http::string_body> text(std::string body);
  http::response<http::file_body> file(http::file_body::value_type body);

 private:
  template <class Body>
  http::response<Body> finish(typename Body::value_type body);

  http::response_header<> head_;
  bool keep_alive_;
};

}  // namespace equitas::web
