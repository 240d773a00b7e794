// ResponseBuilder (equitas/web/response.hpp): the security headers are on
// every response, whatever its body, and a page's own policy replaces the
// program's.
#include "equitas/web/response.hpp"

#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "temp_dir.hpp"

using namespace equitas;
namespace http = boost::beast::http;

namespace {

constexpr web::ResponseHeaders kProgram{"equitas-test",
                                        "default-src 'none'; frame-ancestors 'none'"};

template <class Fields>
void check_security_headers(const Fields& h) {
  CHECK(h[http::field::cache_control] == "no-store");
  CHECK(h[http::field::pragma] == "no-cache");
  CHECK(h["X-Content-Type-Options"] == "nosniff");
  CHECK(h[http::field::x_frame_options] == "DENY");
  CHECK(h["Referrer-Policy"] == "no-referrer");
  CHECK_FALSE(h["Content-Security-Policy"].empty());
}

}  // namespace

TEST_CASE("a text response carries every security header, the program's policy and name",
          "[web][response]") {
  const auto res = web::ResponseBuilder(kProgram, http::status::ok, 11, true)
                       .type("application/json")
                       .text("{}");
  check_security_headers(res);
  CHECK(res["Content-Security-Policy"] == kProgram.csp);
  CHECK(res[http::field::server] == "equitas-test");
  CHECK(res[http::field::content_type] == "application/json");
  CHECK(res[http::field::content_length] == "2");
  CHECK(res.keep_alive());
  CHECK(res.version() == 11);
  CHECK(res.find(http::field::retry_after) == res.end());
}

TEST_CASE("a page's own policy replaces the program's, and cookies and other headers are added",
          "[web][response]") {
  const auto res =
      web::ResponseBuilder(web::ResponseHeaders{"", kProgram.csp}, http::status::ok, 10, false)
          .type("text/plain")
          .csp(web::kSandboxCsp)
          .cookies({"a=1; HttpOnly", "b=2; HttpOnly"})
          .set(http::field::content_disposition, "attachment")
          .set("X-Equitas-Rows", "3")
          .text("x");
  check_security_headers(res);
  CHECK(res["Content-Security-Policy"] == web::kSandboxCsp);
  CHECK(std::distance(res.equal_range(http::field::set_cookie).first,
                      res.equal_range(http::field::set_cookie).second) == 2);
  CHECK(res[http::field::content_disposition] == "attachment");
  CHECK(res["X-Equitas-Rows"] == "3");
  CHECK(res.find(http::field::server) == res.end());  // a program that names itself nowhere
  CHECK_FALSE(res.keep_alive());
}

TEST_CASE("an error from the status map carries its Retry-After", "[web][response]") {
  const auto busy =
      web::ResponseBuilder(kProgram, web::http_status_for(StatusCode::kUnavailable), 11, true)
          .text("");
  CHECK(busy.result() == http::status::service_unavailable);
  CHECK(busy[http::field::retry_after] == std::to_string(web::kBusyRetryAfter.count()));
  check_security_headers(busy);
  const auto gone =
      web::ResponseBuilder(kProgram, web::http_status_for(StatusCode::kNotFound), 11, true)
          .text("");
  CHECK(gone.find(http::field::retry_after) == gone.end());
}

TEST_CASE("a file response carries the same headers, and its length", "[web][response]") {
  test::TempDir tmp;
  const auto path = tmp.path() / "export.csv";
  std::ofstream(path) << "a,b\n1,2\n";
  http::file_body::value_type file;
  boost::system::error_code ec;
  file.open(path.c_str(), boost::beast::file_mode::scan, ec);
  REQUIRE_FALSE(ec);
  const auto res = web::ResponseBuilder(kProgram, http::status::ok, 11, true)
                       .type("text/csv")
                       .file(std::move(file));
  check_security_headers(res);
  CHECK(res["Content-Security-Policy"] == kProgram.csp);
  CHECK(res[http::field::content_length] == "8");
}
