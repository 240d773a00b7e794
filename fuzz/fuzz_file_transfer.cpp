// Fuzz target: the four file messages a session carries (FilesOffer 0x70,
// FilesWanted 0x71, FileChunk 0x72, FileAck 0x73; docs/protocol.md, "Files")
// and FileOpener, which the server runs on every chunk a collector sends
// (wire/file_transfer.hpp).
//
// Input: a first byte choosing the mode.
// - mode bit 0 clear: the rest is a message body; the type byte
//   0x70 + ((mode >> 1) & 3) goes before it, and decode_sync_message reads
//   it (with a piece session's trailing offsets, present only when not 0).
//   A message that decodes must be of that type, within its limits, and
//   encode to exactly the bytes read (one encoding per message: a varint or
//   a length has no second spelling).
// - mode bit 0 set: a FileOpener for one of four files sealed once with
//   seal_file, the collector's own code (bits 1-2: 1 byte; exactly one
//   chunk of 64 KiB; two chunks, the last of 1 byte; three chunks, the last
//   of 10 bytes), told the wrong hash when bit 3 is set and a wrong size by
//   bits 4-5 (+1, -1, +64 KiB). Then operations, one byte each with their
//   arguments, each feeding the opener one chunk:
//     op & 3 == 0  the file's chunk (op >> 2) % chunks, as sealed;
//     op & 3 == 1  the same with one byte flipped: u16be position, u8 xor;
//     op & 3 == 2  the same cut or padded with zeros to u16be length;
//     op & 3 == 3  a FileChunk message body as it came off the wire: u16be
//                  length and that many bytes; its data is fed if it decodes.
//   The first three travel through encode/decode of a FileChunk first, as
//   on the wire. Checked: the opener accepts a chunk only when it is the
//   sealed chunk it expects next (a MAC under the file's own key cannot be
//   forged); after one refusal it accepts nothing, and after the last
//   chunk nothing more; it finishes only after
//   every chunk, in order, with the right size and hash; and what it
//   accepted then opens with open_sealed_file to the file's bytes.
//
// Neither the decoder nor FileOpener is documented to throw: nothing is
// caught here.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <variant>
#include <vector>

#include "equitas/crypto/secret.hpp"
#include "equitas/util/bytes.hpp"
#include "equitas/wire/file_transfer.hpp"
#include "equitas/wire/sync_messages.hpp"

