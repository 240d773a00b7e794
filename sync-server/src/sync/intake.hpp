// The rules for letting a device in and taking an envelope, applied the same
// way on every path that brings data to the server (a WebSocket session
// today; USB bundles and relays use the same functions).
//
// decide_auth and ingest_* run on the Ingestor thread, inside its
// transaction, so a device that is revoked while a batch is in flight cannot
// slip an envelope past the check. prepare_envelope does the expensive part
// of ingest_envelope (signature, sealed box, payload, form) beforehand, on
// any thread, with no database: the writer then only re-checks the device
// and runs SQL.
#pragma once

#include <optional>
#include <string>

#include "equitas/crypto/keys.hpp"
#include "equitas/forms/answer_validator.hpp"
#include "equitas/wire/secure_channel.hpp"
#include "equitas/wire/sync_messages.hpp"
#include "server_store.hpp"

namespace equitas::server {

class FormSnapshot;

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

// Completes a device's enrollment from a registration document
// (registration.hpp) that came without a session: in a USB bundle, or
// relayed by another collector. Same rules as decide_auth's first contact
// (current secret, unexpired code, device still pending); a device already
// active with the same key is admitted again without change. The secret
// never leaves this function. Store failures come back as a Status.
struct OfflineRegistrationOptions {
  std::string actor = "cli";  // for the audit line
  std::string via = "bundle";
  // The administrator importing a bundle by hand may vouch for a code that
  // expired while the bundle travelled; audited as such.
  bool accept_expired_code = false;
  // A bundle's registration must be its own device's.
  std::optional<DeviceId> expected_device;
};
Result<AuthDecision> register_offline(ServerStore& store, const ServerKeys& keys, ByteView document,
                                      std::int64_t now, const OfflineRegistrationOptions& options);

// The signed list of devices a relay may carry for (device_list.hpp): every
// active device with its key and every pending one; `unchanged` when the
// collector's copy (by digest) is current.
Result<DevicesUpdate> relay_device_list(ServerStore& store, const ServerKeys& keys,
                                        const std::optional<std::array<std::uint8_t, 32>>& known,
                                        std::int64_t now);

// The work of ingest_envelope that needs no database, done ahead of the
// writer. `ready` only when every check passed for an envelope of `device`
// (the session's own device) whose signature verifies with `device_key` (the
// key the session proved): the writer then checks that this is still the
// device's registered key and that the device is active, and trusts the
// rest. In every other case (a relayed envelope, any failure) the writer
// runs all the checks itself, so the answer and its wording never depend on
// this step.
struct PreparedEnvelope {
  bool ready = false;
  Envelope envelope;
  SignPublicKey verified_with{};
  ResponsePayload payload;  // validated, calculations included
};
PreparedEnvelope prepare_envelope(const ServerKeys& keys, const FormSnapshot& forms,
                                  const AnswerValidator& validator, ByteView bytes,
                                  const DeviceId& device, const SignPublicKey& device_key);

// Checks and stores one envelope: structure, device state, signature,
// ownership of the submission id, dedup (an identical copy is a duplicate
// without further work), decryption, payload shape, form validation, store. A bad envelope is
// an ItemResult with kRejected and a reason, never a Status: one bad item must
// not fail its batch. A Status means the store failed.
// `forms` gives v2 payload layouts (when null: those of `validator` if it is
// a FormRegistry or FormSnapshot; otherwise a v2 payload is UnknownForm).
// `prepared`, when given and ready, stands in for the signature check and
// everything after dedup.
Result<ItemResult> ingest_envelope(ServerStore& store, const ServerKeys& keys,
                                   const AnswerValidator& validator, ByteView bytes,
                                   const std::optional<DeviceId>& delivered_by, std::int64_t now,
                                   const FormSnapshot* forms = nullptr,
                                   PreparedEnvelope* prepared = nullptr);

// A whole batch from one session: refuses everything when the delivering
// device is no longer active, else ingest_envelope for each item, in order.
// `prepared`, when given, has one entry per envelope.
Result<std::vector<ItemResult>> ingest_batch(ServerStore& store, const ServerKeys& keys,
                                             const AnswerValidator& validator,
                                             const std::vector<Bytes>& envelopes,
                                             const std::optional<DeviceId>& delivered_by,
                                             std::int64_t now, const FormSnapshot* forms = nullptr,
                                             std::vector<PreparedEnvelope>* prepared = nullptr);

}  // namespace equitas::server
