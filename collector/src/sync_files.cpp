// The session's attachment files: offered after the pushes and sent chunk
// by chunk, or in pieces with a few in flight, with the in-memory cache of
// where the server holds each file. Members of Session (sync_session.hpp),
// apart from the rest because file transfer is most of the session's code.
#include <algorithm>
#include <map>

#include "equitas/util/thread_annotations.hpp"
#include "sync_session.hpp"

namespace equitas::collector::sync_detail {
namespace {

Mutex positions_mutex;
std::map<FileId, FilePosition> positions EQ_GUARDED_BY(positions_mutex);

// The piece that starts at `offset` of a chunk of `size` bytes: a tail
// too short to be worth a message of its own goes with the piece before.
std::uint32_t piece_length(std::size_t size, std::uint32_t offset) {
  const std::size_t left = size - offset;
  return static_cast<std::uint32_t>(left < kFilePieceBytes + kFilePieceBytes / 8 ? left
                                                                                 : kFilePieceBytes);
}

// Pieces in flight: a cut loses what is on the link, not what waits behind
// it, so this only has to cover the round trip and the server's fdatasync
// (about 5 KB on a 64 kbit/s satellite link).
constexpr std::size_t kPiecesInFlight = 3;

}  // namespace

void note_position(const FileId& id, std::optional<FilePosition> at) {
  MutexLock lock(&positions_mutex);
  if (!at) {
    positions.erase(id);
    return;
  }
  if (positions.size() >= 4096 && positions.count(id) == 0) positions.clear();
  positions[id] = *at;
}

std::optional<FilePosition> last_position(const FileId& id) {
  MutexLock lock(&positions_mutex);
  const auto it = positions.find(id);
  if (it == positions.end()) return std::nullopt;
  return it->second;
}

net::awaitable<Result<bool>> Session::send_file(Ws& ws, const CollectorStore::FileToSend& f,
                                                std::uint32_t from) {
  const std::string name = to_hex(ByteView(f.id));
  std::uint32_t index = from;
  // A server that keeps asking for the same chunk cannot hold the session.
  for (std::uint64_t sent = 0; index < f.chunks; ++sent) {
    if (sent > 2 * std::uint64_t{f.chunks} + 8)
      co_return Status::corruption("the server keeps asking for chunks of " + name);
    auto data = store_.file_chunk(f.id, index);
    if (!data.is_ok()) co_return data.status();
    FileChunk chunk;
    chunk.id = f.id;
    chunk.index = index;
    chunk.data = std::move(*data);
    const auto chunk_bytes = static_cast<std::int64_t>(chunk.data.size());
    co_await write(ws, protocol_.seal(chunk));
    ++report_.file_chunks_sent;
    auto reply = co_await read_sealed(ws);
    if (!reply.is_ok()) co_return reply.status();
    if (const auto* err = std::get_if<ErrorMsg>(&*reply)) co_return refusal_status(*err);
    const auto* ack = std::get_if<FileAck>(&*reply);
    if (ack == nullptr || ack->id != f.id)
      co_return Status::corruption("the server did not acknowledge file " + name);
    switch (ack->state) {
      case FileAckState::kContinue:
        // Usually the next chunk; after a resume, wherever the server is.
        if (ack->next_chunk >= f.chunks)
          co_return Status::corruption("the server asked for a chunk past the end of " + name);
        if (ack->next_chunk == index + 1) report_.file_bytes_sent += chunk_bytes;
        index = ack->next_chunk;
        break;
      case FileAckState::kComplete:
        report_.file_bytes_sent += chunk_bytes;
        if (Status s = store_.file_sent(f.id, clock_.now()); !s.is_ok()) co_return s;
        ++report_.files_sent;
        co_return true;
      case FileAckState::kFailed:
        (void)store_.file_note(f.id, ack->detail);
        report_.file_notes.push_back(
            "file " + name + " stopped at chunk " + std::to_string(index) + ": " + ack->detail +
            " (kept; the next sync resumes from chunk " + std::to_string(ack->next_chunk) + ")");
        co_return true;
      case FileAckState::kRetryLater:
        (void)store_.file_note(f.id, ack->detail);
        report_.file_notes.push_back("file " + name + ": " + ack->detail);
        co_return false;
    }
  }
  co_return true;
}

void Session::step_past(bool ends_chunk, std::uint32_t length, std::uint32_t& chunk,
                        std::uint32_t& offset) {
  if (ends_chunk) {
    ++report_.file_chunks_sent;
    ++chunk;
    offset = 0;
  } else {
    offset += length;
  }
}

net::awaitable<std::uint32_t> Session::write_piece(Ws& ws, const FileId& id, std::uint32_t chunk,
                                                   std::uint32_t offset, const Bytes& data) {
  FileChunk piece;
  piece.id = id;
  piece.index = chunk;
  piece.offset = offset;
  const std::uint32_t length = piece_length(data.size(), offset);
  piece.data.assign(data.begin() + offset, data.begin() + offset + length);
  co_await write(ws, protocol_.seal(piece));
  co_return length;
}

net::awaitable<Status> Session::send_early_pieces(Ws& ws, EarlyOffer& early, FilePosition from) {
  const CollectorStore::FileToSend& f = early.files.front();
  early.from = from;
  FilePosition at = from;
  Bytes data;
  std::uint32_t loaded = UINT32_MAX;
  while (early.pieces.size() < kPiecesInFlight && at.chunk < f.chunks) {
    if (loaded != at.chunk) {
      auto read = store_.file_chunk(f.id, at.chunk);
      if (!read.is_ok()) co_return read.status();
      data = std::move(*read);
      loaded = at.chunk;
    }
    if (at.offset >= data.size()) break;  // a stale hint: the offer's answer says where to go
    const std::uint32_t length = co_await write_piece(ws, f.id, at.chunk, at.offset, data);
    PieceSent sent{0,
                   at.chunk,
                   at.offset,
                   length,
                   at.offset + length == data.size(),
                   early.pieces.size() + 1,
                   false};
    early.pieces.push_back(sent);
    step_past(sent.ends_chunk, length, at.chunk, at.offset);
  }
  early.after = at;
  co_return Status::ok();
}

net::awaitable<Result<bool>> Session::send_pieces(Ws& ws, std::vector<PieceJob>& jobs,
                                                  std::vector<FileHash>& held_now,
                                                  std::vector<PieceSent> early) {
  PieceFlight sending;
  sending.flight.assign(early.begin(), early.end());
  sending.sent_count = early.size();
  for (;;) {
    if (Status st = co_await fill_flight(ws, sending, jobs); !st.is_ok()) co_return st;
    if (sending.flight.empty()) {
      if (sending.stop) co_return false;
      if (sending.next_job >= jobs.size()) co_return true;
      // Drained between two files: push what was captured meanwhile.
      if (Status st = co_await push_pending(ws); !st.is_ok()) co_return st;
      continue;
    }
    auto reply = co_await read_sealed(ws);
    if (!reply.is_ok()) co_return reply.status();
    if (const auto* err = std::get_if<ErrorMsg>(&*reply)) co_return refusal_status(*err);
    if (Status st = take_piece_ack(sending, jobs, held_now, *reply); !st.is_ok()) co_return st;
  }
}

net::awaitable<Status> Session::fill_flight(Ws& ws, PieceFlight& sending,
                                            std::vector<PieceJob>& jobs) {
  while (!sending.stop && sending.flight.size() < kPiecesInFlight &&
         sending.next_job < jobs.size()) {
    PieceJob& j = jobs[sending.next_job];
    if (j.over || j.chunk >= j.file.chunks) {
      ++sending.next_job;
      if (sending.next_job >= jobs.size()) continue;
      // A response captured while a file went up goes before the next
      // file, once the acks in flight are in.
      auto pending = store_.next_pending(1, protocol_.max_batch_bytes());
      if (!pending.is_ok()) co_return pending.status();
      if (pending->empty()) continue;
      if (!sending.flight.empty()) break;
      if (Status st = co_await push_pending(ws); !st.is_ok()) co_return st;
      continue;
    }
    if (Status st = co_await send_piece(ws, sending, j); !st.is_ok()) co_return st;
  }
  co_return Status::ok();
}

net::awaitable<Status> Session::send_piece(Ws& ws, PieceFlight& sending, PieceJob& j) {
  const std::string name = to_hex(ByteView(j.file.id));
  if (++j.sends > 4 * std::uint64_t{j.file.chunks} * (kFileChunkBytes / kFilePieceBytes + 1) + 16) {
    co_return Status::corruption("the server keeps asking for pieces of " + name);
  }
  if (sending.cached_job != sending.next_job || sending.cached_chunk != j.chunk) {
    auto data = store_.file_chunk(j.file.id, j.chunk);
    if (!data.is_ok()) co_return data.status();
    sending.cached = std::move(*data);
    sending.cached_job = sending.next_job;
    sending.cached_chunk = j.chunk;
  }
  const Bytes& cached = sending.cached;
  if (j.offset >= cached.size()) {
    co_return Status::corruption("the server asked for a piece past the end of a chunk of " + name);
  }
  const std::uint32_t length = co_await write_piece(ws, j.file.id, j.chunk, j.offset, cached);
  PieceSent sent{
      sending.next_job,     j.chunk, j.offset, length, j.offset + length == cached.size(),
      ++sending.sent_count, false};
  sending.flight.push_back(sent);
  step_past(sent.ends_chunk, length, j.chunk, j.offset);
  co_return Status::ok();
}

Status Session::take_piece_ack(PieceFlight& sending, std::vector<PieceJob>& jobs,
                               std::vector<FileHash>& held_now, const SyncMessage& reply) {
  const PieceSent s = sending.flight.front();
  sending.flight.pop_front();
  PieceJob& j = jobs[s.job];
  const std::string name = to_hex(ByteView(j.file.id));
  const auto* ack = std::get_if<FileAck>(&reply);
  if (ack == nullptr || ack->id != j.file.id) {
    return Status::corruption("the server did not acknowledge file " + name);
  }
  // Stored, refused or stopped already: the rest of its acks say so again.
  if (j.over || s.dud) return Status::ok();
  switch (ack->state) {
    case FileAckState::kContinue:
      return piece_continues(sending, j, s, *ack);
    case FileAckState::kComplete:
      report_.file_bytes_sent += s.length;
      j.over = true;
      note_position(j.file.id, std::nullopt);
      if (Status st = store_.file_sent(j.file.id, clock_.now()); !st.is_ok()) return st;
      ++report_.files_sent;
      held_now.push_back(j.file.sha256);
      progress_.file_bytes_stored += s.length;
      ++progress_.files_stored;
      if (options_.on_progress) options_.on_progress(progress_);
      break;
    case FileAckState::kFailed:
      j.over = true;
      note_position(j.file.id, std::nullopt);
      (void)store_.file_note(j.file.id, ack->detail);
      report_.file_notes.push_back(
          "file " + name + " stopped at chunk " + std::to_string(s.chunk) + ": " + ack->detail +
          " (kept; the next sync resumes from chunk " + std::to_string(ack->next_chunk) + ")");
      break;
    case FileAckState::kRetryLater:
      (void)store_.file_note(j.file.id, ack->detail);
      report_.file_notes.push_back("file " + name + ": " + ack->detail);
      note_position(j.file.id, std::nullopt);
      for (auto& other : jobs) other.over = true;
      sending.stop = true;
      break;
  }
  return Status::ok();
}

Status Session::piece_continues(PieceFlight& sending, PieceJob& j, const PieceSent& s,
                                const FileAck& ack) {
  const std::uint32_t want_chunk = s.ends_chunk ? s.chunk + 1 : s.chunk;
  const std::uint32_t want_offset = s.ends_chunk ? 0 : s.offset + s.length;
  if (ack.next_chunk == want_chunk && ack.next_offset == want_offset) {
    report_.file_bytes_sent += s.length;
    note_position(j.file.id, FilePosition{want_chunk, want_offset});
    progress_.file_bytes_stored += s.length;
    if (options_.on_progress) options_.on_progress(progress_);
    return Status::ok();
  }
  // The server is elsewhere (it held more, or less, than this side
  // thought): go on from where it is, once. Acks of the pieces already
  // in flight predate this and say the same.
  if (s.number <= j.resync_after) return Status::ok();
  if (ack.next_chunk >= j.file.chunks) {
    return Status::corruption("the server asked for a chunk past the end of " +
                              to_hex(ByteView(j.file.id)));
  }
  j.chunk = ack.next_chunk;
  j.offset = ack.next_offset;
  j.resync_after = sending.sent_count;
  note_position(j.file.id, FilePosition{j.chunk, j.offset});
  sending.next_job = std::min(sending.next_job, s.job);
  return Status::ok();
}

net::awaitable<Status> Session::send_files(Ws& ws, EarlyOffer* early) {
  std::vector<FileId> done_this_session;  // sent, skipped or refused: not offered again now
  std::vector<FileHash> held_now;         // bytes the server acknowledged in full this session
  for (int round_trip = 0; round_trip < 4096; ++round_trip) {
    std::vector<CollectorStore::FileToSend> files;
    std::optional<SyncMessage> reply;
    if (round_trip == 0 && early != nullptr && early->reply) {
      files = std::move(early->files);
      reply = std::move(early->reply);
    } else {
      auto found = store_.files_to_send(64, done_this_session);
      if (!found.is_ok()) co_return found.status();
      files = std::move(*found);
      if (files.empty()) co_return Status::ok();
      FilesOffer offer;
      for (const auto& f : files) offer.files.push_back({f.id, f.sha256, f.size});
      co_await write(ws, protocol_.seal(offer));
      auto read = co_await read_sealed(ws);
      if (!read.is_ok()) co_return read.status();
      reply = std::move(*read);
    }
    auto wanted = files_wanted(*reply, files.size());
    if (!wanted.is_ok()) co_return wanted.status();
    if (*wanted == nullptr) co_return Status::ok();  // the server does not take files
    // Pieces sent behind the offer (round 0 only): their acks come first.
    EarlyOffer* behind =
        round_trip == 0 && early != nullptr && !early->pieces.empty() ? early : nullptr;
    std::vector<PieceJob> jobs;
    auto go_on =
        co_await answer_wants(ws, files, **wanted, behind, jobs, done_this_session, held_now);
    if (!go_on.is_ok()) co_return go_on.status();
    if (!*go_on) co_return Status::ok();
    std::vector<PieceSent> in_flight;
    if (behind) in_flight = adopt_early_pieces(jobs, files.front(), behind->pieces);
    if (pieces_ && !jobs.empty()) {
      auto more = co_await send_pieces(ws, jobs, held_now, std::move(in_flight));
      if (!more.is_ok()) co_return more.status();
      if (!*more) co_return Status::ok();
      if (Status s = co_await push_pending(ws); !s.is_ok()) co_return s;
    }
  }
  co_return Status::ok();
}

Result<const FilesWanted*> Session::files_wanted(const SyncMessage& reply, std::size_t count) {
  if (const auto* err = std::get_if<ErrorMsg>(&reply)) {
    if (err->code == SessionError::kProtocol) {
      report_.file_notes.push_back(
          "the server does not take files (it is older than this collector); they stay here");
      closed_by_server_ = true;
      return static_cast<const FilesWanted*>(nullptr);
    }
    return refusal_status(*err);
  }
  const auto* wanted = std::get_if<FilesWanted>(&reply);
  if (wanted == nullptr || wanted->files.size() != count) {
    return Status::corruption("the server did not answer the files offer");
  }
  return wanted;
}

net::awaitable<Result<bool>> Session::answer_wants(Ws& ws, const std::vector<FileToSend>& files,
                                                   const FilesWanted& wanted, EarlyOffer* behind,
                                                   std::vector<PieceJob>& jobs,
                                                   std::vector<FileId>& done_this_session,
                                                   std::vector<FileHash>& held_now) {
  for (std::size_t i = 0; i < files.size(); ++i) {
    const auto& f = files[i];
    const FileWantItem& w = wanted.files[i];
    done_this_session.push_back(f.id);
    if (w.id != f.id)
      co_return Status::corruption("the server's answer to the files offer is out of order");
    auto settled = settle_file(f, w, held_now);
    if (!settled.is_ok()) co_return settled.status();
    if (*settled) continue;
    if (w.next_chunk > 0 || w.next_offset > 0) report_.files_resumed += 1;
    if (pieces_) {
      if (!plan_piece_job(f, w, jobs, i == 0 ? behind : nullptr)) done_this_session.pop_back();
      continue;
    }
    const std::int64_t sent_before = report_.files_sent;
    auto go_on = co_await send_file(ws, f, std::min(w.next_chunk, f.chunks));
    if (!go_on.is_ok()) co_return go_on.status();
    if (report_.files_sent > sent_before) held_now.push_back(f.sha256);
    if (options_.on_progress) options_.on_progress(progress_);
    if (!*go_on) co_return false;
    // A response captured while the file went up goes before the next file.
    if (Status s = co_await push_pending(ws); !s.is_ok()) co_return s;
  }
  co_return true;
}

Result<bool> Session::settle_file(const FileToSend& f, const FileWantItem& w,
                                  const std::vector<FileHash>& held_now) {
  // The same bytes as a file sent a moment ago (one PDF attached to
  // two indicators): the server has them now.
  const bool sent_already = std::find(held_now.begin(), held_now.end(), f.sha256) != held_now.end();
  if (w.want == FileWant::kHave || (w.want == FileWant::kSend && sent_already)) {
    if (Status s = store_.file_sent(f.id, clock_.now()); !s.is_ok()) return s;
    ++report_.files_already_held;
    return true;
  }
  if (w.want == FileWant::kUnknown) {
    (void)store_.file_note(f.id, w.detail);
    report_.file_notes.push_back("file " + to_hex(ByteView(f.id)) + ": " + w.detail + " (kept)");
    return true;
  }
  return false;
}

bool Session::plan_piece_job(const FileToSend& f, const FileWantItem& w,
                             std::vector<PieceJob>& jobs, EarlyOffer* behind) {
  // A second file of the same bytes waits for the next offer, which
  // the server answers "have it" once the first is stored.
  const bool twin = std::any_of(jobs.begin(), jobs.end(),
                                [&](const PieceJob& o) { return o.file.sha256 == f.sha256; });
  if (twin) return false;
  PieceJob job;
  job.file = f;
  job.chunk = std::min(w.next_chunk, f.chunks);
  job.offset = w.next_offset;
  const FilePosition server_at{job.chunk, job.offset};
  if (behind != nullptr) {
    // The pieces sent behind the offer: those from where the server
    // is on carry on from it; those before it are not taken.
    auto& sent = behind->pieces;
    const auto from = std::find_if(sent.begin(), sent.end(), [&](const PieceSent& p) {
      return FilePosition{p.chunk, p.offset} == server_at;
    });
    for (auto p = sent.begin(); p != from; ++p) p->dud = true;
    if (from != sent.end()) {
      job.chunk = behind->after.chunk;
      job.offset = behind->after.offset;
    }
  }
  note_position(f.id, server_at);
  jobs.push_back(std::move(job));
  return true;
}

std::vector<Session::PieceSent> Session::adopt_early_pieces(std::vector<PieceJob>& jobs,
                                                            const FileToSend& first,
                                                            std::vector<PieceSent>& early_pieces) {
  // Their file is jobs[0] when the server wants it; otherwise a job
  // that is over, whose acks are only read.
  const bool wanted_first = !jobs.empty() && jobs.front().file.id == first.id;
  if (!wanted_first) {
    PieceJob over;
    over.file = first;
    over.over = true;
    jobs.push_back(std::move(over));
    for (auto& p : early_pieces) p.dud = true;
  }
  for (auto& p : early_pieces) p.job = wanted_first ? 0 : jobs.size() - 1;
  return std::move(early_pieces);
}

}  // namespace equitas::collector::sync_detail