namespace {

using equitas::Bytes;
using equitas::ByteView;

void check(bool property) {
  if (!property) std::abort();
}

struct Sample {
  equitas::SealedFile sealed;
  Bytes plain;
};

// The four files, sealed once per process (fresh keys each run: an input
// names chunks by index, so it reproduces whatever the keys).
const std::vector<std::unique_ptr<Sample>>& samples() {
  static const std::vector<std::unique_ptr<Sample>> all = [] {
    if (!equitas::crypto_startup()) std::abort();
    std::vector<std::unique_ptr<Sample>> out;
    for (std::size_t size : {std::size_t{1}, equitas::kFileChunkBytes, equitas::kFileChunkBytes + 1,
                             2 * equitas::kFileChunkBytes + 10}) {
      auto s = std::make_unique<Sample>();
      s->plain.resize(size);
      for (std::size_t i = 0; i < size; ++i) s->plain[i] = static_cast<std::uint8_t>(i * 131 + 7);
      auto sealed = equitas::seal_file(s->plain);
      if (!sealed.is_ok()) std::abort();
      s->sealed = std::move(sealed).value();
      check(s->sealed.chunks.size() == equitas::file_chunk_count(size));
      out.push_back(std::move(s));
    }
    return out;
  }();
  return all;
}

bool same(ByteView a, ByteView b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

// --- the decoder ---------------------------------------------------------

bool within_limits(const equitas::SyncMessage& m) {
  if (const auto* offer = std::get_if<equitas::FilesOffer>(&m)) {
    if (offer->files.size() > equitas::kMaxFilesPerOffer) return false;
    return std::all_of(offer->files.begin(), offer->files.end(),
                       [](const auto& f) { return f.size > 0; });
  }
  if (const auto* wanted = std::get_if<equitas::FilesWanted>(&m)) {
    if (wanted->files.size() > equitas::kMaxFilesPerOffer) return false;
    return std::all_of(wanted->files.begin(), wanted->files.end(), [](const auto& f) {
      return static_cast<std::uint8_t>(f.want) <= 2 &&
             f.detail.size() <= equitas::kMaxDetailLength &&
             f.next_offset < equitas::kMaxFileChunkWire;
    });
  }
  if (const auto* chunk = std::get_if<equitas::FileChunk>(&m)) {
    // A piece (offset not 0) ends within the largest chunk.
    return !chunk->data.empty() && chunk->offset + chunk->data.size() <= equitas::kMaxFileChunkWire;
  }
  if (const auto* ack = std::get_if<equitas::FileAck>(&m)) {
    return static_cast<std::uint8_t>(ack->state) <= 3 &&
           ack->detail.size() <= equitas::kMaxDetailLength &&
           ack->next_offset < equitas::kMaxFileChunkWire;
  }
  return false;  // not a file message at all
}

void fuzz_message(std::uint8_t type, ByteView body) {
  Bytes wire;
  wire.reserve(body.size() + 1);
  wire.push_back(type);
  wire.insert(wire.end(), body.begin(), body.end());
  auto m = equitas::decode_sync_message(wire);
  if (!m.is_ok()) return;
  switch (type) {
    case equitas::kMsgFilesOffer:
      check(std::holds_alternative<equitas::FilesOffer>(*m));
      break;
    case equitas::kMsgFilesWanted:
      check(std::holds_alternative<equitas::FilesWanted>(*m));
      break;
    case equitas::kMsgFileChunk:
      check(std::holds_alternative<equitas::FileChunk>(*m));
      break;
    default:
      check(std::holds_alternative<equitas::FileAck>(*m));
      break;
  }
  check(within_limits(*m));
  const Bytes again = std::visit([](const auto& msg) { return equitas::encode(msg); }, *m);
  check(same(again, wire));
}

// --- the opener ----------------------------------------------------------

class Reader {
 public:
  explicit Reader(ByteView in) : in_(in) {}
  bool u8(std::uint8_t& v) {
    if (in_.empty()) return false;
    v = in_[0];
    in_ = in_.subspan(1);
    return true;
  }
  bool u16(std::size_t& v) {
    std::uint8_t hi = 0, lo = 0;
    if (!u8(hi) || !u8(lo)) return false;
    v = (std::size_t{hi} << 8) | lo;
    return true;
  }
  ByteView take(std::size_t n) {
    n = std::min(n, in_.size());
    ByteView out = in_.subspan(0, n);
    in_ = in_.subspan(n);
    return out;
  }

 private:
  ByteView in_;
};

// A chunk as the wire carries it: encoded in a FileChunk, decoded back.
Bytes over_the_wire(const equitas::FileId& id, std::uint32_t index, Bytes data) {
  equitas::FileChunk c;
  c.id = id;
  c.index = index;
  c.data = std::move(data);
  const Bytes wire = equitas::encode(c);
  auto m = equitas::decode_sync_message(wire);
  // Whatever the sealing code makes, the decoder takes back whole.
  check(m.is_ok());
  const auto* back = std::get_if<equitas::FileChunk>(&*m);
  check(back != nullptr && back->id == id && back->index == index && same(back->data, c.data));
  return back->data;
}

void fuzz_opener(std::uint8_t mode, ByteView rest) {
  const Sample& s = *samples()[(mode >> 1) & 3];
  const auto& chunks = s.sealed.chunks;
  equitas::FileHash hash = s.sealed.sha256;
  if ((mode & 8) != 0) hash[0] ^= 0x80;
  std::uint64_t size = s.sealed.size;
  switch ((mode >> 4) & 3) {
    case 1:
      size += 1;
      break;
    case 2:
      size -= 1;
      break;  // 0 for the 1-byte file: an opener that takes nothing
    case 3:
      size += equitas::kFileChunkBytes;
      break;
    default:
      break;
  }
  const bool honest = size == s.sealed.size && hash == s.sealed.sha256;
  equitas::FileOpener opener(s.sealed.key, hash, size);
  const std::uint32_t count = size == 0 ? 0 : equitas::file_chunk_count(size);

  Reader in(rest);
  std::vector<Bytes> accepted;
  bool refused = false;
  std::uint8_t op = 0;
  while (in.u8(op)) {
    const std::size_t k = (op >> 2) % chunks.size();
    Bytes data;
    bool have = true;
    switch (op & 3) {
      case 0:
        data = over_the_wire(s.sealed.id, static_cast<std::uint32_t>(k), chunks[k]);
        break;
      case 1: {
        std::size_t at = 0;
        std::uint8_t x = 0;
        if (!in.u16(at) || !in.u8(x)) return;
        data = chunks[k];
        data[at % data.size()] ^= x == 0 ? 1 : x;
        data = over_the_wire(s.sealed.id, static_cast<std::uint32_t>(k), std::move(data));
        break;
      }
      case 2: {
        std::size_t len = 0;
        if (!in.u16(len)) return;
        data = chunks[k];
        data.resize(std::max<std::size_t>(1, std::min(len, equitas::kMaxFileChunkWire)), 0);
        data = over_the_wire(s.sealed.id, static_cast<std::uint32_t>(k), std::move(data));
        break;
      }
      default: {
        std::size_t len = 0;
        if (!in.u16(len)) return;
        const ByteView body = in.take(len);
        Bytes wire{equitas::kMsgFileChunk};
        wire.insert(wire.end(), body.begin(), body.end());
        auto m = equitas::decode_sync_message(wire);
        const auto* c = m.is_ok() ? std::get_if<equitas::FileChunk>(&*m) : nullptr;
        have = c != nullptr;
        if (have) data = c->data;
        break;
      }
    }
    if (!have) continue;
    const std::uint32_t next = opener.next_chunk();
    const bool was_finished = opener.finished();
    const equitas::Status st = opener.accept(data);
    if (!st.is_ok()) {
      // After the end, a chunk is simply not taken. Before it, the opener
      // is unusable from now on (its next_chunk() is then unspecified: a
      // last chunk whose hash fails has moved it on; FileStore keeps the
      // index it asked for, and resume() checks the chunks again).
      // The first refusal of a live opener says why the chunk is bad.
      if (!was_finished && !refused && size != 0)
        check(st.code() == equitas::StatusCode::kCorruption);
      if (!was_finished) refused = true;
      continue;
    }
    // Taken: nothing was refused before, the transfer was not over, and
    // these are exactly the sealed bytes of the chunk it expected.
    check(!refused && !was_finished);
    check(next < chunks.size() && next < count && same(data, chunks[next]));
    check(opener.next_chunk() == next + 1);
    accepted.push_back(std::move(data));
  }
  if (!opener.finished()) return;
  // Finished: every chunk, in order, of the right file, and they open.
  check(honest && !refused && accepted.size() == chunks.size());
  Bytes whole;
  for (const auto& c : accepted) whole.insert(whole.end(), c.begin(), c.end());
  auto opened = equitas::open_sealed_file(whole, s.sealed.key, hash, size);
  check(opened.is_ok() && same(*opened, s.plain));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t mode = data[0];
  const ByteView rest(data + 1, size - 1);
  if ((mode & 1) == 0) {
    fuzz_message(static_cast<std::uint8_t>(equitas::kMsgFilesOffer + ((mode >> 1) & 3)), rest);
  } else {
    fuzz_opener(mode, rest);
  }
  return 0;
}
