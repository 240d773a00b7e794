#include "sync_client_protocol.hpp"

#include <algorithm>
#include <string>
#include <utility>

namespace equitas::collector {

Status refusal_status(const ErrorMsg& e) {
  const std::string m = std::string(session_error_name(e.code)) + ": " + e.message;
  switch (e.code) {
    case SessionError::kRevoked:
    case SessionError::kEnrollmentExpired:
    case SessionError::kEnrollmentUsed:
      return Status::permission_denied(m);
    case SessionError::kUnknownDevice:
    case SessionError::kAuthenticationFailed:
      return Status::unauthenticated(m);
    case SessionError::kUnavailable:
      return Status::unavailable(m);
    default:
      return Status::internal(m);
  }
}

SyncClientProtocol::SyncClientProtocol(const Enrollment& enrollment, const SigningKey& key,
                                       std::size_t max_batch_items)
    : enrollment_(enrollment),
      key_(key),
      max_items_setting_(max_batch_items),
      handshake_(enrollment.server) {}

SyncClientProtocol::Step SyncClientProtocol::fail(Status status) {
  phase_ = Phase::kFailed;
  return Failed{std::move(status)};
}

SyncClientProtocol::Step SyncClientProtocol::start() {
  if (phase_ != Phase::kStart)
    return fail(Status::internal("the sync session has started already"));
  phase_ = Phase::kServerHello;
  return Send{{handshake_.hello()}};
}

SyncClientProtocol::Step SyncClientProtocol::on_message(ByteView msg) {
  switch (phase_) {
    case Phase::kServerHello:
      server_hello_.assign(msg.begin(), msg.end());
      phase_ = Phase::kSecret;
      // Only a collector the server has not registered yet proves itself
      // with the enrollment secret.
      if (!enrollment_.registered) return NeedSecret{};
      return on_secret(nullptr);
    case Phase::kWelcome:
      return on_welcome(msg);
    case Phase::kAcking:
      return on_ack(msg);
    case Phase::kReady: {
      auto reply = open(msg);
      if (!reply.is_ok()) return fail(reply.status());
      return Received{std::move(reply).value()};
    }
    case Phase::kStart:
    case Phase::kSecret:
      return fail(
          Status::internal("a message from the server before this collector asked for one"));
    case Phase::kFailed:
      break;
  }
  return fail(Status::internal("the sync session has ended"));
}

SyncClientProtocol::Step SyncClientProtocol::on_secret(
    const SecretBytes<kEnrollSecretBytes>* secret) {
  if (phase_ != Phase::kSecret)
    return fail(Status::internal("an enrollment secret nobody asked for"));
  auto auth = handshake_.on_server_hello(server_hello_, enrollment_.device_id, key_, secret);
  server_hello_.clear();
  if (!auth.is_ok()) return fail(auth.status());
  channel_ = handshake_.take_channel();
  phase_ = Phase::kWelcome;
  return Send{{std::move(auth).value()}};
}

Result<SyncMessage> SyncClientProtocol::open(ByteView msg) {
  auto plain = channel_.open(msg);
  if (!plain.is_ok()) return plain.status();
  return decode_sync_message(*plain);
}

SyncClientProtocol::Step SyncClientProtocol::on_welcome(ByteView msg) {
  auto first = open(msg);
  if (!first.is_ok()) return fail(first.status());
  if (const auto* err = std::get_if<ErrorMsg>(&*first)) return fail(refusal_status(*err));
  const auto* welcome = std::get_if<Welcome>(&*first);
  if (welcome == nullptr) return fail(Status::corruption("the server did not send a welcome"));
  // A server that advertises 0 still takes one item at a time.
  max_items_ = std::min<std::size_t>(kClientMaxBatchItems,
                                     std::max<std::uint32_t>(1, welcome->max_batch_items));
  if (max_items_setting_ > 0) max_items_ = std::min(max_items_, max_items_setting_);
  max_bytes_ = std::min<std::size_t>(kClientMaxBatchBytes,
                                     std::max<std::uint32_t>(1, welcome->max_batch_bytes));
  phase_ = Phase::kReady;
  return Welcomed{!enrollment_.registered, welcome->registered_now};
}

SyncClientProtocol::Step SyncClientProtocol::push(std::vector<Bytes> envelopes,
                                                  std::vector<Bytes> registrations) {
  if (phase_ != Phase::kReady)
    return fail(Status::internal("a push outside the session's ready state"));
  // Registrations go first, so the server knows their keys before it checks
  // the envelopes those devices signed.
  const bool with_registrations = batch_seq_ == 0 && !registrations.empty();
  if (envelopes.empty() && !with_registrations) return Done{};
  Push batch;
  batch.batch_seq = ++batch_seq_;
  batch.envelopes = std::move(envelopes);
  if (with_registrations) batch.registrations = std::move(registrations);
  batch_items_ = batch.envelopes.size();
  batch_registrations_ = with_registrations;
  phase_ = Phase::kAcking;
  return Send{{channel_.seal(encode(batch))}};
}

SyncClientProtocol::Step SyncClientProtocol::on_ack(ByteView msg) {
  auto reply = open(msg);
  if (!reply.is_ok()) return fail(reply.status());
  if (const auto* err = std::get_if<ErrorMsg>(&*reply)) return fail(refusal_status(*err));
  auto* ack = std::get_if<Ack>(&*reply);
  if (ack == nullptr || ack->batch_seq != batch_seq_) {
    return fail(Status::corruption("the server's reply does not acknowledge batch " +
                                   std::to_string(batch_seq_)));
  }
  if (ack->items.size() != batch_items_) {
    return fail(Status::corruption("the server acknowledged " + std::to_string(ack->items.size()) +
                                   " items of a batch of " + std::to_string(batch_items_)));
  }
  phase_ = Phase::kReady;
  return Acked{ack->batch_seq, std::move(ack->items), batch_registrations_};
}

}  // namespace equitas::collector
