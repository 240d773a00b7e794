#include "equitas/wire/sync_messages.hpp"

#include <algorithm>

#include "equitas/wire/registration.hpp"

namespace equitas {

std::string_view session_error_name(SessionError e) {
  switch (e) {
    case SessionError::kRevoked:
      return "device revoked";
    case SessionError::kUnknownDevice:
      return "unknown device";
    case SessionError::kEnrollmentExpired:
      return "enrollment code expired";
    case SessionError::kEnrollmentUsed:
      return "enrollment code already used";
    case SessionError::kAuthenticationFailed:
      return "authentication failed";
    case SessionError::kProtocol:
      return "protocol error";
    case SessionError::kUnavailable:
      return "server unavailable";
    case SessionError::kInternal:
      return "server error";
  }
  return "unknown error";
}

std::string_view item_status_name(ItemStatus s) {
  switch (s) {
    case ItemStatus::kAccepted:
      return "accepted";
    case ItemStatus::kDuplicate:
      return "duplicate";
    case ItemStatus::kConflict:
      return "conflict";
    case ItemStatus::kRejected:
      return "rejected";
  }
  return "unknown";
}

std::string_view reject_reason_name(RejectReason r) {
  switch (r) {
    case RejectReason::kMalformed:
      return "malformed";
    case RejectReason::kBadSignature:
      return "bad signature";
    case RejectReason::kUnknownDevice:
      return "unknown device";
    case RejectReason::kRevokedDevice:
      return "revoked device";
    case RejectReason::kUnknownForm:
      return "unknown form";
    case RejectReason::kInvalidAnswers:
      return "invalid answers";
    case RejectReason::kUndecryptable:
      return "cannot decrypt";
    case RejectReason::kForeignSubmission:
      return "submission of another device";
    case RejectReason::kCarrierRefused:
      return "delivering device refused";
  }
  return "unknown";
}

namespace {

// An update that is a list of opaque items (a string or bytes each) and
// whether more follow: type, more, count, then each item length-prefixed.
template <typename Items>
Bytes encode_blob_update(std::uint8_t type, bool more, const Items& items) {
  std::size_t total = 16;
  for (const auto& item : items) total += item.size() + 4;
  ByteWriter w(total);
  w.u8(type);
  w.u8(more ? 1 : 0);
  w.varint(items.size());
  for (const auto& item : items) w.lp(item);
  return w.take();
}

}  // namespace

Bytes encode(const Welcome& m) {
  ByteWriter w;
  w.u8(kMsgWelcome);
  w.u8(m.registered_now ? 1 : 0);
  w.varint(m.server_time);
  w.lp(m.site);
  w.varint(m.max_batch_items);
  w.varint(m.max_batch_bytes);
  return w.take();
}

Bytes encode(const ErrorMsg& m) {
  ByteWriter w;
  w.u8(kMsgError);
  w.u8(static_cast<std::uint8_t>(m.code));
  w.lp(truncate_utf8(m.message, kMaxDetailLength));
  return w.take();
}

Bytes encode(const Push& m) {
  std::size_t total = 16;
  for (const auto& e : m.envelopes) total += e.size() + 4;
  ByteWriter w(total);
  w.u8(kMsgPush);
  w.varint(m.batch_seq);
  w.varint(m.envelopes.size());
  for (const auto& e : m.envelopes) w.lp(e);
  if (!m.registrations.empty()) {
    w.varint(m.registrations.size());
    for (const auto& r : m.registrations) w.lp(r);
  }
  return w.take();
}

Bytes encode(const Ack& m) {
  ByteWriter w(8 + m.items.size());
  w.u8(kMsgAck);
  w.varint(m.batch_seq);
  w.varint(m.items.size());
  for (const auto& it : m.items) {
    w.u8(static_cast<std::uint8_t>(it.status));
    if (it.status == ItemStatus::kRejected) {
      w.u8(static_cast<std::uint8_t>(it.reason));
      w.lp(truncate_utf8(it.detail, kMaxDetailLength));
    }
  }
  return w.take();
}

Bytes form_publication_signing_input(const FormPublication& p, const SignPublicKey& server) {
  ByteWriter w(64 + p.definition.size());
  w.raw(kFormSignContext);
  w.raw(server);
  w.lp(p.form_id);
  w.lp(p.version);
  w.lp(p.round);
  w.lp(p.definition);
  return w.take();
}

Bytes encode(const FormsRequest& m) {
  ByteWriter w;
  w.u8(kMsgFormsRequest);
  w.varint(m.known.size());
  for (const auto& k : m.known) {
    w.lp(k.form_id);
    w.lp(k.version);
    w.lp(k.round);
  }
  return w.take();
}

Bytes encode(const DevicesRequest& m) {
  ByteWriter w(40);
  w.u8(kMsgDevicesRequest);
  w.u8(m.known ? 1 : 0);
  if (m.known) w.raw(*m.known);
  return w.take();
}

Bytes encode(const DevicesUpdate& m) {
  ByteWriter w(m.list.size() + 8);
  w.u8(kMsgDevicesUpdate);
  w.u8(m.unchanged ? 1 : 0);
  if (!m.unchanged) w.lp(m.list);
  return w.take();
}

Bytes encode(const FormsUpdate& m) {
  ByteWriter w;
  w.u8(kMsgFormsUpdate);
  w.u8(m.more ? 1 : 0);
  w.varint(m.forms.size());
  for (const auto& f : m.forms) {
    w.lp(f.form_id);
    w.lp(f.version);
    w.lp(f.round);
    w.lp(f.definition);
    w.raw(f.signature);
  }
  return w.take();
}

Bytes encode(const AssessmentsRequest& m) {
  ByteWriter w;
  w.u8(kMsgAssessmentsRequest);
  w.varint(m.known.size());
  for (const auto& k : m.known) {
    w.lp(k.id);
    w.varint(k.revision);
  }
  return w.take();
}

Bytes encode(const AssessmentsUpdate& m) {
  return encode_blob_update(kMsgAssessmentsUpdate, m.more, m.assessments);
}

Bytes encode(const CodesRequest& m) {
  ByteWriter w(8 + 16 * m.known.size());
  w.u8(kMsgCodesRequest);
  w.varint(m.known.size());
  for (const auto& k : m.known) w.raw(k);
  return w.take();
}

Bytes encode(const CodesUpdate& m) {
  return encode_blob_update(kMsgCodesUpdate, m.more, m.batches);
}

Bytes encode(const FilesOffer& m) {
  ByteWriter w(8 + 56 * m.files.size());
  w.u8(kMsgFilesOffer);
  w.varint(m.files.size());
  for (const auto& f : m.files) {
    w.raw(f.id);
    w.raw(f.sha256);
    w.varint(f.size);
  }
  return w.take();
}

Bytes encode(const FilesWanted& m) {
  ByteWriter w(8 + 24 * m.files.size());
  w.u8(kMsgFilesWanted);
  w.varint(m.files.size());
  for (const auto& f : m.files) {
    w.raw(f.id);
    w.u8(static_cast<std::uint8_t>(f.want));
    w.varint(f.next_chunk);
    w.lp(truncate_utf8(f.detail, kMaxDetailLength));
  }
  // Byte offsets, one per file, only when some file has one: a piece
  // session's resume (file_transfer.hpp). A chunk session never has one.
  if (std::any_of(m.files.begin(), m.files.end(),
                  [](const auto& f) { return f.next_offset != 0; })) {
    for (const auto& f : m.files) w.varint(f.next_offset);
  }
  return w.take();
}

Bytes encode(const FileChunk& m) {
  ByteWriter w(32 + m.data.size());
  w.u8(kMsgFileChunk);
  w.raw(m.id);
  w.varint(m.index);
  w.lp(m.data);
  if (m.offset != 0) w.varint(m.offset);
  return w.take();
}

Bytes encode(const FileAck& m) {
  ByteWriter w(32);
  w.u8(kMsgFileAck);
  w.raw(m.id);
  w.u8(static_cast<std::uint8_t>(m.state));
  w.varint(m.next_chunk);
  w.lp(truncate_utf8(m.detail, kMaxDetailLength));
  if (m.next_offset != 0) w.varint(m.next_offset);
  return w.take();
}

namespace {

// The largest chunk number a file within forms::kMaxFileBytes can have,
// with room to spare.
constexpr std::uint64_t kMaxChunkIndex = 1 << 20;

Result<SyncMessage> decode_file_message(std::uint8_t type, ByteReader& r) {
  const auto malformed = [](const char* what) {
    return Status::corruption(std::string("malformed ") + what + " message");
  };
  switch (type) {
    case kMsgFilesOffer: {
      FilesOffer m;
      std::uint64_t count = 0;
      if (!r.varint(count, kMaxFilesPerOffer)) return malformed("files offer");
      m.files.resize(count);
      for (auto& f : m.files) {
        if (!r.fixed(f.id) || !r.fixed(f.sha256) || !r.varint(f.size) || f.size == 0)
          return malformed("files offer");
      }
      if (!r.at_end()) return malformed("files offer");
      return SyncMessage(std::move(m));
    }
    case kMsgFilesWanted: {
      FilesWanted m;
      std::uint64_t count = 0;
      if (!r.varint(count, kMaxFilesPerOffer)) return malformed("files wanted");
      m.files.resize(count);
      for (auto& f : m.files) {
        std::uint8_t want = 0;
        std::uint64_t next = 0;
        if (!r.fixed(f.id) || !r.u8(want) || want > 2 || !r.varint(next, kMaxChunkIndex) ||
            !r.lp_string(f.detail, kMaxDetailLength)) {
          return malformed("files wanted");
        }
        f.want = static_cast<FileWant>(want);
        f.next_chunk = static_cast<std::uint32_t>(next);
      }
      if (!r.at_end()) {
        // One offset per file, present only when one is not 0.
        bool any = false;
        for (auto& f : m.files) {
          std::uint64_t offset = 0;
          if (!r.varint(offset, kMaxFileChunkWire - 1)) return malformed("files wanted");
          f.next_offset = static_cast<std::uint32_t>(offset);
          any = any || offset != 0;
        }
        if (!any || !r.at_end()) return malformed("files wanted");
      }
      return SyncMessage(std::move(m));
    }
    case kMsgFileChunk: {
      FileChunk m;
      std::uint64_t index = 0;
      ByteView data;
      std::uint64_t offset = 0;
      if (!r.fixed(m.id) || !r.varint(index, kMaxChunkIndex) || !r.lp(data, kMaxFileChunkWire) ||
          data.empty()) {
        return malformed("file chunk");
      }
      // A piece's offset, present only when not 0; the piece ends within
      // the largest chunk.
      if (!r.at_end() && (!r.varint(offset, kMaxFileChunkWire - 1) || offset == 0 ||
                          offset + data.size() > kMaxFileChunkWire)) {
        return malformed("file chunk");
      }
      if (!r.at_end()) return malformed("file chunk");
      m.index = static_cast<std::uint32_t>(index);
      m.offset = static_cast<std::uint32_t>(offset);
      m.data.assign(data.begin(), data.end());
      return SyncMessage(std::move(m));
    }
    default: {
      FileAck m;
      std::uint8_t state = 0;
      std::uint64_t next = 0;
      std::uint64_t offset = 0;
      if (!r.fixed(m.id) || !r.u8(state) || state > 3 || !r.varint(next, kMaxChunkIndex) ||
          !r.lp_string(m.detail, kMaxDetailLength)) {
        return malformed("file ack");
      }
      // The offset held inside `next`, present only when not 0.
      if (!r.at_end() && (!r.varint(offset, kMaxFileChunkWire - 1) || offset == 0))
        return malformed("file ack");
      if (!r.at_end()) return malformed("file ack");
      m.state = static_cast<FileAckState>(state);
      m.next_chunk = static_cast<std::uint32_t>(next);
      m.next_offset = static_cast<std::uint32_t>(offset);
      return SyncMessage(std::move(m));
    }
  }
}

Result<SyncMessage> decode_codes_request(ByteReader& r) {
  CodesRequest m;
  std::uint64_t count = 0;
  if (!r.varint(count, kMaxKnownCodeBatches))
    return Status::corruption("malformed codes request message");
  m.known.resize(count);
  for (auto& k : m.known) {
    if (!r.fixed(k)) return Status::corruption("malformed codes request message");
  }
  if (!r.at_end()) return Status::corruption("malformed codes request message");
  return SyncMessage(std::move(m));
}

// One item of an update of opaque items, at most `max` bytes.
bool read_blob(ByteReader& r, std::string& out, std::size_t max) { return r.lp_string(out, max); }

bool read_blob(ByteReader& r, Bytes& out, std::size_t max) {
  ByteView v;
  if (!r.lp(v, max)) return false;
  out.assign(v.begin(), v.end());
  return true;
}

// The rest of an update that encode_blob_update wrote, to its end; false
// where it is malformed.
template <typename Item>
bool decode_blob_update(ByteReader& r, std::uint64_t max_items, std::size_t max_item_bytes,
                        bool& more, std::vector<Item>& items) {
  std::uint8_t flag = 0;
  std::uint64_t count = 0;
  if (!r.u8(flag) || flag > 1 || !r.varint(count, max_items)) return false;
  more = flag == 1;
  items.resize(count);
  for (auto& item : items) {
    if (!read_blob(r, item, max_item_bytes)) return false;
  }
  return r.at_end();
}

Result<SyncMessage> decode_codes_update(ByteReader& r) {
  CodesUpdate m;
  if (!decode_blob_update(r, kMaxCodeBatchesPerUpdate, kMaxCodeBatchBytes, m.more, m.batches))
    return Status::corruption("malformed codes update message");
  return SyncMessage(std::move(m));
}

Result<SyncMessage> decode_assessments_request(ByteReader& r) {
  AssessmentsRequest m;
  std::uint64_t count = 0;
  if (!r.varint(count, kMaxKnownAssessments))
    return Status::corruption("malformed assessments request message");
  m.known.resize(count);
  for (auto& k : m.known) {
    if (!r.lp_string(k.id, kMaxAssessmentIdLength) || !r.varint(k.revision)) {
      return Status::corruption("malformed assessments request message");
    }
  }
  if (!r.at_end()) return Status::corruption("malformed assessments request message");
  return SyncMessage(std::move(m));
}

Result<SyncMessage> decode_assessments_update(ByteReader& r) {
  AssessmentsUpdate m;
  if (!decode_blob_update(r, kMaxAssessmentsPerUpdate, kMaxAssessmentViewBytes, m.more,
                          m.assessments)) {
    return Status::corruption("malformed assessments update message");
  }
  return SyncMessage(std::move(m));
}

}  // namespace

Result<SyncMessage> decode_sync_message(ByteView bytes) {
  ByteReader r(bytes);
  std::uint8_t type = 0;
  if (!r.u8(type)) return Status::corruption("empty session message");
  const auto malformed = [&](const char* what) {
    return Status::corruption(std::string("malformed ") + what + " message");
  };
  switch (type) {
    case kMsgWelcome: {
      Welcome m;
      std::uint8_t flags = 0;
      std::uint64_t items = 0, bytes_max = 0;
      if (!r.u8(flags) || flags > 1 || !r.varint(m.server_time) || !r.lp_string(m.site, 256) ||
          !r.varint(items, UINT32_MAX) || !r.varint(bytes_max, UINT32_MAX) || !r.at_end()) {
        return malformed("welcome");
      }
      m.registered_now = flags == 1;
      m.max_batch_items = static_cast<std::uint32_t>(items);
      m.max_batch_bytes = static_cast<std::uint32_t>(bytes_max);
      return SyncMessage(std::move(m));
    }
    case kMsgError: {
      ErrorMsg m;
      std::uint8_t code = 0;
      if (!r.u8(code) || code < 1 || code > 8 || !r.lp_string(m.message, kMaxDetailLength) ||
          !r.at_end()) {
        return malformed("error");
      }
      m.code = static_cast<SessionError>(code);
      return SyncMessage(std::move(m));
    }
    case kMsgPush: {
      Push m;
      std::uint64_t count = 0;
      if (!r.varint(m.batch_seq) || !r.varint(count, kMaxBatchItems)) return malformed("push");
      m.envelopes.reserve(count);
      for (std::uint64_t i = 0; i < count; ++i) {
        ByteView e;
        if (!r.lp(e, kMaxEnvelopeBytes)) return malformed("push");
        m.envelopes.emplace_back(e.begin(), e.end());
      }
      if (!r.at_end()) {
        std::uint64_t regs = 0;
        if (!r.varint(regs, kMaxPushRegistrations) || regs == 0) return malformed("push");
        for (std::uint64_t i = 0; i < regs; ++i) {
          ByteView reg;
          if (!r.lp(reg, kMaxRegistrationBytes)) return malformed("push");
          m.registrations.emplace_back(reg.begin(), reg.end());
        }
      }
      if (!r.at_end()) return malformed("push");
      return SyncMessage(std::move(m));
    }
    case kMsgAck: {
      Ack m;
      std::uint64_t count = 0;
      if (!r.varint(m.batch_seq) || !r.varint(count, kMaxBatchItems)) return malformed("ack");
      m.items.resize(count);
      for (auto& it : m.items) {
        std::uint8_t status = 0;
        if (!r.u8(status) || status > 3) return malformed("ack");
        it.status = static_cast<ItemStatus>(status);
        if (it.status == ItemStatus::kRejected) {
          std::uint8_t reason = 0;
          if (!r.u8(reason) || reason < 1 || reason > kMaxRejectReason ||
              !r.lp_string(it.detail, kMaxDetailLength)) {
            return malformed("ack");
          }
          it.reason = static_cast<RejectReason>(reason);
        }
      }
      if (!r.at_end()) return malformed("ack");
      return SyncMessage(std::move(m));
    }
    case kMsgFormsRequest: {
      FormsRequest m;
      std::uint64_t count = 0;
      if (!r.varint(count, 4096)) return malformed("forms request");
      m.known.resize(count);
      for (auto& k : m.known) {
        if (!r.lp_string(k.form_id, 128) || !r.lp_string(k.version, 64) ||
            !r.lp_string(k.round, kMaxRoundLength)) {
          return malformed("forms request");
        }
      }
      if (!r.at_end()) return malformed("forms request");
      return SyncMessage(std::move(m));
    }
    case kMsgDevicesRequest: {
      DevicesRequest m;
      std::uint8_t has = 0;
      if (!r.u8(has) || has > 1) return malformed("devices request");
      if (has == 1) {
        std::array<std::uint8_t, 32> known{};
        if (!r.fixed(known)) return malformed("devices request");
        m.known = known;
      }
      if (!r.at_end()) return malformed("devices request");
      return SyncMessage(std::move(m));
    }
    case kMsgDevicesUpdate: {
      DevicesUpdate m;
      std::uint8_t unchanged = 0;
      ByteView list;
      if (!r.u8(unchanged) || unchanged > 1 ||
          (unchanged == 0 && !r.lp(list, kMaxDeviceListBytes)) || !r.at_end()) {
        return malformed("devices update");
      }
      m.unchanged = unchanged == 1;
      m.list.assign(list.begin(), list.end());
      return SyncMessage(std::move(m));
    }
    case kMsgFormsUpdate: {
      FormsUpdate m;
      std::uint8_t more = 0;
      std::uint64_t count = 0;
      if (!r.u8(more) || more > 1 || !r.varint(count, kMaxFormsPerUpdate))
        return malformed("forms update");
      m.more = more == 1;
      m.forms.resize(count);
      for (auto& f : m.forms) {
        if (!r.lp_string(f.form_id, 128) || !r.lp_string(f.version, 64) ||
            !r.lp_string(f.round, kMaxRoundLength) ||
            !r.lp_string(f.definition, kMaxFormDefinitionBytes) || !r.fixed(f.signature)) {
          return malformed("forms update");
        }
      }
      if (!r.at_end()) return malformed("forms update");
      return SyncMessage(std::move(m));
    }
    case kMsgAssessmentsRequest:
      return decode_assessments_request(r);
    case kMsgAssessmentsUpdate:
      return decode_assessments_update(r);
    case kMsgCodesRequest:
      return decode_codes_request(r);
    case kMsgCodesUpdate:
      return decode_codes_update(r);
    case kMsgFilesOffer:
    case kMsgFilesWanted:
    case kMsgFileChunk:
    case kMsgFileAck:
      return decode_file_message(type, r);
    default:
      return Status::corruption("unknown session message type " + std::to_string(type));
  }
}

}  // namespace equitas
