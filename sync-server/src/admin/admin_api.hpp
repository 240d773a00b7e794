// The dashboard and the admin API that `sync-server serve` answers beside
// /sync: the pages at "/" and JSON under "/api/v1/" (docs/api.md).
//
// AdminApi turns a request into a response and holds no socket, like the
// collector's WebApi: http_session.cpp feeds it on a thread of its own (a
// report over a million responses must not stall sync sessions), and tests
// call it directly too. Every use case goes through its own ServerApp
// (app/server_app.hpp), on a database connection of its own: reads see
// committed data only and never block ingest (WAL). Its few writes (audit
// lines, a revocation) take SQLite's one write lock for a moment, so ingest
// can wait behind one of those, as it can behind a CLI command.
//
// Security, in short (docs/security.md has the reasons):
// - every API call needs an admin token, as `Authorization: Bearer TOKEN`
//   (scripts, R, curl) or through a session the dashboard opened with one
//   (an HttpOnly, SameSite=Strict cookie; idle and absolute timeouts);
// - a missing or wrong token gets 401 and an audit-log line; repeated
//   failures from one address get 429 for a while, without another look at
//   any token it sends;
// - a state-changing call whose Origin is not this server gets 403;
// - logins, reports, exports, file downloads, revocations and audit-log
//   reads are audited, with the token's label as the actor;
// - pages load only what this binary serves (strict CSP, no outside request).
#pragma once

#include <atomic>
#include <boost/beast/http.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "equitas/util/thread_annotations.hpp"
#include "equitas/web/response.hpp"
#include "form_registry.hpp"
#include "metrics.hpp"
#include "server_app.hpp"
#include "server_store.hpp"

namespace equitas::server {

namespace http = boost::beast::http;
using AdminRequest = http::request<http::string_body>;

// On every response of the server (equitas/web/response.hpp, the health
// check and the refusals of http_session.cpp included): its name, and the
// dashboard's policy, under which a page may load only what this binary
// serves and nothing may frame it.
inline constexpr std::string_view kDashboardCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
inline constexpr web::ResponseHeaders kResponseHeaders{"equitas-sync-server", kDashboardCsp};

// A JSON answer or a page (`text`), or a download (`file`, and then `text`
// is unused): a file opened and already unlinked, so nothing of it stays
// on disk once it is sent.
struct AdminResponse {
  http::response<http::string_body> text;
  std::optional<http::response<http::file_body>> file;
};

struct AdminApiOptions {
  std::chrono::seconds session_idle{std::chrono::minutes(30)};
  std::chrono::seconds session_max{std::chrono::hours(12)};
  // Failed sign-ins from one address before it gets 429, and for how long.
  int max_failures = 10;
  std::chrono::seconds failure_window{std::chrono::minutes(10)};
  // Addresses whose failures are counted one by one; beyond that, those not
  // tracked share one count (and one throttle).
  std::size_t max_tracked_addresses = 10000;
  // Where browsers reach the dashboard besides the listen address, e.g.
  // "https://results.customs.example" behind a TLS proxy (serve
  // --public-origin). Host names not listed here are refused (421); IP
  // literals and localhost always answer.
  std::vector<std::string> public_origins;
  // The running server's metrics: GET /metrics renders them (with a token;
  // loopback needs none, http_session.cpp answers it first) and reports and
  // exports are timed into them. Null: /metrics is 404.
  std::shared_ptr<Metrics> metrics;
  std::function<MetricGauges()> gauges;
  // Where sessions, throttles and reports read the time; must outlive the
  // API. Tests give a ManualClock.
  const Clock* clock = &SystemClock::instance();
  // Where its changes and audit lines are written (ServerAppOptions). Inside
  // serve, the server's single writer; empty, as in tests: its own connection.
  WritePath write_path = nullptr;
};

class AdminApi {
 public:
  static Result<std::unique_ptr<AdminApi>> open(const DataDir& dir, AdminApiOptions options = {});
  ~AdminApi();

  // True for the targets this serves: "/", its assets, "/api/v1/...",
  // "/metrics".
  static bool serves(std::string_view target);
  // Thread-safe (one call at a time). `peer` is the client's address, for
  // the audit log and the failure count.
  AdminResponse handle(const AdminRequest& req, const std::string& peer);
  // From now on every call gets 503 at once: the server is shutting down.
  void stop() { stopping_ = true; }

