// The rules for letting a device in and taking an envelope, applied the same
// way on every path that brings data to the server (a WebSocket session
// today; USB bundles and relays use the same functions).
//
// Both run on the Ingestor thread, inside its transaction, so a device that
// is revoked while a batch is in flight cannot slip an envelope past the check.
#pragma once

#include <optional>
#include <string>

#include "equitas/crypto/keys.hpp"
#include "equitas/forms/answer_validator.hpp"
#include "equitas/wire/secure_channel.hpp"
#include "equitas/wire/sync_messages.hpp"
#include "server_store.hpp"

namespace equitas::server {

struct AuthDecision {
  bool ok = false;
  SessionError error = SessionError::kInternal;  // when !ok
  std::string message;                           // for the collector's user
  bool registered_now = false;
  std::string site;
};

// Admits a device whose session signature has verified: an active device
// whose key matches, or a pending one that presents its unexpired
// enrollment secret (which activates it). Store failures come back as a
// Status; the caller must not commit then.
Result<AuthDecision> decide_auth(ServerStore& store, const ClientAuth& auth, std::int64_t now);

// Checks and stores one envelope: structure, device state, signature,
// ownership of the submission id, dedup (an identical copy is a duplicate
// without further work), decryption, payload shape, form validation, store. A bad envelope is
// an ItemResult with kRejected and a reason, never a Status: one bad item must
// not fail its batch. A Status means the store failed.
Result<ItemResult> ingest_envelope(ServerStore& store, const ServerKeys& keys,
                                   const AnswerValidator& validator, ByteView bytes,
                                   const std::optional<DeviceId>& delivered_by, std::int64_t now);

// A whole batch from one session: refuses everything when the delivering
// device is no longer active, else ingest_envelope for each item, in order.
Result<std::vector<ItemResult>> ingest_batch(ServerStore& store, const ServerKeys& keys,
                                             const AnswerValidator& validator,
                                             const std::vector<Bytes>& envelopes,
                                             const std::optional<DeviceId>& delivered_by, std::int64_t now);

}  // namespace equitas::server
