// How a Status reaches an HTTP client: one map for both programs, the
// collector's page and API and the sync server's dashboard and admin API.
//
// Each code, and why:
//   kOk                  200
//   kInvalidArgument     400  the request itself is wrong
//   kNotFound            404
//   kAlreadyExists       409  a conflict: what the request creates is there
//                             already, and sending it again will not help.
//                             (The collector used to answer 500: its store
//                             reports a broken SQLite constraint as this
//                             code, and it still shows such messages only
//                             in plain words, never SQLite's.)
//   kPermissionDenied    403  known, but not allowed
//   kUnauthenticated     401  who is asking is not proven
//   kFailedPrecondition  409  a conflict with the state things are in (not
//                             enrolled yet, say); once that changes, the
//                             same request may pass
//   kCorruption          500
//   kIoError             500
//   kUnavailable         503, Retry-After: kBusyRetryAfter. A busy store
//                             (SQLITE_BUSY) or a stopping server: the same
//                             request may pass in a moment. (Both programs
//                             used to answer 500, which tells a script the
//                             request is broken.)
//   kDeadlineExceeded    504  a peer we waited for took too long
//   kResourceExhausted   503, Retry-After: kFullRetryAfter. A full disk or
//                             store: nothing is wrong with the request, and
//                             it passes once room is made. (The collector
//                             answered 503, the server 500.) A program's own
//                             quota with a better answer says so before it
//                             asks this map (the collector's draft too
//                             large: 413; a client's rate limit: 429).
//   kInternal            500
// tests/shared/http_status_test.cpp pins every one.
#pragma once

#include <boost/beast/http/status.hpp>
#include <chrono>

#include "equitas/status/status.hpp"

namespace equitas::web {

// How long a client should wait before it sends the same request again.
inline constexpr std::chrono::seconds kBusyRetryAfter{5};
inline constexpr std::chrono::seconds kFullRetryAfter{60};

struct HttpStatus {
  boost::beast::http::status status;
  // Retry-After for this answer; zero: the header is not sent.
  std::chrono::seconds retry_after{0};
};

HttpStatus http_status_for(StatusCode code);

}  // namespace equitas::web