 private:
  struct Call;
  struct Session {
    std::string actor;
    Role role = Role::kViewer;
    std::int64_t token_id = 0;  // a session ends when its token is revoked
    std::int64_t created = 0, last_used = 0;
  };
  struct Credential {
    enum Kind { kNone, kWrong, kGood } kind = kNone;
    std::string actor;
    Role role = Role::kViewer;
  };
  static constexpr const char* kOverflowPeers = "(untracked addresses)";
  struct Failures {
    int count = 0;
    std::int64_t since = 0;
  };

  AdminApi(DataDir dir, ServerApp app, std::unique_ptr<FormRegistry> forms,
           AdminApiOptions options);
  // A security event's audit line; a failure to write it is logged, and the
  // call's answer stays what it was.
  void record(const Actor& actor, std::string_view action, std::string_view detail)
      EQ_REQUIRES(mu_);

  AdminResponse route(Call& call) EQ_REQUIRES(mu_);
  // 403, audited, unless the caller's role reaches `needed`.
  std::optional<AdminResponse> refuse_unless(Call& call, Role needed, std::string_view what)
      EQ_REQUIRES(mu_);
  Credential authenticate(Call& call) EQ_REQUIRES(mu_);
  bool host_allowed(std::string_view host) const;
  bool origin_allowed(std::string_view origin, std::string_view host) const;
  static std::string failure_key(const std::string& peer);
  bool throttled(const std::string& peer, std::int64_t now) EQ_REQUIRES(mu_);
  // The address's failures in its window, this one included.
  int count_failure(const std::string& peer, std::int64_t now) EQ_REQUIRES(mu_);
  // A wrong token from `peer`: counted, and audited as `action` on the
  // address's first failure in its window, then once more (api.throttled)
  // when it reaches the limit.
  void wrong_token(const std::string& peer, std::int64_t now, std::string_view action,
                   std::string_view detail) EQ_REQUIRES(mu_);
  std::string session_key(std::string_view cookie) const;

  AdminResponse login(Call& call) EQ_REQUIRES(mu_);
  AdminResponse logout(Call& call) EQ_REQUIRES(mu_);
  AdminResponse whoami(Call& call);
  AdminResponse overview(Call& call) EQ_REQUIRES(mu_);
  AdminResponse forms_list(Call& call) EQ_REQUIRES(mu_);
  AdminResponse devices(Call& call) EQ_REQUIRES(mu_);
  AdminResponse revoke_device(Call& call, std::string_view id) EQ_REQUIRES(mu_);
  AdminResponse rounds(Call& call) EQ_REQUIRES(mu_);
  AdminResponse report(Call& call, std::string_view form) EQ_REQUIRES(mu_);
  AdminResponse download(Call& call, std::string_view form) EQ_REQUIRES(mu_);
  AdminResponse audit_log(Call& call) EQ_REQUIRES(mu_);
  // Team assessments (docs/assessments.md): the list, and one's printable
  // report (assessment_report.hpp). Organisational ratings: any role.
  AdminResponse assessments(Call& call) EQ_REQUIRES(mu_);
  AdminResponse assessment_report(Call& call, std::string_view id) EQ_REQUIRES(mu_);
  // A file a response names (issue 18), decrypted and checked, as an
  // attachment; audited as file.download.
  AdminResponse serve_file(Call& call, std::string_view sha256_hex) EQ_REQUIRES(mu_);
  AdminResponse action_plan(Call& call) EQ_REQUIRES(mu_);
  AdminResponse update_action(Call& call, std::string_view id) EQ_REQUIRES(mu_);

  std::atomic<bool> stopping_{false};
  // Held for the whole of each call (handle): one at a time.
  Mutex mu_;
  DataDir dir_;
  ServerApp app_ EQ_GUARDED_BY(mu_);
  std::unique_ptr<FormRegistry> forms_ EQ_GUARDED_BY(mu_);
  AdminApiOptions options_;
  std::map<std::string, Session> sessions_ EQ_GUARDED_BY(mu_);   // by a hash of the cookie
  std::map<std::string, Failures> failures_ EQ_GUARDED_BY(mu_);  // by peer address
};

}  // namespace equitas::server
