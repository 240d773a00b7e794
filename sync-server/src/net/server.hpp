// A running sync server: the keys, the writer, a listener and a pool of I/O
// threads. Used by `sync-server serve` and, in-process, by the tests.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "equitas/forms/answer_validator.hpp"
#include "equitas/web/listener.hpp"
#include "limits.hpp"
#include "server_state.hpp"

namespace equitas::server {

struct ServeOptions {
  std::string listen = "127.0.0.1:8443";  // "HOST:PORT"; port 0 picks a free one
  unsigned io_threads = 0;                // 0: one per core
  // Null (always, in production): the bundled and published forms.
  std::shared_ptr<const AnswerValidator> validator;
  // The defaults from limits.hpp (always, in production); tests shorten them.
  SessionLimits limits;
  // Where sessions and the admin API read the time (the system clock, in
  // production); must outlive the server. Tests give a ManualClock.
  const Clock* clock = &SystemClock::instance();
  // Opens server.key: the passphrase `serve` was given, if any.
  KeyUnlocker unlocker;
  // The dashboard at "/" and the admin API under /api/v1/ (admin_api.hpp).
  bool dashboard = true;
  // Origins browsers use beyond the listen address (AdminApiOptions).
  std::vector<std::string> public_origins;
  // Proxies (nginx on this host, say) whose X-Forwarded-For the dashboard
  // and admin API believe: a request from one of these counts against, and
  // is audited under, the address the proxy says it came from.
  std::vector<boost::asio::ip::address> trusted_proxies;
};

// "127.0.0.1:8443", "[::1]:8443", "0.0.0.0:0".
Result<boost::asio::ip::tcp::endpoint> parse_listen_address(std::string_view text);

// Raises this process's soft RLIMIT_NOFILE to its hard limit and returns
// the new soft limit. Each connection costs a descriptor; at the usual soft
// limit of 1,024, 17 addresses at kMaxUnauthenticatedPerIp would exhaust
// them long before kMaxUnauthenticated, and accept() would fail for every
// collector. `sync-server serve` calls it once, before listening.
Result<std::uint64_t> raise_open_file_limit();

class Server {
 public:
  static Result<std::unique_ptr<Server>> start(const DataDir& dir, ServeOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  boost::asio::ip::tcp::endpoint endpoint() const { return endpoint_; }
  std::string url() const;  // ws://HOST:PORT
  // Stops accepting, lets every queued batch commit, then closes every
  // connection through the registry (an authenticated session once its acks
  // are out) and waits for them to end, for at most kStopDeadline; then
  // stops the I/O threads. Safe to call more than once; not from an I/O
  // thread.
  void stop();

 private:
  Server() = default;
  boost::asio::io_context ioc_;
  std::shared_ptr<ServerState> state_;
  std::shared_ptr<web::Listener> listener_;
  boost::asio::ip::tcp::endpoint endpoint_;
  std::vector<std::thread> threads_;
  bool stopped_ = false;
};

}  // namespace equitas::server
