// Application messages carried inside the secure channel once a session is
// authenticated. Each WebSocket binary message holds exactly one of them,
// encrypted. Layouts are in docs/protocol.md, "Messages".
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "equitas/crypto/keys.hpp"
#include "equitas/status/status.hpp"
#include "equitas/util/bytes.hpp"
#include "equitas/wire/file_transfer.hpp"

namespace equitas {

inline constexpr std::uint8_t kMsgWelcome = 0x10;
inline constexpr std::uint8_t kMsgError = 0x11;
inline constexpr std::uint8_t kMsgPush = 0x20;
inline constexpr std::uint8_t kMsgAck = 0x21;
inline constexpr std::uint8_t kMsgFormsRequest = 0x30;
inline constexpr std::uint8_t kMsgFormsUpdate = 0x31;
inline constexpr std::uint8_t kMsgDevicesRequest = 0x40;
inline constexpr std::uint8_t kMsgDevicesUpdate = 0x41;
inline constexpr std::uint8_t kMsgAssessmentsRequest = 0x50;
inline constexpr std::uint8_t kMsgAssessmentsUpdate = 0x51;
inline constexpr std::uint8_t kMsgCodesRequest = 0x60;
inline constexpr std::uint8_t kMsgCodesUpdate = 0x61;

// Largest single envelope accepted inside a push.
inline constexpr std::size_t kMaxEnvelopeBytes = 300 * 1024;
inline constexpr std::size_t kMaxBatchItems = 1024;
inline constexpr std::size_t kMaxDetailLength = 500;

// Why a session was refused or ended. Stable numbers: clients switch on them.
enum class SessionError : std::uint8_t {
  kRevoked = 1,
  kUnknownDevice = 2,
  kEnrollmentExpired = 3,
  kEnrollmentUsed = 4,
  kAuthenticationFailed = 5,
  kProtocol = 6,
  kUnavailable = 7,
  kInternal = 8,
};
std::string_view session_error_name(SessionError e);

enum class ItemStatus : std::uint8_t {
  kAccepted = 0,
  kDuplicate = 1,
  kConflict = 2,
  kRejected = 3
};
std::string_view item_status_name(ItemStatus s);

// Why one envelope in a batch was rejected. Stable numbers.
enum class RejectReason : std::uint8_t {
  kMalformed = 1,
  kBadSignature = 2,
  kUnknownDevice = 3,
  kRevokedDevice = 4,
  kUnknownForm = 5,
  kInvalidAnswers = 6,
  kUndecryptable = 7,
  kForeignSubmission = 8,  // the submission id belongs to another device
  // The device that delivered it (a relay, or a bundle's exporter) is not
  // active. Says nothing about the envelope: its origin keeps it pending.
  kCarrierRefused = 9,
};
inline constexpr std::uint8_t kMaxRejectReason = 9;
std::string_view reject_reason_name(RejectReason r);

struct Welcome {
  bool registered_now = false;  // this session completed the device's enrollment
  std::uint64_t server_time = 0;
  std::string site;
  std::uint32_t max_batch_items = 0;
  std::uint32_t max_batch_bytes = 0;
};

struct ErrorMsg {
  SessionError code = SessionError::kInternal;
  std::string message;
};

struct Push {
  std::uint64_t batch_seq = 0;
  std::vector<Bytes> envelopes;
  // Registrations (registration.hpp) of devices whose bundles this collector
  // relays and that have never reached the server: completed before the
  // envelopes are checked. Encoded only when there are some.
  std::vector<Bytes> registrations;
};
inline constexpr std::size_t kMaxPushRegistrations = 64;

struct ItemResult {
  ItemStatus status = ItemStatus::kAccepted;
  RejectReason reason = RejectReason::kMalformed;  // meaningful when rejected
  std::string detail;                              // when rejected
};

struct Ack {
  std::uint64_t batch_seq = 0;
  std::vector<ItemResult> items;
};

// A form definition the server published for a round, signed with the
// server's Ed25519 key (see form_publication_signing_input).
struct FormPublication {
  std::string form_id;
  std::string version;
  std::string round;
  std::string definition;  // the form's JSON
  Signature signature{};
};

struct FormRef {
  std::string form_id;
  std::string version;
  std::string round;
  bool operator==(const FormRef&) const = default;
};

// Collector -> server: the publications the collector already holds.
struct FormsRequest {
  std::vector<FormRef> known;
};

// Server -> collector: publications the collector lacks; `more` when the
// collector should ask again (one message carries at most ~1 MB).
struct FormsUpdate {
  std::vector<FormPublication> forms;
  bool more = false;
};

// A definition carries its choice lists, those read from CSV files
// (select_one_from_file) included: a four-level cascade of 5,668 places in
// two languages is some 840 KiB.
inline constexpr std::size_t kMaxFormDefinitionBytes = 4 * 1024 * 1024;
// What collectors that speak subprotocol v1 or v2 read (file_transfer.hpp).
inline constexpr std::size_t kMaxFormDefinitionBytesV2 = 700 * 1024;
inline constexpr std::size_t kMaxFormsPerUpdate = 64;
inline constexpr std::size_t kMaxRoundLength = 64;
inline constexpr std::string_view kFormSignContext{"equitas/form/v1\0", 16};

// context || server sign key || lp(id) || lp(version) || lp(round) || lp(definition)
Bytes form_publication_signing_input(const FormPublication& p, const SignPublicKey& server);

// Collector -> server: the digest (device_list_digest) of the device list
// the collector holds, if any.
struct DevicesRequest {
  std::optional<std::array<std::uint8_t, 32>> known;
};

// Server -> collector: the signed device list (device_list.hpp), or nothing
// when the collector's is current.
struct DevicesUpdate {
  bool unchanged = false;
  Bytes list;  // when changed
};
inline constexpr std::size_t kMaxDeviceListBytes = 900 * 1024;

// Collector -> server: the team assessments (forms/assessment_merge.hpp)
// the collector holds, each with the revision it holds. Sent last in a
// session, after the pushes: a server older than assessments answers it
// with a protocol error, which costs nothing already acknowledged.
struct AssessmentRef {
  std::string id;
  std::uint64_t revision = 0;
  bool operator==(const AssessmentRef&) const = default;
};
struct AssessmentsRequest {
  std::vector<AssessmentRef> known;
};
inline constexpr std::size_t kMaxAssessmentIdLength = 64;
inline constexpr std::size_t kMaxKnownAssessments = 1024;

// Server -> collector: each assessment that changed, as the JSON document
// `sync-server assessment show --json` prints (merged state, disagreements,
// history, workflow, scores); `more` when the collector should ask again.
// The secure channel authenticates the server, so they are not signed.
struct AssessmentsUpdate {
  std::vector<std::string> assessments;
  bool more = false;
};
inline constexpr std::size_t kMaxAssessmentViewBytes = 512 * 1024;
inline constexpr std::size_t kMaxAssessmentsPerUpdate = 64;

// Collector -> server: the ids of the response code batches
// (response_codes.hpp) the collector holds. Sent after the forms; a server
// older than response codes answers with a protocol error, which costs
// nothing already acknowledged.
struct CodesRequest {
  std::vector<std::array<std::uint8_t, 16>> known;
};
inline constexpr std::size_t kMaxKnownCodeBatches = 4096;

// Server -> collector: batches the collector lacks, each as
// encode_code_batch gives it (signed; the collector verifies each against
// the pinned key); `more` when the collector should ask again.
struct CodesUpdate {
  std::vector<Bytes> batches;
  bool more = false;
};
inline constexpr std::size_t kMaxCodeBatchBytes = 400 * 1024;
inline constexpr std::size_t kMaxCodeBatchesPerUpdate = 64;

using SyncMessage =
    std::variant<Welcome, ErrorMsg, Push, Ack, FormsRequest, FormsUpdate, DevicesRequest,
                 DevicesUpdate, AssessmentsRequest, AssessmentsUpdate, CodesRequest, CodesUpdate,
                 FilesOffer, FilesWanted, FileChunk, FileAck>;

Bytes encode(const Welcome& m);
Bytes encode(const ErrorMsg& m);
Bytes encode(const Push& m);
Bytes encode(const Ack& m);
Bytes encode(const FormsRequest& m);
Bytes encode(const FormsUpdate& m);
Bytes encode(const DevicesRequest& m);
Bytes encode(const DevicesUpdate& m);
Bytes encode(const AssessmentsRequest& m);
Bytes encode(const AssessmentsUpdate& m);
Bytes encode(const CodesRequest& m);
Bytes encode(const CodesUpdate& m);
Bytes encode(const FilesOffer& m);
Bytes encode(const FilesWanted& m);
Bytes encode(const FileChunk& m);
Bytes encode(const FileAck& m);
Result<SyncMessage> decode_sync_message(ByteView bytes);

}  // namespace equitas
