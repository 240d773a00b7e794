#include "equitas/wire/file_transfer.hpp"

#include <algorithm>

namespace equitas {

std::uint32_t file_chunk_count(std::uint64_t size) {
  return static_cast<std::uint32_t>((size + kFileChunkBytes - 1) / kFileChunkBytes);
}

std::uint64_t sealed_file_size(std::uint64_t size) {
  return kFileHeaderBytes + size + std::uint64_t{file_chunk_count(size)} * kFileChunkOverhead;
}

Result<SealedFile> seal_file(ByteView plain) {
  if (plain.empty()) return Status::invalid_argument("the file is empty");
  if (plain.size() >= (std::uint64_t{1} << 40))
    return Status::invalid_argument("the file is too large");
  SealedFile out;
  randombytes_buf(out.id.data(), out.id.size());
  crypto_secretstream_xchacha20poly1305_keygen(out.key.data());
  crypto_hash_sha256(out.sha256.data(), plain.data(), plain.size());
  out.size = plain.size();
  crypto_secretstream_xchacha20poly1305_state state;
  std::array<std::uint8_t, kFileHeaderBytes> header{};
  crypto_secretstream_xchacha20poly1305_init_push(&state, header.data(), out.key.data());
  const std::uint32_t count = file_chunk_count(plain.size());
  out.chunks.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::size_t from = std::size_t{i} * kFileChunkBytes;
    const std::size_t len = std::min(kFileChunkBytes, plain.size() - from);
    const std::size_t lead = i == 0 ? kFileHeaderBytes : 0;
    Bytes chunk(lead + len + kFileChunkOverhead);
    if (lead > 0) std::copy(header.begin(), header.end(), chunk.begin());
    const std::uint8_t tag = i + 1 == count ? crypto_secretstream_xchacha20poly1305_TAG_FINAL
                                            : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
    crypto_secretstream_xchacha20poly1305_push(&state, chunk.data() + lead, nullptr,
                                               plain.data() + from, len, nullptr, 0, tag);
    out.chunks.push_back(std::move(chunk));
  }
  sodium_memzero(&state, sizeof state);
  return out;
}

FileOpener::FileOpener(const FileKey& key, const FileHash& expected, std::uint64_t size)
    : expected_(expected), size_(size), count_(file_chunk_count(size)) {
  std::copy_n(key.data(), kFileKeyBytes, key_.data());
  crypto_hash_sha256_init(&hash_);
  broken_ = size == 0;
}

Status FileOpener::accept(ByteView chunk) {
  const std::string which = "chunk " + std::to_string(next_) + " of " + std::to_string(count_);
  if (broken_ || finished_)
    return Status::failed_precondition("the file's transfer is over; " + which + " is not taken");
  if (next_ == 0) {
    if (chunk.size() < kFileHeaderBytes ||
        crypto_secretstream_xchacha20poly1305_init_pull(&state_, chunk.data(), key_.data()) != 0) {
      broken_ = true;
      return Status::corruption(which + " has no valid stream header");
    }
    chunk = chunk.subspan(kFileHeaderBytes);
  }
  const bool last = next_ + 1 == count_;
  const std::uint64_t want = last ? size_ - seen_ : kFileChunkBytes;
  if (chunk.size() != want + kFileChunkOverhead) {
    broken_ = true;
    return Status::corruption(which + " is " + std::to_string(chunk.size()) + " bytes; " +
                              std::to_string(want + kFileChunkOverhead) + " were expected");
  }
  Bytes plain(static_cast<std::size_t>(want));
  std::uint8_t tag = 0;
  if (crypto_secretstream_xchacha20poly1305_pull(&state_, plain.data(), nullptr, &tag, chunk.data(),
                                                 chunk.size(), nullptr, 0) != 0) {
    broken_ = true;
    return Status::corruption(which +
                              " does not authenticate (altered, or encrypted under another key)");
  }
  const bool final_tag = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
  if (final_tag != last) {
    wipe(plain);
    broken_ = true;
    return Status::corruption(
        which + (last ? " is the last but does not end the stream" : " ends the stream early"));
  }
  crypto_hash_sha256_update(&hash_, plain.data(), plain.size());
  wipe(plain);
  seen_ += want;
  ++next_;
  if (!last) return Status::ok();
  FileHash got{};
  crypto_hash_sha256_final(&hash_, got.data());
  if (sodium_memcmp(got.data(), expected_.data(), got.size()) != 0) {
    broken_ = true;
    return Status::corruption("the file's SHA-256 is not the one its response signed");
  }
  finished_ = true;
  return Status::ok();
}

Result<Bytes> open_sealed_file(ByteView sealed, const FileKey& key, const FileHash& expected,
                               std::uint64_t size) {
  if (size == 0 || sealed.size() != sealed_file_size(size)) {
    return Status::corruption("the stored file is " + std::to_string(sealed.size()) + " bytes; " +
                              std::to_string(sealed_file_size(size)) + " were expected");
  }
  crypto_secretstream_xchacha20poly1305_state state;
  if (crypto_secretstream_xchacha20poly1305_init_pull(&state, sealed.data(), key.data()) != 0) {
    return Status::corruption("the stored file has no valid stream header");
  }
  Bytes out(static_cast<std::size_t>(size));
  std::size_t in = kFileHeaderBytes;
  std::size_t at = 0;
  const std::uint32_t count = file_chunk_count(size);
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::size_t len = std::min<std::size_t>(kFileChunkBytes, out.size() - at);
    std::uint8_t tag = 0;
    if (crypto_secretstream_xchacha20poly1305_pull(&state, out.data() + at, nullptr, &tag,
                                                   sealed.data() + in, len + kFileChunkOverhead,
                                                   nullptr, 0) != 0 ||
        (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) != (i + 1 == count)) {
      wipe(out);
      return Status::corruption("chunk " + std::to_string(i) +
                                " of the stored file does not authenticate");
    }
    in += len + kFileChunkOverhead;
    at += len;
  }
  FileHash got{};
  crypto_hash_sha256(got.data(), out.data(), out.size());
  if (sodium_memcmp(got.data(), expected.data(), got.size()) != 0) {
    wipe(out);
    return Status::corruption("the stored file's SHA-256 is not the one its response signed");
  }
  return out;
}

}  // namespace equitas
