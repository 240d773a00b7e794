// What every session of one running server shares. Immutable after start,
// apart from the atomic connection counts, the registry's and the Ingestor's
// own locking, and the gauges' database (guarded by its mutex).
#pragma once

#include <atomic>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <memory>
#include <optional>

#include "connection_registry.hpp"
#include "equitas/crypto/keys.hpp"
#include "equitas/forms/answer_validator.hpp"
#include "equitas/util/clock.hpp"
#include "equitas/util/thread_annotations.hpp"
#include "equitas/web/listener.hpp"
#include "file_store.hpp"
#include "form_registry.hpp"
#include "ingestor.hpp"
#include "limits.hpp"
#include "metrics.hpp"
#include "server_store.hpp"

namespace equitas::server {

class AdminApi;

class ServerState {
 public:
  // `validator` null (always, in production): the form registry validates.
  ServerState(DataDir dir, ServerKeys keys, ServerStore writer_store,
              std::unique_ptr<FormRegistry> forms, std::shared_ptr<const AnswerValidator> validator,
              SessionLimits limits, std::vector<boost::asio::ip::address> trusted_proxies,
              const Clock& clock)
      : dir_(std::move(dir)),
        keys_(std::move(keys)),
        validator_override_(std::move(validator)),
        forms_(std::move(forms)),
        ingestor_(std::move(writer_store)),
        files_(dir_.root / "files"),
        limits_(limits),
        trusted_proxies_(std::move(trusted_proxies)),
        clock_(clock) {}
  ServerState(const ServerState&) = delete;
  ServerState& operator=(const ServerState&) = delete;

  // The dashboard and admin API (admin_api.hpp), and the one thread they
  // run on. Before the listener starts; without it they are null.
  void attach_admin(std::shared_ptr<AdminApi> api, std::unique_ptr<boost::asio::thread_pool> pool) {
    admin_ = std::move(api);
    admin_pool_ = std::move(pool);
  }

  // Read-only after start, any thread. HttpSession and Listener read these
  // five by name, as when they were public fields.
  const SessionLimits& limits = limits_;
  const std::vector<boost::asio::ip::address>& trusted_proxies = trusted_proxies_;  // ServeOptions
  // What GET /metrics reports; the admin API times reports and exports in it.
  const std::shared_ptr<Metrics>& metrics = metrics_;
  const std::shared_ptr<AdminApi>& admin = admin_;
  const std::unique_ptr<boost::asio::thread_pool>& admin_pool = admin_pool_;

  const DataDir& dir() const { return dir_; }
  const ServerKeys& keys() const { return keys_; }
  // The validator for ingest: the form registry, unless the embedding
  // program supplied its own. Any thread.
  const AnswerValidator& validator() const {
    return validator_override_ ? *validator_override_
                               : static_cast<const AnswerValidator&>(*forms_);
  }
  // The same, for checks against one snapshot of the forms.
  const AnswerValidator& validator_for(const FormSnapshot& forms) const {
    return validator_override_ ? *validator_override_ : static_cast<const AnswerValidator&>(forms);
  }
  // snapshot() on any thread; refresh() on the writer thread only.
  FormRegistry& forms() { return *forms_; }
  Ingestor& ingestor() { return ingestor_; }
  // Files in transfer and held (file_store.hpp); used on the writer only.
  FileStore& files() { return files_; }
  // What sessions ask the time (ServeOptions::clock). Any thread.
  const Clock& clock() const { return clock_; }
  // Open connections, as the listener counts them. Server::start sets it
  // before the listener starts; any thread reads it.
  void count_connections_with(std::function<std::size_t()> open_connections) {
    open_connections_ = std::move(open_connections);
  }
  // Per-IP unauthenticated counts, each device's live session, and every
  // connection, for Server::stop.
  ConnectionRegistry& registry() { return registry_; }
  // Identifies a WebSocket session in the registry (0 is never used).
  std::uint64_t new_session_token() { return next_session_token_.fetch_add(1); }
  // Sessions past ClientAuth and not yet closed, for /metrics.
  void sync_session_opened() { ++sync_sessions_; }
  void sync_session_closed() { --sync_sessions_; }

