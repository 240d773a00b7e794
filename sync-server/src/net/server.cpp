#include "server.hpp"

#include <sys/resource.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>

#include "admin_api.hpp"
#include "http_session.hpp"
#include "server_log.hpp"

namespace equitas::server {

Result<boost::asio::ip::tcp::endpoint> parse_listen_address(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return Status::invalid_argument("listen address '" + std::string(text) + "' needs HOST:PORT");
  }
  std::string host(text.substr(0, colon));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  const std::string_view port_text = text.substr(colon + 1);
  unsigned port = 0;
  const auto [ptr, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port > 65535) {
    return Status::invalid_argument("'" + std::string(port_text) + "' is not a port number");
  }
  boost::system::error_code addr_ec;
  const auto addr = boost::asio::ip::make_address(host, addr_ec);
  if (addr_ec) return Status::invalid_argument("'" + host + "' is not an IP address");
  return boost::asio::ip::tcp::endpoint(addr, static_cast<unsigned short>(port));
}

Result<std::uint64_t> raise_open_file_limit() {
  rlimit nofile{};
  if (getrlimit(RLIMIT_NOFILE, &nofile) != 0) {
    return Status::internal(std::string("cannot read the open-file limit: ") +
                            std::strerror(errno));
  }
  if (nofile.rlim_cur < nofile.rlim_max) {
    rlimit raised = nofile;
    raised.rlim_cur = nofile.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) != 0) {
      return Status::internal("cannot raise the open-file limit from " +
                              std::to_string(nofile.rlim_cur) + " to " +
                              std::to_string(nofile.rlim_max) + ": " + std::strerror(errno));
    }
    nofile = raised;
  }
  return static_cast<std::uint64_t>(nofile.rlim_cur);
}

Result<std::unique_ptr<Server>> Server::start(const DataDir& dir, ServeOptions options) {
  EQ_ASSIGN_OR_RETURN(auto endpoint, parse_listen_address(options.listen));
  EQ_ASSIGN_OR_RETURN(ServerKeys keys, load_server_keys(dir.keys(), options.unlocker));
  EQ_ASSIGN_OR_RETURN(ServerStore store, ServerStore::open(dir));
  EQ_ASSIGN_OR_RETURN(auto forms, FormRegistry::load(store));

  std::unique_ptr<Server> s(new Server());
  s->state_ = std::make_shared<ServerState>(dir, std::move(keys), std::move(store),
                                            std::move(forms), options.validator, options.limits,
                                            options.trusted_proxies, *options.clock);
  if (options.dashboard) {
    AdminApiOptions admin_options;
    admin_options.public_origins = options.public_origins;
    admin_options.metrics = s->state_->metrics;
    admin_options.clock = options.clock;
    // The state owns the admin API, so it outlives every call of these.
    admin_options.gauges = [state = s->state_.get()] { return state->gauges(); };
    // One writer while serving: a change made on the dashboard (a device
    // revoked, an action updated, an audit line) waits its turn on the
    // Ingestor, in a transaction of its own, on the admin API's thread.
    admin_options.write_path = [state = s->state_.get()](const StoreChange& change) {
      return state->ingestor().run_alone(change);
    };
    EQ_ASSIGN_OR_RETURN(std::shared_ptr<AdminApi> admin, AdminApi::open(dir, admin_options));
    s->state_->attach_admin(std::move(admin), std::make_unique<boost::asio::thread_pool>(1));
  }
  web::ListenerLimits caps;
  caps.max_connections = kMaxConnections;
  caps.accept_backoff = kAcceptBackoff;
  EQ_ASSIGN_OR_RETURN(s->listener_, web::Listener::open(s->ioc_, endpoint, caps));
  s->endpoint_ = s->listener_->local_endpoint();
  s->state_->count_connections_with([listener = std::weak_ptr<web::Listener>(s->listener_)] {
    const auto l = listener.lock();
    return l ? l->open_connections() : 0;
  });
  s->listener_->run(
      [state = s->state_](boost::asio::ip::tcp::socket socket, web::ConnectionLease lease) {
        HttpSession::serve(state, std::move(socket), std::move(lease));
      },
      [state = s->state_](const boost::asio::ip::address&) {
        state->metrics->refused(SessionRefusal::kCapacity);
      });
  unsigned n = options.io_threads != 0 ? options.io_threads
                                       : std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < n; ++i) {
    s->threads_.emplace_back([ioc = &s->ioc_] {
      auto guard = boost::asio::make_work_guard(*ioc);
      for (;;) {
        try {
          ioc->run();
          return;
        } catch (const std::exception& e) {
          // One handler's failure (say, an allocation) must not stop the
          // server; the session it belonged to is simply dropped.
          log::write(log::Level::kError, "handler.failed",
                     std::string("a session handler failed: ") + e.what());
        }
      }
    });
  }
  return s;
}

Server::~Server() { stop(); }

std::string Server::url() const {
  const auto addr = endpoint_.address();
  const std::string host = addr.is_v6() ? "[" + addr.to_string() + "]" : addr.to_string();
  return "ws://" + host + ":" + std::to_string(endpoint_.port());
}

void Server::stop() {
  if (stopped_) return;
  stopped_ = true;
  if (!listener_) return;  // start() failed before anything ran
  listener_->stop();
  // Commits everything queued; each completion posts its ack to a session.
  state_->ingestor().stop();
  // Queued admin calls answer 503 at once: no export is written unsent.
  if (state_->admin) state_->admin->stop();
  // Then every connection is asked to end, on its own strand, where the acks
  // posted above run first: an authenticated session writes what it has
  // queued, then "try again later", and closes; the others are dropped.
  // Each one leaves the registry as its session ends.
  ConnectionRegistry& registry = state_->registry();
  registry.close_all();
  if (!registry.wait_until_empty(std::chrono::steady_clock::now() + kStopDeadline)) {
    log::write(log::Level::kWarning, "server.stop_deadline",
               std::to_string(registry.size()) +
                   " connection(s) still open at the stop deadline are cut off");
  }
  ioc_.stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  // A report still running finishes; its answer is posted to a stopped
  // io_context and dropped.
  if (state_->admin_pool) state_->admin_pool->join();
}

}  // namespace equitas::server
