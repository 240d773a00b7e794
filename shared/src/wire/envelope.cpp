#include "equitas/wire/envelope.hpp"

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

Result<Envelope> seal_envelope(EnvelopeFields fields, ByteView payload,
                               const ServerPublicKeys& server, const SigningKey& device_key) {
  EQ_RETURN_IF_ERROR(check_field_lengths(fields));
  if (payload.size() + crypto_box_SEALBYTES > kMaxSealedPayload) {
    return Status::invalid_argument("response is too large (" + std::to_string(payload.size()) +
                                    " bytes; the limit is " +
                                    std::to_string(kMaxSealedPayload - crypto_box_SEALBYTES) + ")");
  }
  Envelope e;
  e.device_id = fields.device_id;
  e.submission_id = fields.submission_id;
  e.revision = fields.revision;
  e.form_id = std::move(fields.form_id);
  e.form_version = std::move(fields.form_version);
  e.sealed_payload = seal_to(server.box, payload);
  e.signature = device_key.sign(envelope_signing_input(e, server));
  return e;
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
