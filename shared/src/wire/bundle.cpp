#include "equitas/wire/bundle.hpp"

#include "equitas/wire/registration.hpp"
#include "signed_file.hpp"

namespace equitas {
namespace {

constexpr std::uint8_t kBundleVersion = 1;
constexpr std::uint8_t kBundleVersionWithRegistration = 2;
constexpr std::uint8_t kBundleVersionWithFiles = 3;
constexpr std::uint8_t kReceiptVersion = 2;
constexpr std::uint8_t kReceiptVersionWithFiles = 3;

Bytes with_context(std::string_view context, ByteView body) {
  Bytes out;
  out.reserve(context.size() + body.size());
  out.insert(out.end(), context.begin(), context.end());
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

bool starts_with(ByteView bytes, std::string_view magic) {
  return bytes.size() >= magic.size() && as_chars(bytes.subspan(0, magic.size())) == magic;
}

void put_file(ByteWriter& w, const BundleFile& f) {
  w.raw(f.id);
  w.raw(f.sha256);
  w.varint(f.size);
  w.raw(f.submission_id.bytes);
  w.varint(f.revision);
  w.varint(f.chunks.size());
  for (const auto& c : f.chunks) w.lp(c);
}

Status take_file(ByteReader& r, std::uint64_t n, BundleFile& f) {
  const auto damaged = [n] {
    return Status::corruption("the bundle is damaged at file " + std::to_string(n));
  };
  std::uint64_t size = 0, revision = 0, chunks = 0;
  if (!r.fixed(f.id) || !r.fixed(f.sha256) || !r.varint(size, kMaxBundleBytes) || size == 0 ||
      !r.fixed(f.submission_id.bytes) || !r.varint(revision, UINT32_MAX) || revision == 0 ||
      !r.varint(chunks, file_chunk_count(kMaxBundleBytes))) {
    return damaged();
  }
  f.size = size;
  f.revision = static_cast<std::uint32_t>(revision);
  // A file travels in exactly as many chunks as its size says; anything
  // else is damage, and would only fail later, against the key.
  if (chunks != file_chunk_count(size)) return damaged();
  f.chunks.reserve(chunks);
  for (std::uint64_t i = 0; i < chunks; ++i) {
    ByteView c;
    if (!r.lp(c, kMaxFileChunkWire)) return damaged();
    f.chunks.emplace_back(c.begin(), c.end());
  }
  return Status::ok();
}

}  // namespace

std::uint64_t BundleFile::sealed_bytes() const {
  std::uint64_t n = 0;
  for (const auto& c : chunks) n += c.size();
  return n;
}

bool looks_like_bundle(ByteView bytes) { return starts_with(bytes, kBundleMagic); }
bool looks_like_receipt(ByteView bytes) { return starts_with(bytes, kReceiptMagic); }

Bytes encode_bundle(const Bundle& b, const SigningKey& device_key) {
  std::size_t total = 128;
  for (const auto& e : b.envelopes) total += e.size() + 4;
  for (const auto& f : b.files) total += f.sealed_bytes() + 96 + 4 * f.chunks.size();
  ByteWriter w(total);
  w.raw(kBundleMagic);
  // The oldest version that says everything, so older servers still read
  // what they can.
  const std::uint8_t version = !b.files.empty() ? kBundleVersionWithFiles
                               : b.registration ? kBundleVersionWithRegistration
                                                : kBundleVersion;
  w.u8(version);
  w.raw(b.device_id.bytes);
  w.raw(b.server);
  w.u64be(static_cast<std::uint64_t>(b.created_at));
  w.varint(b.envelopes.size());
  for (const auto& e : b.envelopes) w.lp(e);
  if (version >= kBundleVersionWithRegistration) {
    w.u8(b.registration ? 1 : 0);
    if (b.registration) w.lp(*b.registration);
  }
  if (version >= kBundleVersionWithFiles) {
    w.varint(b.files.size());
    for (const auto& f : b.files) put_file(w, f);
  }
  Bytes out = w.take();
  const Signature sig = device_key.sign(with_context(kBundleSignContext, out));
  out.insert(out.end(), sig.begin(), sig.end());
  return out;
}

Result<DecodedBundle> decode_bundle(ByteView bytes) {
  if (!looks_like_bundle(bytes)) return Status::invalid_argument("this is not an Equitas bundle");
  const auto file = wire_detail::split_signed(bytes, kBundleMagic);
  if (!file) return Status::corruption("the bundle is truncated");
  const ByteView body = file->body;
  DecodedBundle d;
  d.signature = file->signature;
  ByteReader r(body.subspan(kBundleMagic.size()));
  std::uint8_t version = 0;
  std::uint64_t created = 0, count = 0;
  if (!r.u8(version)) return Status::corruption("the bundle is truncated");
  if (version != kBundleVersion && version != kBundleVersionWithRegistration &&
      version != kBundleVersionWithFiles) {
    return Status::corruption(
        "bundle version " + std::to_string(version) +
        " is not supported (made by a newer collector? upgrade the server first)");
  }
  if (!r.fixed(d.bundle.device_id.bytes) || !r.fixed(d.bundle.server) || !r.u64be(created) ||
      !r.varint(count, kMaxBundleEnvelopes)) {
    return Status::corruption("the bundle header is damaged");
  }
  d.bundle.created_at = static_cast<std::int64_t>(created);
  d.bundle.envelopes.reserve(std::min<std::uint64_t>(count, 65536));
  for (std::uint64_t i = 0; i < count; ++i) {
    ByteView e;
    if (!r.lp(e, kMaxEnvelopeBytes))
      return Status::corruption("the bundle is damaged at envelope " + std::to_string(i + 1));
    d.bundle.envelopes.emplace_back(e.begin(), e.end());
  }
  if (version >= kBundleVersionWithRegistration) {
    std::uint8_t has = 0;
    ByteView reg;
    if (!r.u8(has) || has > 1 || (has == 1 && !r.lp(reg, kMaxRegistrationBytes))) {
      return Status::corruption("the bundle's registration is damaged");
    }
    if (has == 1) d.bundle.registration = Bytes(reg.begin(), reg.end());
  }
  if (version >= kBundleVersionWithFiles) {
    std::uint64_t files = 0;
    if (!r.varint(files, kMaxBundleFiles))
      return Status::corruption("the bundle's list of files is damaged");
    d.bundle.files.reserve(std::min<std::uint64_t>(files, 4096));
    for (std::uint64_t i = 0; i < files; ++i) {
      BundleFile f;
      EQ_RETURN_IF_ERROR(take_file(r, i + 1, f));
      d.bundle.files.push_back(std::move(f));
    }
  }
  if (!r.at_end()) return Status::corruption("the bundle has trailing bytes");
  d.signed_part.assign(body.begin(), body.end());
  return d;
}

Status verify_bundle(const DecodedBundle& b, const SignPublicKey& device_key) {
  if (!verify_signature(device_key, with_context(kBundleSignContext, b.signed_part), b.signature)) {
    return Status::unauthenticated("the bundle's signature does not verify for device " +
                                   b.bundle.device_id.to_string() +
                                   " (altered or not from that device)");
  }
  return Status::ok();
}

Bytes encode_receipt(const Receipt& rc, const SigningKey& server_key) {
  ByteWriter w(64 + rc.items.size() * 24 + rc.files.size() * 18);
  w.raw(kReceiptMagic);
  w.u8(rc.files.empty() ? kReceiptVersion : kReceiptVersionWithFiles);
  w.raw(server_key.public_key());
  w.u64be(static_cast<std::uint64_t>(rc.created_at));
  w.varint(rc.items.size());
  for (const auto& it : rc.items) {
    w.raw(it.submission_id.bytes);
    w.varint(it.revision);
    w.raw(it.origin.bytes);
    w.raw(it.envelope_hash);
    w.u8(static_cast<std::uint8_t>(it.result.status));
    if (it.result.status == ItemStatus::kRejected) {
      w.u8(static_cast<std::uint8_t>(it.result.reason));
      w.lp(truncate_utf8(it.result.detail, kMaxDetailLength));
    }
  }
  if (!rc.files.empty()) {
    w.varint(rc.files.size());
    for (const auto& f : rc.files) {
      w.raw(f.id);
      w.u8(f.held ? 1 : 0);
      if (!f.held) w.lp(truncate_utf8(f.detail, kMaxDetailLength));
    }
  }
  Bytes out = w.take();
  const Signature sig = server_key.sign(with_context(kReceiptSignContext, out));
  out.insert(out.end(), sig.begin(), sig.end());
  return out;
}

Result<Receipt> decode_receipt(ByteView bytes, const SignPublicKey& pinned) {
  if (!looks_like_receipt(bytes)) return Status::invalid_argument("this is not an Equitas receipt");
  const auto file = wire_detail::split_signed(bytes, kReceiptMagic);
  if (!file) return Status::corruption("the receipt is truncated");
  const ByteView body = file->body;
  if (!verify_signature(pinned, with_context(kReceiptSignContext, body), file->signature)) {
    return Status::unauthenticated(
        "the receipt is not signed by this collector's server (altered, or from another server)");
  }
  Receipt rc;
  ByteReader r(body.subspan(kReceiptMagic.size()));
  std::uint8_t version = 0;
  std::uint64_t created = 0, count = 0;
  if (r.u8(version) && version == 1) {
    return Status::failed_precondition(
        "this receipt was made by an older server that does not name each envelope; upgrade the "
        "server "
        "and import the bundle again for a new receipt");
  }
  if ((version != kReceiptVersion && version != kReceiptVersionWithFiles) || !r.fixed(rc.server) ||
      !r.u64be(created) || !r.varint(count, kMaxBundleEnvelopes)) {
    return Status::corruption("the receipt header is damaged");
  }
  rc.created_at = static_cast<std::int64_t>(created);
  for (std::uint64_t i = 0; i < count; ++i) {
    ReceiptItem it;
    std::uint64_t revision = 0;
    std::uint8_t status = 0;
    if (!r.fixed(it.submission_id.bytes) || !r.varint(revision, UINT32_MAX) || revision == 0 ||
        !r.fixed(it.origin.bytes) || !r.fixed(it.envelope_hash) || !r.u8(status) || status > 3) {
      return Status::corruption("the receipt is damaged at item " + std::to_string(i + 1));
    }
    it.revision = static_cast<std::uint32_t>(revision);
    it.result.status = static_cast<ItemStatus>(status);
    if (it.result.status == ItemStatus::kRejected) {
      std::uint8_t reason = 0;
      if (!r.u8(reason) || reason < 1 || reason > kMaxRejectReason ||
          !r.lp_string(it.result.detail, kMaxDetailLength)) {
        return Status::corruption("the receipt is damaged at item " + std::to_string(i + 1));
      }
      it.result.reason = static_cast<RejectReason>(reason);
    }
    rc.items.push_back(std::move(it));
  }
  if (version == kReceiptVersionWithFiles) {
    std::uint64_t files = 0;
    if (!r.varint(files, kMaxBundleFiles))
      return Status::corruption("the receipt's list of files is damaged");
    for (std::uint64_t i = 0; i < files; ++i) {
      ReceiptFile f;
      std::uint8_t held = 0;
      if (!r.fixed(f.id) || !r.u8(held) || held > 1 ||
          (held == 0 && !r.lp_string(f.detail, kMaxDetailLength))) {
        return Status::corruption("the receipt is damaged at file " + std::to_string(i + 1));
      }
      f.held = held == 1;
      rc.files.push_back(std::move(f));
    }
  }
  if (!r.at_end()) return Status::corruption("the receipt has trailing bytes");
  return rc;
}

}  // namespace equitas
