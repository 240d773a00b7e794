// What every session of one running server shares. Immutable after start,
// apart from the atomic connection count and the Ingestor's own locking.
#pragma once

#include <atomic>
#include <memory>

#include "equitas/crypto/keys.hpp"
#include "equitas/forms/answer_validator.hpp"
#include "ingestor.hpp"
#include "server_store.hpp"

namespace equitas::server {

struct ServerState {
  ServerState(DataDir d, ServerKeys k, ServerStore writer_store,
              std::shared_ptr<const AnswerValidator> v)
      : dir(std::move(d)),
        keys(std::move(k)),
        validator(std::move(v)),
        ingestor(std::move(writer_store)) {}

  const DataDir dir;
  const ServerKeys keys;
  const std::shared_ptr<const AnswerValidator> validator;
  Ingestor ingestor;
  std::atomic<std::size_t> connections{0};
};

// Counts a connection for as long as it lives.
class ConnectionSlot {
 public:
  explicit ConnectionSlot(std::shared_ptr<ServerState> s) : state_(std::move(s)) { ++state_->connections; }
  ~ConnectionSlot() {
    if (state_) --state_->connections;
  }
  ConnectionSlot(ConnectionSlot&&) = default;
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;
  ServerState& state() const { return *state_; }
  const std::shared_ptr<ServerState>& shared() const { return state_; }

 private:
  std::shared_ptr<ServerState> state_;
};

}  // namespace equitas::server
