#include "equitas/wire/sync_messages.hpp"

namespace equitas {
namespace {

// Cuts text to at most `max` bytes without splitting a UTF-8 character.
std::string_view truncate_utf8(std::string_view s, std::size_t max) {
  if (s.size() <= max) return s;
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

}  // namespace

std::string_view session_error_name(SessionError e) {
  switch (e) {
    case SessionError::kRevoked: return "device revoked";
    case SessionError::kUnknownDevice: return "unknown device";
    case SessionError::kEnrollmentExpired: return "enrollment code expired";
    case SessionError::kEnrollmentUsed: return "enrollment code already used";
    case SessionError::kAuthenticationFailed: return "authentication failed";
    case SessionError::kProtocol: return "protocol error";
    case SessionError::kUnavailable: return "server unavailable";
    case SessionError::kInternal: return "server error";
  }
  return "unknown error";
}

std::string_view item_status_name(ItemStatus s) {
  switch (s) {
    case ItemStatus::kAccepted: return "accepted";
    case ItemStatus::kDuplicate: return "duplicate";
    case ItemStatus::kConflict: return "conflict";
    case ItemStatus::kRejected: return "rejected";
  }
  return "unknown";
}

std::string_view reject_reason_name(RejectReason r) {
  switch (r) {
    case RejectReason::kMalformed: return "malformed";
    case RejectReason::kBadSignature: return "bad signature";
    case RejectReason::kUnknownDevice: return "unknown device";
    case RejectReason::kRevokedDevice: return "revoked device";
    case RejectReason::kUnknownForm: return "unknown form";
    case RejectReason::kInvalidAnswers: return "invalid answers";
    case RejectReason::kUndecryptable: return "cannot decrypt";
    case RejectReason::kForeignSubmission: return "submission of another device";
  }
  return "unknown";
}

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
      if (!r.u8(flags) || flags > 1 || !r.varint(m.server_time) ||
          !r.lp_string(m.site, 256) || !r.varint(items, UINT32_MAX) ||
          !r.varint(bytes_max, UINT32_MAX) || !r.at_end()) {
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
          if (!r.u8(reason) || reason < 1 || reason > 8 || !r.lp_string(it.detail, kMaxDetailLength)) {
            return malformed("ack");
          }
          it.reason = static_cast<RejectReason>(reason);
        }
      }
      if (!r.at_end()) return malformed("ack");
      return SyncMessage(std::move(m));
    }
    default:
      return Status::corruption("unknown session message type " + std::to_string(type));
  }
}

}  // namespace equitas