  // The levels /metrics reads at scrape time. Any thread.
  MetricGauges gauges() {
    MetricGauges g;
    g.connections = open_connections_ ? open_connections_() : 0;
    g.unauthenticated = unauthenticated_.load();
    g.sync_sessions = sync_sessions_.load();
    g.writer_queue = ingestor_.queue_depth();
    // The files held, from the database: one small read (file_blobs has a
    // row per file), on a read-only connection of its own, opened at the
    // first scrape and shared by the threads that scrape, one at a time.
    MutexLock lock(&gauges_mu_);
    if (!gauges_db_) {
      Database::Options ro;
      ro.read_only = true;
      if (auto db = Database::open(dir_.db(), ro); db.is_ok())
        gauges_db_.emplace(std::move(db).value());
    }
    if (gauges_db_) {
      if (auto t = FileStore::totals(*gauges_db_); t.is_ok()) {
        g.files_held = static_cast<std::uint64_t>(t->files);
        g.file_bytes_held = static_cast<std::uint64_t>(t->bytes);
      }
    }
    return g;
  }

 private:
  friend class ConnectionSlot;  // counts unauthenticated_

  const DataDir dir_;
  const ServerKeys keys_;
  const std::shared_ptr<const AnswerValidator> validator_override_;
  const std::unique_ptr<FormRegistry> forms_;
  Ingestor ingestor_;
  FileStore files_;
  std::function<std::size_t()> open_connections_;
  std::atomic<std::size_t> unauthenticated_{0};  // connections not yet past ClientAuth
  ConnectionRegistry registry_;
  const SessionLimits limits_;
  const std::vector<boost::asio::ip::address> trusted_proxies_;
  const Clock& clock_;
  std::shared_ptr<AdminApi> admin_;
  std::unique_ptr<boost::asio::thread_pool> admin_pool_;
  std::atomic<std::uint64_t> next_session_token_{1};
  const std::shared_ptr<Metrics> metrics_ = std::make_shared<Metrics>();
  std::atomic<std::size_t> sync_sessions_{0};  // authenticated, not yet closed
  Mutex gauges_mu_;
  std::optional<Database> gauges_db_ EQ_GUARDED_BY(gauges_mu_);
};

// Holds a connection's lease from the listener (which counts it against
// kMaxConnections) and registers it, for as long as it lives; and counts it
// as unauthenticated (in total and for its peer's address budget) until
// mark_authenticated().
class ConnectionSlot {
 public:
  // A slot for the connection `lease` counts, or nullopt when its address
  // budget has no room for another unauthenticated one. When the
  // unauthenticated pool is full, the slot is still given and an older
  // unauthenticated connection is evicted instead (limits.hpp,
  // kMaxUnauthenticated). The listener calls it on its strand, one accept at
  // a time.
  static std::optional<ConnectionSlot> open(std::shared_ptr<ServerState> s,
                                            web::ConnectionLease lease) {
    const auto ticket =
        s->registry().try_add_unauthenticated(lease.peer(), s->limits.max_unauthenticated_per_ip);
    if (!ticket) return std::nullopt;
    if (s->unauthenticated_.load() >= s->limits.max_unauthenticated) {
      if (s->registry().evict_one()) s->metrics->refused(SessionRefusal::kEvicted);
    }
    return ConnectionSlot(std::move(s), *ticket, std::move(lease));
  }
  ~ConnectionSlot() {
    if (!state_) return;
    if (!authenticated_) --state_->unauthenticated_;
    state_->registry().remove(ticket_);
  }
  ConnectionSlot(ConnectionSlot&& o) noexcept
      : state_(std::move(o.state_)),
        ticket_(o.ticket_),
        authenticated_(o.authenticated_),
        lease_(std::move(o.lease_)) {}
  void mark_authenticated() {
    if (authenticated_) return;
    --state_->unauthenticated_;
    state_->registry().mark_authenticated(ticket_);
    authenticated_ = true;
  }
  // How to close this connection if it is evicted while unauthenticated, or
  // when the server stops (ConnectionRegistry::close_all): called on the
  // listener's strand or the session's; it must post to the session's own.
  void on_evict(std::function<void()> evict) {
    state_->registry().set_evictor(ticket_, std::move(evict));
  }
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;
  ServerState& state() const { return *state_; }
  const std::shared_ptr<ServerState>& shared() const { return state_; }

 private:
  ConnectionSlot(std::shared_ptr<ServerState> s, std::uint64_t ticket, web::ConnectionLease lease)
      : state_(std::move(s)), ticket_(ticket), lease_(std::move(lease)) {
    ++state_->unauthenticated_;
  }

  std::shared_ptr<ServerState> state_;
  std::uint64_t ticket_ = 0;  // in state_->registry()
  bool authenticated_ = false;
  web::ConnectionLease lease_;
};

}  // namespace equitas::server
