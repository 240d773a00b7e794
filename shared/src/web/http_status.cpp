#include "equitas/web/http_status.hpp"

namespace equitas::web {

namespace http = boost::beast::http;

HttpStatus http_status_for(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return {http::status::ok};
    case StatusCode::kInvalidArgument:
      return {http::status::bad_request};
    case StatusCode::kNotFound:
      return {http::status::not_found};
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition:
      return {http::status::conflict};
    case StatusCode::kPermissionDenied:
      return {http::status::forbidden};
    case StatusCode::kUnauthenticated:
      return {http::status::unauthorized};
    case StatusCode::kUnavailable:
      return {http::status::service_unavailable, kBusyRetryAfter};
    case StatusCode::kResourceExhausted:
      return {http::status::service_unavailable, kFullRetryAfter};
    case StatusCode::kDeadlineExceeded:
      return {http::status::gateway_timeout};
    case StatusCode::kCorruption:
    case StatusCode::kIoError:
    case StatusCode::kInternal:
      break;
  }
  return {http::status::internal_server_error};
}

}  // namespace equitas::web
