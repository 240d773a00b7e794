// What every session of one running server shares. Immutable after start,
// apart from the atomic connection count and the Ingestor's own locking.
#pragma once

#include <atomic>
#include <memory>

#include "equitas/crypto/keys.hpp"
#include "equitas/forms/answer_validator.hpp"
#include "form_registry.hpp"
#include "ingestor.hpp"
#include "server_store.hpp"

namespace equitas::server {

struct ServerState {
  ServerState(DataDir d, ServerKeys k, ServerStore writer_store, std::unique_ptr<FormRegistry> f,
              std::shared_ptr<const AnswerValidator> v)
      : dir(std::move(d)),
        keys(std::move(k)),
        validator_override(std::move(v)),
        forms(std::move(f)),
        ingestor(std::move(writer_store)) {}

  // The validator for ingest: the form registry, unless the embedding
  // program supplied its own. Writer thread only.
  const AnswerValidator& validator() const {
    return validator_override ? *validator_override : static_cast<const AnswerValidator&>(*forms);
  }

  const DataDir dir;
  const ServerKeys keys;
  const std::shared_ptr<const AnswerValidator> validator_override;
  const std::unique_ptr<FormRegistry> forms;  // writer thread only
  Ingestor ingestor;
  std::atomic<std::size_t> connections{0};
  std::atomic<std::size_t> unauthenticated{0};  // connections not yet past ClientAuth
};

// Counts a connection for as long as it lives, and as unauthenticated until
// mark_authenticated().
class ConnectionSlot {
 public:
  explicit ConnectionSlot(std::shared_ptr<ServerState> s) : state_(std::move(s)) {
    ++state_->connections;
    ++state_->unauthenticated;
  }
  ~ConnectionSlot() {
    if (!state_) return;
    --state_->connections;
    if (!authenticated_) --state_->unauthenticated;
  }
  ConnectionSlot(ConnectionSlot&& o) noexcept
      : state_(std::move(o.state_)), authenticated_(o.authenticated_) {}
  void mark_authenticated() {
    if (!authenticated_) --state_->unauthenticated;
    authenticated_ = true;
  }
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;
  ServerState& state() const { return *state_; }
  const std::shared_ptr<ServerState>& shared() const { return state_; }

 private:
  std::shared_ptr<ServerState> state_;
  bool authenticated_ = false;
};

}  // namespace equitas::server
