// The one Status -> HTTP map both programs answer with (equitas/web/http_status.hpp).
#include "equitas/web/http_status.hpp"

#include <boost/beast/http/status.hpp>
#include <catch2/catch.hpp>
#include <map>

using namespace equitas;
namespace http = boost::beast::http;
using std::chrono::seconds;

TEST_CASE("every Status code has one HTTP status, with Retry-After where retrying helps",
          "[web][status]") {
  const std::map<StatusCode, web::HttpStatus> expected = {
      {StatusCode::kOk, {http::status::ok}},
      {StatusCode::kInvalidArgument, {http::status::bad_request}},
      {StatusCode::kNotFound, {http::status::not_found}},
      {StatusCode::kAlreadyExists, {http::status::conflict}},
      {StatusCode::kPermissionDenied, {http::status::forbidden}},
      {StatusCode::kUnauthenticated, {http::status::unauthorized}},
      {StatusCode::kFailedPrecondition, {http::status::conflict}},
      {StatusCode::kCorruption, {http::status::internal_server_error}},
      {StatusCode::kIoError, {http::status::internal_server_error}},
      {StatusCode::kUnavailable, {http::status::service_unavailable, seconds(5)}},
      {StatusCode::kDeadlineExceeded, {http::status::gateway_timeout}},
      {StatusCode::kResourceExhausted, {http::status::service_unavailable, seconds(60)}},
      {StatusCode::kInternal, {http::status::internal_server_error}},
  };
  // A code added to StatusCode fails here until it is pinned above.
  for (int c = static_cast<int>(StatusCode::kOk); c <= static_cast<int>(StatusCode::kInternal);
       ++c) {
    const auto code = static_cast<StatusCode>(c);
    INFO(status_code_name(code));
    REQUIRE(expected.count(code) == 1);
    const web::HttpStatus got = web::http_status_for(code);
    CHECK(got.status == expected.at(code).status);
    CHECK(got.retry_after == expected.at(code).retry_after);
  }
  CHECK(expected.size() == static_cast<std::size_t>(StatusCode::kInternal) + 1);
}

TEST_CASE("only a refusal that may pass by itself asks the client to retry", "[web][status]") {
  for (int c = static_cast<int>(StatusCode::kOk); c <= static_cast<int>(StatusCode::kInternal);
       ++c) {
    const web::HttpStatus got = web::http_status_for(static_cast<StatusCode>(c));
    INFO(status_code_name(static_cast<StatusCode>(c)));
    CHECK((got.retry_after.count() > 0) == (got.status == http::status::service_unavailable));
  }
}
