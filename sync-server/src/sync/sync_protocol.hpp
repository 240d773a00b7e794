// The server's side of one sync session as a state machine, with no sockets
// in it: bytes in, bytes out, and two requests for work that must happen on
// the Ingestor (deciding on a device, storing a batch). WebSocketSession
// shuttles messages between it and the network; tests and fuzzers drive it
// directly.
//
//   kHello --ClientHello--> kAuth --ClientAuth--> kDeciding --ok--> kReady
//   kReady --Push--> kStoring --stored--> kReady (Ack sent)
//   kReady --FormsRequest--> kStoring --read--> kReady (FormsUpdate sent)
//   kReady --DevicesRequest--> kStoring --read--> kReady (DevicesUpdate sent)
//   kReady --AssessmentsRequest--> kStoring --read--> kReady (AssessmentsUpdate sent)
//   kReady --CodesRequest--> kStoring --read--> kReady (CodesUpdate sent)
//   kReady --FilesOffer--> kStoring --read--> kReady (FilesWanted sent)
//   kReady --FileChunk--> kStoring --stored--> kReady (FileAck sent)
// Anything out of order, undecodable or unauthenticated ends the session.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "equitas/crypto/keys.hpp"
#include "equitas/util/clock.hpp"
#include "equitas/wire/secure_channel.hpp"
#include "equitas/wire/sync_messages.hpp"
#include "intake.hpp"

namespace equitas::server {

// WebSocket close codes the server uses (RFC 6455, section 7.4.1).
inline constexpr std::uint16_t kCloseNormal = 1000;
inline constexpr std::uint16_t kCloseProtocolError = 1002;
inline constexpr std::uint16_t kClosePolicy = 1008;
inline constexpr std::uint16_t kCloseInternal = 1011;
inline constexpr std::uint16_t kCloseTryAgainLater = 1013;

class SyncProtocol {
 public:
  struct Reply {
    std::vector<Bytes> messages;  // send these, in order
    bool close = false;           // then close the connection
    std::uint16_t close_code = kCloseNormal;
    std::string close_reason;  // sent in clear: never sensitive
  };
  struct NeedAuth {
    ClientAuth auth;
  };
  struct NeedIngest {
    std::uint64_t batch_seq = 0;
    std::vector<Bytes> envelopes;
    std::vector<Bytes> registrations;  // relayed; see Push
  };
  struct NeedForms {
    std::vector<FormRef> known;
  };
  struct NeedDevices {
    std::optional<std::array<std::uint8_t, 32>> known;  // the collector's list digest
  };
  struct NeedAssessments {
    std::vector<AssessmentRef> known;
  };
  struct NeedCodes {
    std::vector<std::array<std::uint8_t, 16>> known;  // batch ids the collector holds
  };
  struct NeedFiles {
    FilesOffer offer;
  };
  struct NeedChunk {
    FileChunk chunk;
  };
  using Step = std::variant<Reply, NeedAuth, NeedIngest, NeedForms, NeedDevices, NeedAssessments,
                            NeedCodes, NeedFiles, NeedChunk>;

  // `keys` and `clock` (the Welcome's server_time) must outlive the session.
  SyncProtocol(const ServerKeys& keys, const Clock& clock)
      : keys_(keys), clock_(clock), handshake_(keys) {}

  Step on_message(ByteView msg);
  Reply on_auth_decided(const Result<AuthDecision>& decision);
  Reply on_ingested(std::uint64_t batch_seq, const Status& committed,
                    const std::vector<ItemResult>& results);
  // The publications the collector lacks, as one FormsUpdate (the rest
  // flagged `more`).
  Reply on_forms(const Status& read, const std::vector<FormPublication>& missing);
  // The signed device list, or `unchanged` (read on the Ingestor).
  Reply on_devices(const Status& read, DevicesUpdate update);
  // The assessments that changed (views as JSON text), as one
  // AssessmentsUpdate (the rest flagged `more`).
  Reply on_assessments(const Status& read, const std::vector<std::string>& changed);
  // The response code batches the collector lacks (encoded, signed), as
  // one CodesUpdate; `more` when some were left for the next request.
  Reply on_codes(const Status& read, std::vector<Bytes> batches, bool more);
  // What the server wants of the offered files (file_store.hpp).
  Reply on_files(const Status& read, FilesWanted wanted);
  // One chunk handled: stored, refused, or not stored for now. A failed
  // read is not acknowledged: the session ends and the collector resumes.
  Reply on_chunk(const Status& done, const FileAck& ack);
  // The server is stopping: what the next request would be told (Error 7,
  // close 1013: try again later), said without waiting for it. For a
  // session between requests, its replies all sent.
  Reply on_stopping();

  // The session negotiated file pieces (file_transfer.hpp): FileChunk may
  // carry an offset, and FilesWanted and FileAck may name one.
  void set_file_pieces(bool on) { pieces_ = on; }
  // The collector reads definitions up to kMaxFormDefinitionBytes; else
  // larger ones are left out of its forms updates.
  void set_large_forms(bool on) { large_forms_ = on; }
  bool file_pieces() const { return pieces_; }

  bool authenticated() const { return phase_ == Phase::kReady || phase_ == Phase::kStoring; }
  const std::optional<DeviceId>& device() const { return device_; }
  // The key the admitted device proved in its handshake: its registered
  // key at the time of admission.
  const SignPublicKey& device_key() const { return claimed_key_; }

 private:
  enum class Phase { kHello, kAuth, kDeciding, kReady, kStoring, kClosed };
  Reply fail(SessionError code, std::string message, std::uint16_t close_code);
  // What each storage step's completion checks first: that `marker` is
  // the step outstanding (else `unexpected`) and that `done` succeeded
  // (else `unavailable`, try again later). The failure's reply, or none
  // and the session ready again.
  std::optional<Reply> check_stored(std::uint64_t marker, const Status& done,
                                    const char* unexpected, const char* unavailable);
  // A reply of one message, sealed.
  Reply reply_with(const Bytes& message);
  Step on_session_message(ByteView msg);

  const ServerKeys& keys_;
  const Clock& clock_;
  ServerHandshake handshake_;
  SecureChannel channel_;
  Phase phase_ = Phase::kHello;
  DeviceId claimed_device_;         // from ClientAuth, before the decision
  SignPublicKey claimed_key_{};     // likewise
  std::optional<DeviceId> device_;  // once admitted
  std::uint64_t pending_batch_ = 0;
  bool pieces_ = false;
  bool large_forms_ = false;
  // pending_batch_ while a forms request is outstanding (never a batch number
  // a collector uses: it counts up from 1).
  static constexpr std::uint64_t kFormsMarker = UINT64_MAX;
  static constexpr std::uint64_t kDevicesMarker = UINT64_MAX - 1;
  static constexpr std::uint64_t kAssessmentsMarker = UINT64_MAX - 2;
  static constexpr std::uint64_t kCodesMarker = UINT64_MAX - 3;
  static constexpr std::uint64_t kFilesMarker = UINT64_MAX - 4;
  static constexpr std::uint64_t kChunkMarker = UINT64_MAX - 5;
};

}  // namespace equitas::server
