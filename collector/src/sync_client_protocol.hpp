// The collector's side of one sync session as a state machine, with no
// sockets and no store in it: messages from the server in, and out what to
// send, what to record in the collector store, and when the session has
// failed. The mirror of the server's SyncProtocol
// (sync-server/src/sync_protocol.hpp). Session (sync_client.cpp) moves the
// bytes over the WebSocket and applies the decisions; tests drive it
// directly.
//
//   kStart --start()--> kServerHello (ClientHello sent)
//   kServerHello --ServerHello--> kSecret (NeedSecret) --on_secret()--> kWelcome (ClientAuth sent)
//     (a registered collector sends no secret: the ServerHello gives the ClientAuth at once)
//   kWelcome --Welcome--> kReady (Welcomed: record the registration)
//   kReady --push()--> kAcking (Push sent) --Ack--> kReady (Acked: record the results)
//   kReady --push() with nothing to push--> kReady (Done)
//   kReady --a reply to a request made with seal()--> kReady (Received)
// An Error from the server ends the session with its reason; anything out of
// order, undecodable or unexpected ends it as corruption. Either way the
// step is Failed, the phase kFailed, and every later call fails too.
//
// Only handshake and pushes are decided here. The other exchanges of a
// session (forms, devices, files, assessments, codes) are still run by
// Session, which seals their requests with seal() and reads their replies as
// Received: they share the one secure channel, whose messages must be sealed
// and opened in order.
//
// Not thread-safe: one session, one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include "collector_app.hpp"
#include "equitas/wire/secure_channel.hpp"
#include "equitas/wire/sync_messages.hpp"

namespace equitas::collector {

// The collector's own caps on a Push; the server's Welcome may lower them.
inline constexpr std::size_t kClientMaxBatchItems = 256;
inline constexpr std::size_t kClientMaxBatchBytes = 256 * 1024;

// What an Error from the server means for the person syncing: permission
// denied (revoked, code expired or used), unauthenticated, unavailable (try
// again later) or internal, with the error's name and message.
Status refusal_status(const ErrorMsg& e);

class SyncClientProtocol {
 public:
  // Send these, in order.
  struct Send {
    std::vector<Bytes> messages;
  };
  // The ClientAuth carries the enrollment secret until the server has
  // registered this device: read it from the store and call on_secret().
  struct NeedSecret {};
  // The server admitted this device. When `record_registration`, the
  // enrollment said "not registered": record that it is now (and delete the
  // enrollment secret), in one transaction. `registered_now`: this session
  // completed the enrollment.
  struct Welcomed {
    bool record_registration = false;
    bool registered_now = false;
  };
  // The last Push is acknowledged: record `results` against its items, in
  // the order they were pushed, in one transaction. Then, when
  // `registrations_delivered`, drop the relayed registrations it carried:
  // the server has decided on them.
  struct Acked {
    std::uint64_t batch_seq = 0;
    std::vector<ItemResult> results;
    bool registrations_delivered = false;
  };
  // push() had nothing to push: the outbox is empty (for now).
  struct Done {};
  // The reply to a request sealed with seal(), as it came, an Error
  // included: what an Error means depends on the request.
  struct Received {
    SyncMessage message;
  };
  // The session is over: send nothing more, record nothing more.
  struct Failed {
    Status status;
  };
  using Step = std::variant<Send, NeedSecret, Welcomed, Acked, Done, Received, Failed>;

  // `enrollment` and `key` must outlive this object. `max_batch_items`: the
  // collector's setting (0: as large as the server allows).
  SyncClientProtocol(const Enrollment& enrollment, const SigningKey& key,
                     std::size_t max_batch_items);
  SyncClientProtocol(const SyncClientProtocol&) = delete;
  SyncClientProtocol& operator=(const SyncClientProtocol&) = delete;

  // Send: the ClientHello.
  Step start();
  // What the server sent: the ServerHello (then NeedSecret, or Send with the
  // ClientAuth), the Welcome (Welcomed), an Ack (Acked), or the reply to a
  // request sealed with seal() (Received).
  Step on_message(ByteView msg);
  // The enrollment secret from the store, or null when there is none.
  // Send: the ClientAuth. Failed when the server could not prove it holds
  // the pinned key.
  Step on_secret(const SecretBytes<kEnrollSecretBytes>* secret);
  // The next Push: `envelopes` are the outbox's next pending items, within
  // max_batch_items() and max_batch_bytes(); `registrations`, the relayed
  // registrations not yet delivered, go with the session's first Push only.
  // Send, or Done when there is nothing to push.
  Step push(std::vector<Bytes> envelopes, std::vector<Bytes> registrations);

  // Encrypts a request this object does not decide on (see above); its
  // reply comes back from on_message() as Received. Only once the ClientAuth
  // is sent (requests may go before the Welcome: the server answers in
  // order) and while no Push awaits its Ack.
  template <typename Message>
  Bytes seal(const Message& m) {
    return channel_.seal(encode(m));
  }

  // From the Welcome: what one Push may hold.
  std::size_t max_batch_items() const { return max_items_; }
  std::size_t max_batch_bytes() const { return max_bytes_; }
  bool failed() const { return phase_ == Phase::kFailed; }

 private:
  enum class Phase { kStart, kServerHello, kSecret, kWelcome, kReady, kAcking, kFailed };
  Step fail(Status status);
  // Opens and decodes one channel message.
  Result<SyncMessage> open(ByteView msg);
  Step on_welcome(ByteView msg);
  Step on_ack(ByteView msg);

  const Enrollment& enrollment_;
  const SigningKey& key_;
  const std::size_t max_items_setting_;
  ClientHandshake handshake_;
  SecureChannel channel_;
  Phase phase_ = Phase::kStart;
  Bytes server_hello_;  // kSecret: kept until the secret is read
  std::size_t max_items_ = 1;
  std::size_t max_bytes_ = 1;
  std::uint64_t batch_seq_ = 0;  // the last Push's: 1, 2, 3 ... in a session
  std::size_t batch_items_ = 0;  // envelopes in the last Push
  bool batch_registrations_ = false;
};

}  // namespace equitas::collector
