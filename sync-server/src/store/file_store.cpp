#include "file_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "equitas/crypto/keys.hpp"
#include "equitas/util/media_type.hpp"
#include "equitas/wire/payload.hpp"
#include "fault_injection.hpp"

namespace equitas::server {
namespace {

namespace json = boost::json;

std::string errno_text() { return std::strerror(errno); }

bool blank(const json::value* v) {
  return v == nullptr || v->is_null() || (v->is_string() && v->get_string().empty()) ||
         (v->is_array() && v->get_array().empty());
}

// Bytes chunk `i` of a file of `size` bytes takes on the wire and on disk.
std::uint64_t chunk_wire_size(std::uint32_t i, std::uint64_t size) {
  const std::uint64_t from = std::uint64_t{i} * kFileChunkBytes;
  const std::uint64_t len = std::min<std::uint64_t>(kFileChunkBytes, size - from);
  return (i == 0 ? kFileHeaderBytes : 0) + len + kFileChunkOverhead;
}

Status sync_dir(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::io_error("cannot open folder " + dir.string() + ": " + errno_text());
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Status::io_error("cannot sync folder " + dir.string() + ": " + errno_text());
  return Status::ok();
}

// Appends `data` to `path` and makes it durable; on any failure the file is
// cut back to `length`, its size before, so that nothing half-written stays.
Status append_durably(const std::filesystem::path& path, std::uint64_t length, ByteView data) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return Status::io_error("cannot open " + path.filename().string() + ": " + errno_text());
  Status s = Status::ok();
  std::size_t done = 0;
  if (::lseek(fd, static_cast<off_t>(length), SEEK_SET) < 0)
    s = Status::io_error("cannot seek: " + errno_text());
  while (s.is_ok() && done < data.size()) {
    const std::size_t want = allowed_write(data.size() - done, done == 0);
    const ssize_t n = want == 0 ? (errno = ENOSPC, -1) : ::write(fd, data.data() + done, want);
    if (n < 0) {
      if (errno == EINTR) continue;
      s = Status::io_error("cannot write the file: " + errno_text());
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  if (s.is_ok() && ::fdatasync(fd) != 0)
    s = Status::io_error("cannot sync the file: " + errno_text());
  if (!s.is_ok()) {
    if (::ftruncate(fd, static_cast<off_t>(length)) == 0) (void)::fdatasync(fd);
  }
  ::close(fd);
  return s;
}

bool any_file_question(const std::vector<forms::Item>& items) {
  for (const forms::Item& it : items) {
    if (forms::is_file_question(it) || any_file_question(it.items)) return true;
  }
  return false;
}

}  // namespace

std::string file_export_name(std::string_view sha256_hex, std::string_view media_type) {
  return "files/" + std::string(sha256_hex) + std::string(extension_for(media_type));
}

std::string file_export_names(const json::array& refs) {
  std::string out;
  for (const auto& r : refs) {
    const auto* o = r.if_object();
    const auto* sha = o ? o->if_contains("sha256") : nullptr;
    const auto* type = o ? o->if_contains("type") : nullptr;
    if (sha == nullptr || !sha->is_string()) continue;
    if (!out.empty()) out += ' ';
    out += file_export_name(sha->get_string(),
                            type && type->is_string() ? std::string_view(type->get_string()) : "");
  }
  return out;
}

bool has_file_questions(const forms::Form& form) { return any_file_question(form.items); }

Result<std::vector<AnsweredFile>> answered_files(const forms::Form& form,
                                                 const json::object& answers, bool known_allowed) {
  std::vector<AnsweredFile> out;
  Status bad = Status::ok();
  forms::for_each_file_answer(
      form, answers, [&](const forms::Item& q, const std::string& path, const json::value& v) {
        if (!bad.is_ok() || blank(&v)) return;
        auto refs = forms::parse_file_answer(v, q, /*key_required=*/!known_allowed);
        if (!refs.is_ok()) {
          bad = Status::invalid_argument(path + ": " + refs.status().message());
          return;
        }
        for (auto& r : *refs) out.push_back({path, std::move(r)});
      });
  if (!bad.is_ok()) return bad;
  return out;
}

json::object without_file_keys(const forms::Form& form, const json::object& answers) {
  json::object out = answers;
  forms::strip_file_keys(form, out);
  return out;
}

Result<std::string> known_files_missing(Database& db, const std::vector<AnsweredFile>& files) {
  for (const AnsweredFile& f : files) {
    if (!f.ref.key.empty()) continue;
    FileId id{};
    FileHash sha{};
    if (!from_hex_into(f.ref.id, id) || !from_hex_into(f.ref.sha256, sha))
      return f.question + ": " + f.ref.name;
    EQ_ASSIGN_OR_RETURN(
        auto st, db.cached("SELECT 1 FROM files WHERE file_id = ?1 AND sha256 = ?2 AND size = ?3"));
    st->bind(1, ByteView(id)).bind(2, ByteView(sha)).bind(3, f.ref.size);
    EQ_ASSIGN_OR_RETURN(bool row, st->step());
    st->reset();
    if (!row) return f.question + ": " + f.ref.name;
  }
  return std::string();
}

Status record_files(Database& db, const Envelope& e, const std::vector<AnsweredFile>& files,
                    std::int64_t now) {
  if (files.empty()) return Status::ok();
  EQ_ASSIGN_OR_RETURN(
      auto st, db.cached("INSERT OR IGNORE INTO files (file_id, submission_id, revision, question, "
                         "device_id, sha256, size, media_type, name, file_key, created_at) "
                         "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)"));
  for (const AnsweredFile& f : files) {
    if (f.ref.key.empty()) continue;  // known already (known_files_missing)
    FileId id{};
    FileHash sha{};
    std::array<std::uint8_t, kFileKeyBytes> key{};
    if (!from_hex_into(f.ref.id, id) || !from_hex_into(f.ref.sha256, sha) ||
        !from_hex_into(f.ref.key, key)) {
      return Status::invalid_argument(f.question + ": a file reference is not hexadecimal");
    }
    st->reset();
    st->bind(1, ByteView(id))
        .bind(2, ByteView(e.submission_id.bytes))
        .bind(3, static_cast<std::int64_t>(e.revision))
        .bind(4, f.question)
        .bind(5, ByteView(e.device_id.bytes))
        .bind(6, ByteView(sha))
        .bind(7, f.ref.size)
        .bind(8, f.ref.type)
        .bind(9, f.ref.name)
        .bind(10, ByteView(key))
        .bind(11, now);
    const Status s = st->run();
    sodium_memzero(key.data(), key.size());
    EQ_RETURN_IF_ERROR(s);
  }
  return Status::ok();
}

std::filesystem::path FileStore::blob_path(const FileHash& sha256) const {
  const std::string hex = to_hex(ByteView(sha256));
  return root_ / hex.substr(0, 2) / hex;
}

std::filesystem::path FileStore::partial_path(const FileId& id) const {
  return root_ / "partial" / to_hex(ByteView(id));
}

Result<std::optional<FileStore::Expected>> FileStore::expected(Database& db,
                                                               const FileId& id) const {
  EQ_ASSIGN_OR_RETURN(
      auto st, db.cached("SELECT sha256, size, file_key, device_id FROM files WHERE file_id = ?1"));
  st->bind(1, ByteView(id));
  EQ_ASSIGN_OR_RETURN(bool row, st->step());
  if (!row) return std::optional<Expected>();
  std::optional<Expected> e(std::in_place);
  Bytes sha = st->column_blob(0);
  Bytes key = st->column_blob(2);
  Bytes device = st->column_blob(3);
  const std::int64_t size = st->column_int64(1);
  st->reset();
  if (sha.size() != e->sha256.size() || key.size() != kFileKeyBytes ||
      device.size() != e->device.bytes.size()) {
    wipe(key);
    return Status::corruption("a file row of the database is damaged");
  }
  std::copy(sha.begin(), sha.end(), e->sha256.begin());
  e->size = static_cast<std::uint64_t>(size);
  std::copy(key.begin(), key.end(), e->key.data());
  wipe(key);
  std::copy(device.begin(), device.end(), e->device.bytes.begin());
  return e;
}

Result<bool> FileStore::held(Database& db, const FileHash& sha256) {
  EQ_ASSIGN_OR_RETURN(auto st, db.cached("SELECT 1 FROM file_blobs WHERE sha256 = ?1"));
  st->bind(1, ByteView(sha256));
  EQ_ASSIGN_OR_RETURN(bool row, st->step());
  st->reset();
  return row;
}

Result<FileStore::Upload*> FileStore::resume(const FileId& id, const Expected& e) {
  if (auto it = uploads_.find(id); it != uploads_.end()) return it->second.get();
  if (uploads_.size() >= 64) uploads_.clear();  // rebuilt from disk when next needed
  const auto path = partial_path(id);
  Bytes on_disk;
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    EQ_ASSIGN_OR_RETURN(on_disk,
                        read_file(path, static_cast<std::size_t>(sealed_file_size(e.size))));
  }
  auto up = std::make_unique<Upload>();
  // Check the chunks on disk in order; keep those that check. A chunk that
  // does not authenticate ends the good part; the opener is then built
  // again over the good chunks alone, since a refusal leaves it unusable.
  const std::uint32_t count = file_chunk_count(e.size);
  std::uint32_t good = 0;
  std::uint64_t offset = 0;
  for (int attempt = 0; attempt < 2; ++attempt) {
    up->opener = std::make_unique<FileOpener>(e.key, e.sha256, e.size);
    offset = 0;
    bool refused = false;
    std::uint32_t i = 0;
    for (; i < count && (attempt == 0 || i < good); ++i) {
      const std::uint64_t n = chunk_wire_size(i, e.size);
      if (offset + n > on_disk.size()) break;
      if (!up->opener->accept(ByteView(on_disk).subspan(offset, n)).is_ok()) {
        refused = true;
        break;
      }
      offset += n;
    }
    good = i;
    if (!refused) break;
  }
  // Fewer bytes than the next chunk: its first pieces (or a write a crash
  // cut short), kept; the chunk is checked once the rest arrives.
  std::uint64_t keep = offset;
  if (good < count && on_disk.size() > offset &&
      on_disk.size() - offset < chunk_wire_size(good, e.size)) {
    keep = on_disk.size();
    up->tail.assign(on_disk.begin() + static_cast<std::ptrdiff_t>(offset), on_disk.end());
  }
  if (keep < on_disk.size()) {
    std::filesystem::resize_file(path, keep, ec);
    if (ec) return Status::io_error("cannot cut back " + path.string() + ": " + ec.message());
  }
  up->stored = offset;
  Upload* raw = up.get();
  uploads_[id] = std::move(up);
  return raw;
}

Status FileStore::finish(Database& db, const FileId& id, const Expected& e, std::int64_t now) {
  const auto from = partial_path(id);
  const auto to = blob_path(e.sha256);
  std::error_code ec;
  std::filesystem::create_directories(to.parent_path(), ec);
  if (ec)
    return Status::io_error("cannot create " + to.parent_path().string() + ": " + ec.message());
  std::filesystem::rename(from, to, ec);
  if (ec) return Status::io_error("cannot move the file into place: " + ec.message());
  EQ_RETURN_IF_ERROR(sync_dir(to.parent_path()));
  EQ_RETURN_IF_ERROR(sync_dir(from.parent_path()));
  uploads_.erase(id);
  EQ_ASSIGN_OR_RETURN(
      auto st, db.cached("INSERT OR IGNORE INTO file_blobs (sha256, file_id, size, stored_at) "
                         "VALUES (?1, ?2, ?3, ?4)"));
  st->bind(1, ByteView(e.sha256))
      .bind(2, ByteView(id))
      .bind(3, static_cast<std::int64_t>(e.size))
      .bind(4, now);
  return st->run();
}

Result<FilesWanted> FileStore::wanted(Database& db, const FilesOffer& offer, std::int64_t now,
                                      bool pieces) {
  MutexLock lock(&mutex_);
  FilesWanted out;
  for (const FileOfferItem& f : offer.files) {
    FileWantItem w;
    w.id = f.id;
    EQ_ASSIGN_OR_RETURN(auto e, expected(db, f.id));
    if (!e) {
      w.want = FileWant::kUnknown;
      w.detail = "no response stored on this server names this file";
    } else if (e->sha256 != f.sha256 || e->size != f.size) {
      w.want = FileWant::kUnknown;
      w.detail = "the file's hash or size is not the one its response signed";
    } else {
      EQ_ASSIGN_OR_RETURN(bool have, held(db, e->sha256));
      if (!have) {
        EQ_ASSIGN_OR_RETURN(Upload * up, resume(f.id, *e));
        if (up->opener->finished()) {
          EQ_RETURN_IF_ERROR(finish(db, f.id, *e, now));
          have = true;
        } else {
          w.next_chunk = up->opener->next_chunk();
          // A chunk session sends the chunk whole, over what is held of it.
          if (pieces) w.next_offset = static_cast<std::uint32_t>(up->tail.size());
        }
      }
      if (have) w.want = FileWant::kHave;
    }
    out.files.push_back(std::move(w));
  }
  return out;
}

Result<FileAck> FileStore::receive(Database& db, const FileChunk& chunk, std::int64_t now,
                                   bool pieces) {
  MutexLock lock(&mutex_);
  FileAck ack;
  ack.id = chunk.id;
  EQ_ASSIGN_OR_RETURN(auto e, expected(db, chunk.id));
  if (!e) {
    ack.state = FileAckState::kFailed;
    ack.detail = "no response stored on this server names this file";
    return ack;
  }
  EQ_ASSIGN_OR_RETURN(bool have, held(db, e->sha256));
  if (have) {
    uploads_.erase(chunk.id);
    std::error_code ec;
    std::filesystem::remove(partial_path(chunk.id), ec);
    ack.state = FileAckState::kComplete;
    ack.next_chunk = file_chunk_count(e->size);
    return ack;
  }
  EQ_ASSIGN_OR_RETURN(Upload * up, resume(chunk.id, *e));
  if (up->opener->finished()) {
    EQ_RETURN_IF_ERROR(finish(db, chunk.id, *e, now));
    ack.state = FileAckState::kComplete;
    ack.next_chunk = file_chunk_count(e->size);
    return ack;
  }
  const std::uint32_t expected_index = up->opener->next_chunk();
  const std::uint64_t whole = chunk_wire_size(expected_index, e->size);
  // In a chunk session every chunk comes whole, written over any bytes a
  // piece session left of it.
  const std::size_t held_bytes = pieces ? up->tail.size() : 0;
  const auto path = partial_path(chunk.id);
  if (chunk.index != expected_index || chunk.offset != held_bytes) {
    ack.state = FileAckState::kContinue;  // not this one: resend from where the server is
    ack.next_chunk = expected_index;
    ack.next_offset = static_cast<std::uint32_t>(held_bytes);
    return ack;
  }
  // The bytes of the chunk are checked once they are all here; a chunk
  // session's chunk is all here, whatever its length.
  const bool completes = !pieces || held_bytes + chunk.data.size() >= whole;
  if (completes) {
    Bytes joined;
    ByteView full(chunk.data);
    if (held_bytes > 0) {
      joined.reserve(held_bytes + chunk.data.size());
      joined.insert(joined.end(), up->tail.begin(), up->tail.end());
      joined.insert(joined.end(), chunk.data.begin(), chunk.data.end());
      full = ByteView(joined);
    }
    if (Status s = up->opener->accept(full); !s.is_ok()) {
      const std::uint64_t good = up->stored;
      uploads_.erase(chunk.id);  // rebuilt from the chunks on disk, which checked
      if (held_bytes > 0) {
        // Its first pieces go too (one of them may be the bad part): the
        // chunk is sent again from its start.
        std::error_code ec;
        std::filesystem::resize_file(path, good, ec);
        if (ec) return Status::io_error("cannot cut back " + path.string() + ": " + ec.message());
      }
      ack.state = FileAckState::kFailed;
      ack.next_chunk = expected_index;
      ack.detail = s.message();
      return ack;
    }
  }
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (Status s = ec ? Status::io_error(ec.message())
                    : append_durably(path, up->stored + held_bytes, chunk.data);
      !s.is_ok()) {
    uploads_.erase(chunk.id);
    ack.state = FileAckState::kRetryLater;
    ack.next_chunk = expected_index;
    ack.next_offset = static_cast<std::uint32_t>(held_bytes);
    ack.detail = "the server could not store the file now (" + s.message() +
                 "); it resumes at the next sync";
    return ack;
  }
  if (!completes) {
    up->tail.insert(up->tail.end(), chunk.data.begin(), chunk.data.end());
    ack.state = FileAckState::kContinue;
    ack.next_chunk = expected_index;
    ack.next_offset = static_cast<std::uint32_t>(up->tail.size());
    return ack;
  }
  up->stored += held_bytes + chunk.data.size();
  up->tail.clear();
  if (up->opener->finished()) {
    EQ_RETURN_IF_ERROR(finish(db, chunk.id, *e, now));
    ack.state = FileAckState::kComplete;
    ack.next_chunk = file_chunk_count(e->size);
    return ack;
  }
  ack.state = FileAckState::kContinue;
  ack.next_chunk = up->opener->next_chunk();
  return ack;
}

Result<FileStore::Held> FileStore::read(Database& db, const FileHash& sha256) const {
  EQ_ASSIGN_OR_RETURN(
      auto st, db.prepare("SELECT f.file_key, f.size, f.media_type, f.name FROM file_blobs b "
                          "JOIN files f ON f.file_id = b.file_id WHERE b.sha256 = ?1"));
  st.bind(1, ByteView(sha256));
  EQ_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row)
    return Status::not_found("the server does not hold the file " + to_hex(ByteView(sha256)));
  Bytes key_bytes = st.column_blob(0);
  const auto size = static_cast<std::uint64_t>(st.column_int64(1));
  Held out;
  out.media_type = st.column_text(2);
  out.name = st.column_text(3);
  if (key_bytes.size() != kFileKeyBytes)
    return Status::corruption("a file row of the database is damaged");
  FileKey key;
  std::copy(key_bytes.begin(), key_bytes.end(), key.data());
  wipe(key_bytes);
  EQ_ASSIGN_OR_RETURN(
      Bytes sealed, read_file(blob_path(sha256), static_cast<std::size_t>(sealed_file_size(size))));
  EQ_ASSIGN_OR_RETURN(out.bytes, open_sealed_file(sealed, key, sha256, size));
  return out;
}

