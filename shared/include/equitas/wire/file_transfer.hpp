// Files (photos, recordings, documents) a response names: how they are
// encrypted at capture and how they travel, chunk by chunk, after the
// envelope that names them. Layouts are in docs/protocol.md, "Files".
//
// At capture the collector encrypts each file under a key of its own with
// libsodium's secretstream (crypto_secretstream_xchacha20poly1305), in
// plaintext chunks of kFileChunkBytes: the stream's 24-byte header, then
// one authenticated ciphertext chunk per plaintext chunk, the last tagged
// FINAL. The key, the SHA-256 and the size go into the response's answers
// (forms/file_answer.hpp), sealed to the server and signed by the device;
// the collector keeps only the ciphertext, which it cannot read back.
//
// Transfer, inside the authenticated session, after the pushes:
//   FilesOffer   collector -> server  the files it holds for acknowledged responses
//   FilesWanted  server -> collector  per file: have it, send from chunk N, or unknown
//   FileChunk    collector -> server  one chunk (chunk 0 starts with the header),
//                                     or in a piece session a piece of one
//   FileAck      server -> collector  next chunk (and offset) wanted, complete, or why not
// A session that negotiated kSyncSubprotocolPieces sends each chunk in
// pieces of kFilePieceBytes, a few in flight: the server makes each piece
// durable and acknowledges it, checks the chunk once it is whole, and a
// cut loses only the piece in flight; the next session resumes from the
// byte the server holds. Otherwise whole chunks, stop and wait, resuming
// from the first chunk the server has not stored.
#pragma once

#include <sodium.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "equitas/crypto/secret.hpp"
#include "equitas/status/status.hpp"
#include "equitas/util/bytes.hpp"

namespace equitas {

inline constexpr std::size_t kFileChunkBytes = 64 * 1024;
inline constexpr std::size_t kFileHeaderBytes = crypto_secretstream_xchacha20poly1305_HEADERBYTES;
inline constexpr std::size_t kFileChunkOverhead = crypto_secretstream_xchacha20poly1305_ABYTES;
inline constexpr std::size_t kFileKeyBytes = crypto_secretstream_xchacha20poly1305_KEYBYTES;
// The largest chunk on the wire: chunk 0 carries the header too.
inline constexpr std::size_t kMaxFileChunkWire =
    kFileHeaderBytes + kFileChunkBytes + kFileChunkOverhead;
inline constexpr std::size_t kMaxFilesPerOffer = 256;
// Subprotocols, newest first. A collector answered with v2 or v3 may send
// pieces and is told byte offsets; one answered with v3 also reads form
// definitions up to kMaxFormDefinitionBytes (sync_messages.hpp), where v1
// and v2 collectors read at most kMaxFormDefinitionBytesV2: the server
// keeps larger forms from them.
inline constexpr const char* kSyncSubprotocolLargeForms = "equitas-sync.v3";
inline constexpr const char* kSyncSubprotocolPieces = "equitas-sync.v2";
inline constexpr const char* kSyncSubprotocolChunks = "equitas-sync.v1";
// A piece: small enough that a cut on a 64 kbit/s link loses about half a
// second of it, large enough that its framing (some 60 bytes) and the
// server's fdatasync stay small beside it.
inline constexpr std::size_t kFilePieceBytes = 8 * 1024;

using FileId = std::array<std::uint8_t, 16>;
using FileHash = std::array<std::uint8_t, 32>;  // SHA-256 of the plaintext
using FileKey = SecretBytes<kFileKeyBytes>;

// How many chunks a file of `size` bytes (> 0) travels in.
std::uint32_t file_chunk_count(std::uint64_t size);
// Bytes of the encrypted file (header and every chunk's overhead included).
std::uint64_t sealed_file_size(std::uint64_t size);

// A file encrypted at capture.
struct SealedFile {
  FileId id{};
  FileHash sha256{};
  std::uint64_t size = 0;
  FileKey key;                // goes into the sealed answers; wipe once there
  std::vector<Bytes> chunks;  // as sent: chunks[0] = header || first chunk
};
// Encrypts `plain` (not empty) under a fresh random key and id.
Result<SealedFile> seal_file(ByteView plain);

// The receiving side: checks each chunk in order against the key and, at
// the end, the whole file against the signed hash and size.
class FileOpener {
 public:
  FileOpener(const FileKey& key, const FileHash& expected, std::uint64_t size);
  std::uint32_t next_chunk() const { return next_; }
  bool finished() const { return finished_; }
  // Checks chunk `next_chunk()`: its MAC, its length, and whether FINAL
  // sits exactly on the last chunk; the last one also checks the SHA-256
  // and size of everything. Corruption, naming the chunk, on any failure;
  // the opener is then unusable. The plaintext is wiped before returning.
  Status accept(ByteView chunk);

 private:
  FileKey key_;
  FileHash expected_{};
  std::uint64_t size_ = 0;
  std::uint32_t count_ = 0;
  std::uint32_t next_ = 0;
  std::uint64_t seen_ = 0;
  bool finished_ = false;
  bool broken_ = false;
  crypto_secretstream_xchacha20poly1305_state state_{};
  crypto_hash_sha256_state hash_{};
};

// Decrypts a whole stored file (the chunks concatenated as received),
// checking it as FileOpener does. For exports.
Result<Bytes> open_sealed_file(ByteView sealed, const FileKey& key, const FileHash& expected,
                               std::uint64_t size);

inline constexpr std::uint8_t kMsgFilesOffer = 0x70;
inline constexpr std::uint8_t kMsgFilesWanted = 0x71;
inline constexpr std::uint8_t kMsgFileChunk = 0x72;
inline constexpr std::uint8_t kMsgFileAck = 0x73;

struct FileOfferItem {
  FileId id{};
  FileHash sha256{};
  std::uint64_t size = 0;
  bool operator==(const FileOfferItem&) const = default;
};
struct FilesOffer {
  std::vector<FileOfferItem> files;
};

enum class FileWant : std::uint8_t {
  kSend = 0,     // send from `next_chunk`
  kHave = 1,     // the server holds these bytes already (this copy or another with the same hash)
  kUnknown = 2,  // no response stored here names this file; `detail` says why
};
struct FileWantItem {
  FileId id{};
  FileWant want = FileWant::kSend;
  std::uint32_t next_chunk = 0;
  std::string detail;
  // Bytes of chunk `next_chunk` the server holds already (pieces only;
  // always 0 in a chunk session).
  std::uint32_t next_offset = 0;
  bool operator==(const FileWantItem&) const = default;
};
struct FilesWanted {
  std::vector<FileWantItem> files;
};

struct FileChunk {
  FileId id{};
  std::uint32_t index = 0;
  Bytes data;
  // Where `data` starts in chunk `index` as sealed; the chunk is whole once
  // offset + data reach its length. Encoded only when not 0.
  std::uint32_t offset = 0;
};

enum class FileAckState : std::uint8_t {
  kContinue = 0,    // stored; send `next_chunk`
  kComplete = 1,    // the whole file checked and stored
  kFailed = 2,      // this chunk or the file did not check; resume later from `next_chunk`
  kRetryLater = 3,  // the server could not store it now (disk full); resume later
};
struct FileAck {
  FileId id{};
  FileAckState state = FileAckState::kContinue;
  std::uint32_t next_chunk = 0;
  std::string detail;
  std::uint32_t next_offset = 0;  // bytes of `next_chunk` held (pieces only)
};

}  // namespace equitas
