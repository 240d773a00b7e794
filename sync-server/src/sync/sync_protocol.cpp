#include "sync_protocol.hpp"

#include "limits.hpp"

namespace equitas::server {

namespace {
// What a collector is told when the writer will not take its request now:
// the server is busy, or stopping, or the commit failed (the reason stays in
// the server's log).
constexpr const char* kTryAgainLater =
    "the server is busy or could not store this batch; try again later";
}  // namespace

SyncProtocol::Reply SyncProtocol::fail(SessionError code, std::string message,
                                       std::uint16_t close_code) {
  Reply r;
  if (channel_.established()) r.messages.push_back(channel_.seal(encode(ErrorMsg{code, message})));
  r.close = true;
  r.close_code = close_code;
  r.close_reason = std::string(session_error_name(code));
  phase_ = Phase::kClosed;
  return r;
}

SyncProtocol::Step SyncProtocol::on_message(ByteView msg) {
  switch (phase_) {
    case Phase::kHello: {
      auto reply = handshake_.on_client_hello(msg);
      if (!reply.is_ok())
        return fail(SessionError::kProtocol, reply.status().message(), kCloseProtocolError);
      phase_ = Phase::kAuth;
      Reply r;
      r.messages.push_back(std::move(reply).value());
      return r;
    }
    case Phase::kAuth: {
      auto auth = handshake_.on_client_auth(msg);
      channel_ = handshake_.take_channel();
      if (!auth.is_ok()) {
        return fail(SessionError::kAuthenticationFailed, auth.status().message(), kClosePolicy);
      }
      phase_ = Phase::kDeciding;
      claimed_device_ = auth->device_id;
      claimed_key_ = auth->device_key;
      return NeedAuth{std::move(auth).value()};
    }
    case Phase::kReady:
      return on_session_message(msg);
    case Phase::kDeciding:
    case Phase::kStoring:
      // The session does not read while work is outstanding; getting here
      // means the caller broke that contract.
      return fail(SessionError::kProtocol, "message while the previous one is in progress",
                  kCloseProtocolError);
    case Phase::kClosed:
      break;
  }
  return fail(SessionError::kProtocol, "session is closed", kCloseProtocolError);
}

SyncProtocol::Step SyncProtocol::on_session_message(ByteView msg) {
  auto plain = channel_.open(msg);
  if (!plain.is_ok()) return fail(SessionError::kProtocol, plain.status().message(), kClosePolicy);
  auto decoded = decode_sync_message(*plain);
  if (!decoded.is_ok())
    return fail(SessionError::kProtocol, decoded.status().message(), kCloseProtocolError);
  if (auto* req = std::get_if<FormsRequest>(&*decoded)) {
    phase_ = Phase::kStoring;
    pending_batch_ = kFormsMarker;
    return NeedForms{std::move(req->known)};
  }
  if (auto* req = std::get_if<DevicesRequest>(&*decoded)) {
    phase_ = Phase::kStoring;
    pending_batch_ = kDevicesMarker;
    return NeedDevices{req->known};
  }
  if (auto* req = std::get_if<AssessmentsRequest>(&*decoded)) {
    phase_ = Phase::kStoring;
    pending_batch_ = kAssessmentsMarker;
    return NeedAssessments{std::move(req->known)};
  }
  if (auto* req = std::get_if<CodesRequest>(&*decoded)) {
    phase_ = Phase::kStoring;
    pending_batch_ = kCodesMarker;
    return NeedCodes{std::move(req->known)};
  }
  if (auto* offer = std::get_if<FilesOffer>(&*decoded)) {
    phase_ = Phase::kStoring;
    pending_batch_ = kFilesMarker;
    return NeedFiles{std::move(*offer)};
  }
  if (auto* chunk = std::get_if<FileChunk>(&*decoded)) {
    if (chunk->offset != 0 && !pieces_) {
      return fail(SessionError::kProtocol,
                  "a piece of a chunk in a session that did not negotiate pieces",
                  kCloseProtocolError);
    }
    phase_ = Phase::kStoring;
    pending_batch_ = kChunkMarker;
    return NeedChunk{std::move(*chunk)};
  }
  auto* push = std::get_if<Push>(&*decoded);
  if (push == nullptr) {
    return fail(SessionError::kProtocol,
                "only push, forms, devices, assessments, codes and files messages are expected "
                "from a collector",
                kCloseProtocolError);
  }
  if (push->envelopes.size() > kMaxBatchItems) {
    return fail(SessionError::kProtocol,
                "batch of " + std::to_string(push->envelopes.size()) +
                    " items exceeds the limit of " + std::to_string(kMaxBatchItems),
                kClosePolicy);
  }
  phase_ = Phase::kStoring;
  pending_batch_ = push->batch_seq;
  return NeedIngest{push->batch_seq, std::move(push->envelopes), std::move(push->registrations)};
}

SyncProtocol::Reply SyncProtocol::on_auth_decided(const Result<AuthDecision>& decision) {
  if (phase_ != Phase::kDeciding)
    return fail(SessionError::kInternal, "unexpected decision", kCloseInternal);
  if (!decision.is_ok()) {
    // The store's own message stays in the server's log: it may name tables
    // and SQL, which are no business of a collector.
    return fail(SessionError::kUnavailable,
                "the server could not record this session; try again later", kCloseTryAgainLater);
  }
  if (!decision->ok) return fail(decision->error, decision->message, kClosePolicy);
  phase_ = Phase::kReady;
  device_ = claimed_device_;
  Welcome w;
  w.registered_now = decision->registered_now;
  w.server_time = static_cast<std::uint64_t>(clock_.now());
  w.site = decision->site;
  w.max_batch_items = kMaxBatchItems;
  w.max_batch_bytes = kMaxBatchBytes;
  Reply r;
  r.messages.push_back(channel_.seal(encode(w)));
  return r;
}

std::optional<SyncProtocol::Reply> SyncProtocol::check_stored(std::uint64_t marker,
                                                              const Status& done,
                                                              const char* unexpected,
                                                              const char* unavailable) {
  if (phase_ != Phase::kStoring || pending_batch_ != marker) {
    return fail(SessionError::kInternal, unexpected, kCloseInternal);
  }
  if (!done.is_ok()) return fail(SessionError::kUnavailable, unavailable, kCloseTryAgainLater);
  phase_ = Phase::kReady;
  return std::nullopt;
}

SyncProtocol::Reply SyncProtocol::reply_with(const Bytes& message) {
  Reply r;
  r.messages.push_back(channel_.seal(message));
  return r;
}

SyncProtocol::Reply SyncProtocol::on_forms(const Status& read,
                                           const std::vector<FormPublication>& missing) {
  if (auto failed = check_stored(kFormsMarker, read, "unexpected forms reply",
                                 "the server could not read its forms; try again later")) {
    return *failed;
  }
  FormsUpdate update;
  std::size_t bytes = 0;
  for (const auto& p : missing) {
    // An older collector would refuse the whole update for one large form;
    // it keeps the versions it has.
    if (!large_forms_ && p.definition.size() > kMaxFormDefinitionBytesV2) continue;
    if (!update.forms.empty() && (bytes + p.definition.size() > kMaxFormsUpdateBytes ||
                                  update.forms.size() == kMaxFormsPerUpdate)) {
      update.more = true;
      break;
    }
    bytes += p.definition.size();
    update.forms.push_back(p);
  }
  return reply_with(encode(update));
}

SyncProtocol::Reply SyncProtocol::on_devices(const Status& read, DevicesUpdate update) {
  if (auto failed = check_stored(kDevicesMarker, read, "unexpected devices reply",
                                 "the server could not read its devices; try again later")) {
    return *failed;
  }
  return reply_with(encode(update));
}

SyncProtocol::Reply SyncProtocol::on_assessments(const Status& read,
                                                 const std::vector<std::string>& changed) {
  if (auto failed = check_stored(kAssessmentsMarker, read, "unexpected assessments reply",
                                 "the server could not read its assessments; try again later")) {
    return *failed;
  }
  AssessmentsUpdate update;
  std::size_t bytes = 0;
  for (const auto& view : changed) {
    if (view.size() > kMaxAssessmentViewBytes)
      continue;  // too large to send: the collector keeps its copy
    if (!update.assessments.empty() && (bytes + view.size() > kMaxFormsUpdateBytes ||
                                        update.assessments.size() == kMaxAssessmentsPerUpdate)) {
      update.more = true;
      break;
    }
    bytes += view.size();
    update.assessments.push_back(view);
  }
  return reply_with(encode(update));
}

SyncProtocol::Reply SyncProtocol::on_codes(const Status& read, std::vector<Bytes> batches,
                                           bool more) {
  if (auto failed = check_stored(kCodesMarker, read, "unexpected codes reply",
                                 "the server could not read its response codes; try again later")) {
    return *failed;
  }
  CodesUpdate update;
  update.batches = std::move(batches);
  update.more = more;
  return reply_with(encode(update));
}

SyncProtocol::Reply SyncProtocol::on_files(const Status& read, FilesWanted wanted) {
  if (auto failed = check_stored(kFilesMarker, read, "unexpected files reply",
                                 "the server could not read its files; try again later")) {
    return *failed;
  }
  // A collector that did not negotiate pieces could not read an offset.
  if (!pieces_) {
    for (auto& f : wanted.files) f.next_offset = 0;
  }
  return reply_with(encode(wanted));
}

SyncProtocol::Reply SyncProtocol::on_chunk(const Status& done, const FileAck& ack) {
  // A chunk not stored is not acknowledged: the collector resumes from the
  // last chunk it saw acknowledged, at the next session.
  if (auto failed = check_stored(kChunkMarker, done, "unexpected chunk completion",
                                 "the server could not store the file; try again later")) {
    return *failed;
  }
  if (!pieces_ && ack.next_offset != 0) {
    FileAck whole = ack;
    whole.next_offset = 0;
    return reply_with(encode(whole));
  }
  return reply_with(encode(ack));
}

SyncProtocol::Reply SyncProtocol::on_ingested(std::uint64_t batch_seq, const Status& committed,
                                              const std::vector<ItemResult>& results) {
  if (phase_ != Phase::kStoring || batch_seq != pending_batch_ || batch_seq == kFormsMarker ||
      batch_seq == kDevicesMarker || batch_seq == kAssessmentsMarker || batch_seq == kCodesMarker ||
      batch_seq == kFilesMarker || batch_seq == kChunkMarker) {
    return fail(SessionError::kInternal, "unexpected batch completion", kCloseInternal);
  }
  if (!committed.is_ok()) {
    // Nothing of this batch is acknowledged; the collector keeps it pending
    // and resends it next time.
    return fail(SessionError::kUnavailable, kTryAgainLater, kCloseTryAgainLater);
  }
  phase_ = Phase::kReady;
  return reply_with(encode(Ack{batch_seq, results}));
}

SyncProtocol::Reply SyncProtocol::on_stopping() {
  return fail(SessionError::kUnavailable, kTryAgainLater, kCloseTryAgainLater);
}

}  // namespace equitas::server
