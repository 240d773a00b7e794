#include "equitas/wire/envelope.hpp"

#include <cstring>

#include "equitas/crypto/secret.hpp"

namespace equitas {
namespace {

Status check_field_lengths(const EnvelopeFields& f) {
  if (f.form_id.empty() || f.form_id.size() > kMaxFormIdLength) {
    return Status::invalid_argument("form id must be 1 to " + std::to_string(kMaxFormIdLength) +
                                    " bytes");
  }
  if (f.form_version.size() > kMaxFormVersionLength) {
    return Status::invalid_argument("form version must be at most " +
                                    std::to_string(kMaxFormVersionLength) + " bytes");
  }
  if (f.revision == 0) return Status::invalid_argument("revision starts at 1");
  return Status::ok();
}

}  // namespace

Bytes encode_envelope_body(const Envelope& e) {
  ByteWriter w(64 + e.form_id.size() + e.form_version.size() + e.sealed_payload.size());
  w.u8(kEnvelopeVersion);
  w.raw(e.device_id.bytes);
  w.raw(e.submission_id.bytes);
  w.varint(e.revision);
  w.lp(e.form_id);
  w.lp(e.form_version);
  w.lp(e.sealed_payload);
  return w.take();
}

Bytes encode_envelope(const Envelope& e) {
  Bytes out = encode_envelope_body(e);
  out.insert(out.end(), e.signature.begin(), e.signature.end());
  return out;
}

Result<Envelope> decode_envelope(ByteView bytes) {
  ByteReader r(bytes);
  Envelope e;
  std::uint8_t version = 0;
  if (!r.u8(version)) return Status::corruption("envelope is empty");
  if (version != kEnvelopeVersion) {
    return Status::corruption("envelope version " + std::to_string(version) + " is not supported");
  }
  std::uint64_t revision = 0;
  ByteView sealed;
  if (!r.fixed(e.device_id.bytes) || !r.fixed(e.submission_id.bytes)) {
    return Status::corruption("envelope is truncated in its ids");
  }
  if (!r.varint(revision, UINT32_MAX) || revision == 0) {
    return Status::corruption("envelope revision is malformed");
  }
  e.revision = static_cast<std::uint32_t>(revision);
  if (!r.lp_string(e.form_id, kMaxFormIdLength) || e.form_id.empty()) {
    return Status::corruption("envelope form id is malformed");
  }
  if (!r.lp_string(e.form_version, kMaxFormVersionLength)) {
    return Status::corruption("envelope form version is malformed");
  }
  if (!r.lp(sealed, kMaxSealedPayload) || sealed.size() < crypto_box_SEALBYTES) {
    return Status::corruption("envelope payload is malformed");
  }
  e.sealed_payload.assign(sealed.begin(), sealed.end());
  if (!r.fixed(e.signature)) return Status::corruption("envelope signature is truncated");
  if (!r.at_end()) return Status::corruption("envelope has trailing bytes");
  return e;
}

Bytes envelope_signing_input(const Envelope& e, const ServerPublicKeys& server) {
  ByteWriter w;
  w.raw(kEnvelopeSignContext);
  w.raw(server.sign);
  w.raw(server.box);
  w.raw(encode_envelope_body(e));
  return w.take();
}

std::array<std::uint8_t, kOriginTagBytes> origin_tag(const DeviceId& device, const SubmissionId& id,
                                                     std::uint32_t revision) {
  ByteWriter w(kOriginTagContext.size() + 36);
  w.raw(kOriginTagContext);
  w.raw(device.bytes);
  w.raw(id.bytes);
  w.u32be(revision);
  std::array<std::uint8_t, kOriginTagBytes> tag{};
  crypto_generichash(tag.data(), tag.size(), w.bytes().data(), w.bytes().size(), nullptr, 0);
  return tag;
}

Result<Envelope> seal_envelope(EnvelopeFields fields, ByteView payload,
                               const ServerPublicKeys& server, const SigningKey& device_key) {
  EQ_RETURN_IF_ERROR(check_field_lengths(fields));
  constexpr std::size_t kOverhead = crypto_box_SEALBYTES + 1 + kOriginTagBytes;
  if (payload.size() + kOverhead > kMaxSealedPayload) {
    return Status::invalid_argument("response is too large (" + std::to_string(payload.size()) +
                                    " bytes; the limit is " +
                                    std::to_string(kMaxSealedPayload - kOverhead) + ")");
  }
  Envelope e;
  e.device_id = fields.device_id;
  e.submission_id = fields.submission_id;
  e.revision = fields.revision;
  e.form_id = std::move(fields.form_id);
  e.form_version = std::move(fields.form_version);
  const auto tag = origin_tag(e.device_id, e.submission_id, e.revision);
  SecretBuffer plain(1 + tag.size() + payload.size());
  plain.data()[0] = kOriginTagMarker;
  std::memcpy(plain.data() + 1, tag.data(), tag.size());
  if (!payload.empty()) std::memcpy(plain.data() + 1 + tag.size(), payload.data(), payload.size());
  e.sealed_payload = seal_to(server.box, plain.span());
  e.signature = device_key.sign(envelope_signing_input(e, server));
  return e;
}

Result<OpenedPayload> open_envelope_payload(const Envelope& e, const BoxKey& server_box) {
  EQ_ASSIGN_OR_RETURN(Bytes plain, open_sealed(server_box, e.sealed_payload));
  OpenedPayload out;
  if (plain.empty() || plain[0] != kOriginTagMarker) {
    out.plain = std::move(plain);  // sealed before origin tags existed
    return out;
  }
  const auto expected = origin_tag(e.device_id, e.submission_id, e.revision);
  const bool matches = plain.size() >= 1 + kOriginTagBytes &&
                       sodium_memcmp(plain.data() + 1, expected.data(), kOriginTagBytes) == 0;
  if (!matches) {
    wipe(plain);
    return Status::permission_denied(
        "the sealed answers belong to another device or submission (signed again "
        "by someone else, or replayed under a new id)");
  }
  out.plain.assign(plain.begin() + 1 + kOriginTagBytes, plain.end());
  wipe(plain);
  out.tagged = true;
  return out;
}

Status verify_envelope(const Envelope& e, const SignPublicKey& device_key,
                       const ServerPublicKeys& server) {
  if (!verify_signature(device_key, envelope_signing_input(e, server), e.signature)) {
    return Status::unauthenticated("envelope signature does not verify for device " +
                                   e.device_id.to_string());
  }
  return Status::ok();
}

EnvelopeHash envelope_hash(ByteView bytes) {
  EnvelopeHash h{};
  crypto_generichash(h.data(), h.size(), bytes.data(), bytes.size(), nullptr, 0);
  return h;
}

}  // namespace equitas