Result<FileStore::Totals> FileStore::totals(Database& db) {
  EQ_ASSIGN_OR_RETURN(auto st,
                      db.prepare("SELECT count(*), coalesce(sum(size), 0) FROM file_blobs"));
  EQ_ASSIGN_OR_RETURN(bool row, st.step());
  Totals t;
  if (row) {
    t.files = st.column_int64(0);
    t.bytes = st.column_int64(1);
  }
  return t;
}

Result<std::vector<NamedFile>> files_of_latest(Database& db, std::string_view form_id,
                                               const std::optional<std::string>& round) {
  EQ_ASSIGN_OR_RETURN(
      Statement st,
      db.prepare(
          "SELECT DISTINCT f.sha256, f.media_type, b.sha256 IS NOT NULL FROM files f "
          "JOIN submissions s ON s.submission_id = f.submission_id AND s.revision = f.revision "
          "LEFT JOIN file_blobs b ON b.sha256 = f.sha256 "
          "WHERE s.form_id = ?1 AND (?2 IS NULL OR s.round = ?2) AND s.code_flag = 0 "
          "AND NOT EXISTS (SELECT 1 FROM submissions l WHERE l.submission_id = s.submission_id "
          "AND l.revision > s.revision) ORDER BY f.sha256"));
  st.bind(1, form_id);
  if (round)
    st.bind(2, *round);
  else
    st.bind_null(2);
  std::vector<NamedFile> out;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) return out;
    const Bytes sha = st.column_blob(0);
    if (sha.size() != 32) return Status::corruption("a file row of the database is damaged");
    NamedFile f;
    std::copy(sha.begin(), sha.end(), f.sha256.begin());
    f.media_type = st.column_text(1);
    f.held = st.column_int64(2) != 0;
    out.push_back(std::move(f));
  }
}

Result<std::vector<HeldBlob>> held_blobs(Database& db) {
  EQ_ASSIGN_OR_RETURN(
      Statement st, db.prepare("SELECT lower(hex(sha256)), size FROM file_blobs ORDER BY sha256"));
  std::vector<HeldBlob> out;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) return out;
    out.push_back(HeldBlob{st.column_text(0), st.column_int64(1)});
  }
}

Result<std::vector<std::pair<std::string, std::string>>> forms_naming(Database& db,
                                                                      const FileHash& sha256) {
  EQ_ASSIGN_OR_RETURN(
      Statement st,
      db.prepare("SELECT DISTINCT s.form_id, s.form_version FROM files f JOIN submissions s "
                 "ON s.submission_id = f.submission_id AND s.revision = f.revision "
                 "WHERE f.sha256 = ?1 ORDER BY 1, 2"));
  st.bind(1, ByteView(sha256));
  std::vector<std::pair<std::string, std::string>> out;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) return out;
    out.emplace_back(st.column_text(0), st.column_text(1));
  }
}

}  // namespace equitas::server
