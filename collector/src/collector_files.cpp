// The collector's files (schema 009): staged at capture, attached to the
// response that names them, sent chunk by chunk once that response is
// acknowledged, and deleted once the server holds them.
#include <algorithm>

#include "collector_store.hpp"

namespace equitas::collector {
namespace {

template <std::size_t N>
bool copy_blob(const Bytes& from, std::array<std::uint8_t, N>& to) {
  if (from.size() != N) return false;
  std::copy(from.begin(), from.end(), to.begin());
  return true;
}

// Stores a file's sealed chunks, in order, a row each.
Status insert_chunks(Database& db, const FileId& id, const std::vector<Bytes>& chunks) {
  EQ_ASSIGN_OR_RETURN(
      Statement chunk,
      db.prepare("INSERT INTO file_chunks (file_id, idx, data) VALUES (?1, ?2, ?3)"));
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    chunk.reset();
    EQ_RETURN_IF_ERROR(chunk.bind(1, ByteView(id))
                           .bind(2, static_cast<std::int64_t>(i))
                           .bind(3, ByteView(chunks[i]))
                           .run());
  }
  return Status::ok();
}

}  // namespace

Status CollectorStore::stage_file(const SealedFile& f, std::int64_t now) {
  std::uint64_t sealed = 0;
  for (const auto& c : f.chunks) sealed += c.size();
  EQ_ASSIGN_OR_RETURN(
      Statement st,
      db_.prepare("INSERT INTO outbox_files (file_id, sha256, size, sealed_size, chunks, "
                  "state, created_at) VALUES (?1, ?2, ?3, ?4, ?5, 'staged', ?6)"));
  EQ_RETURN_IF_ERROR(st.bind(1, ByteView(f.id))
                         .bind(2, ByteView(f.sha256))
                         .bind(3, static_cast<std::int64_t>(f.size))
                         .bind(4, static_cast<std::int64_t>(sealed))
                         .bind(5, static_cast<std::int64_t>(f.chunks.size()))
                         .bind(6, now)
                         .run());
  return insert_chunks(db_, f.id, f.chunks);
}

Status CollectorStore::attach_files(const std::vector<FileId>& ids, const SubmissionId& submission,
                                    std::uint32_t revision) {
  EQ_ASSIGN_OR_RETURN(Statement st,
                      db_.prepare("UPDATE outbox_files SET state = 'pending', submission_id = ?2, "
                                  "revision = ?3 WHERE file_id = ?1 AND state = 'staged'"));
  for (const FileId& id : ids) {
    st.reset();
    EQ_RETURN_IF_ERROR(st.bind(1, ByteView(id))
                           .bind(2, ByteView(submission.bytes))
                           .bind(3, static_cast<std::int64_t>(revision))
                           .run());
    if (db_.changes() != 1) {
      // A correction (revision 2 and on) names the files its earlier
      // revision took: they travel, or travelled, with that one.
      EQ_ASSIGN_OR_RETURN(
          Statement earlier,
          db_.prepare("SELECT 1 FROM outbox_files WHERE file_id = ?1 AND "
                      "submission_id = ?2 AND revision < ?3 AND state != 'staged'"));
      earlier.bind(1, ByteView(id))
          .bind(2, ByteView(submission.bytes))
          .bind(3, static_cast<std::int64_t>(revision));
      EQ_ASSIGN_OR_RETURN(bool taken_before, earlier.step());
      if (taken_before) continue;
      return Status::failed_precondition(
          "the file " + to_hex(ByteView(id)) +
          " the answers name was not captured on this collector, or is taken");
    }
  }
  return Status::ok();
}

Status CollectorStore::discard_staged(const std::vector<FileId>& ids) {
  EQ_ASSIGN_OR_RETURN(
      Statement st,
      db_.prepare("DELETE FROM outbox_files WHERE file_id = ?1 AND state = 'staged'"));
  EQ_ASSIGN_OR_RETURN(Statement chunks,
                      db_.prepare("DELETE FROM file_chunks WHERE file_id = ?1 AND NOT EXISTS "
                                  "(SELECT 1 FROM outbox_files WHERE file_id = ?1)"));
  for (const FileId& id : ids) {
    st.reset();
    EQ_RETURN_IF_ERROR(st.bind(1, ByteView(id)).run());
    chunks.reset();
    EQ_RETURN_IF_ERROR(chunks.bind(1, ByteView(id)).run());
  }
  return Status::ok();
}

Result<std::int64_t> CollectorStore::expire_staged(std::int64_t before) {
  EQ_ASSIGN_OR_RETURN(Statement chunks,
                      db_.prepare("DELETE FROM file_chunks WHERE file_id IN (SELECT file_id FROM "
                                  "outbox_files WHERE state = 'staged' AND created_at < ?1)"));
  EQ_RETURN_IF_ERROR(chunks.bind(1, before).run());
  EQ_ASSIGN_OR_RETURN(
      Statement files,
      db_.prepare("DELETE FROM outbox_files WHERE state = 'staged' AND created_at < ?1"));
  EQ_RETURN_IF_ERROR(files.bind(1, before).run());
  return static_cast<std::int64_t>(db_.changes());
}

Result<std::vector<CollectorStore::FileToSend>> CollectorStore::files_to_send(
    std::size_t max, const std::vector<FileId>& skip) {
  // Only files of responses the server has taken: it needs their keys,
  // which travel in the response.
  EQ_ASSIGN_OR_RETURN(
      Statement st,
      // A relayed file whose response is not here came in a
      // bundle without it: its origin had synced that
      // response already.
      db_.prepare(
          "SELECT f.file_id, f.sha256, f.size, f.chunks FROM outbox_files f "
          "LEFT JOIN outbox o ON o.submission_id = f.submission_id AND o.revision = f.revision "
          "WHERE f.state = 'pending' AND (o.state = 'synced' OR o.submission_id IS NULL) "
          "ORDER BY o.seq, f.created_at"));
  std::vector<FileToSend> out;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row || out.size() >= max) break;
    FileToSend f;
    if (!copy_blob(st.column_blob(0), f.id) || !copy_blob(st.column_blob(1), f.sha256)) {
      return Status::corruption("a file row of the collector's database is damaged");
    }
    if (std::find(skip.begin(), skip.end(), f.id) != skip.end()) continue;
    f.size = static_cast<std::uint64_t>(st.column_int64(2));
    f.chunks = static_cast<std::uint32_t>(st.column_int64(3));
    out.push_back(f);
  }
  return out;
}

Result<Bytes> CollectorStore::file_chunk(const FileId& id, std::uint32_t index) {
  EQ_ASSIGN_OR_RETURN(auto st,
                      db_.cached("SELECT data FROM file_chunks WHERE file_id = ?1 AND idx = ?2"));
  st->bind(1, ByteView(id)).bind(2, static_cast<std::int64_t>(index));
  EQ_ASSIGN_OR_RETURN(bool row, st->step());
  if (!row) {
    st->reset();
    return Status::not_found("chunk " + std::to_string(index) + " of file " + to_hex(ByteView(id)) +
                             " is not on this collector");
  }
  Bytes out = st->column_blob(0);
  st->reset();
  return out;
}

Status CollectorStore::file_sent(const FileId& id, std::int64_t now) {
  Transaction tx(db_);
  EQ_RETURN_IF_ERROR(tx.status());
  EQ_RETURN_IF_ERROR(mark_file_sent(id, now).status());
  return tx.commit();
}

Result<bool> CollectorStore::mark_file_sent(const FileId& id, std::int64_t now) {
  EQ_ASSIGN_OR_RETURN(
      Statement st,
      db_.prepare("UPDATE outbox_files SET state = 'sent', sent_at = ?2, detail = NULL "
                  "WHERE file_id = ?1 AND state = 'pending'"));
  EQ_RETURN_IF_ERROR(st.bind(1, ByteView(id)).bind(2, now).run());
  const bool changed = db_.changes() == 1;
  EQ_ASSIGN_OR_RETURN(
      Statement del,
      db_.prepare("DELETE FROM file_chunks WHERE file_id = ?1 AND EXISTS "
                  "(SELECT 1 FROM outbox_files WHERE file_id = ?1 AND state = 'sent')"));
  EQ_RETURN_IF_ERROR(del.bind(1, ByteView(id)).run());
  return changed;
}

Result<std::vector<BundleFile>> CollectorStore::files_for_bundle(std::uint64_t budget,
                                                                 std::int64_t& left) {
  EQ_ASSIGN_OR_RETURN(
      Statement st, db_.prepare("SELECT file_id, sha256, size, sealed_size, chunks, submission_id, "
                                "revision FROM outbox_files WHERE state = 'pending' "
                                "ORDER BY created_at, file_id"));
  std::vector<BundleFile> out;
  std::uint64_t used = 0;
  left = 0;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    const auto sealed = static_cast<std::uint64_t>(st.column_int64(3));
    if (!out.empty() && used + sealed > budget) {
      ++left;
      continue;
    }
    BundleFile f;
    if (!copy_blob(st.column_blob(0), f.id) || !copy_blob(st.column_blob(1), f.sha256) ||
        !copy_blob(st.column_blob(5), f.submission_id.bytes)) {
      return Status::corruption("a file row of the collector's database is damaged");
    }
    f.size = static_cast<std::uint64_t>(st.column_int64(2));
    f.revision = static_cast<std::uint32_t>(st.column_int64(6));
    const auto chunks = static_cast<std::uint32_t>(st.column_int64(4));
    f.chunks.reserve(chunks);
    for (std::uint32_t i = 0; i < chunks; ++i) {
      EQ_ASSIGN_OR_RETURN(Bytes c, file_chunk(f.id, i));
      f.chunks.push_back(std::move(c));
    }
    used += sealed;
    out.push_back(std::move(f));
  }
  return out;
}

Result<bool> CollectorStore::add_relayed_file(const BundleFile& f, std::int64_t now) {
  EQ_ASSIGN_OR_RETURN(
      Statement st,
      db_.prepare(
          "INSERT INTO outbox_files (file_id, sha256, size, sealed_size, chunks, submission_id, "
          "revision, state, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', ?8) "
          "ON CONFLICT (file_id) DO NOTHING"));
  EQ_RETURN_IF_ERROR(st.bind(1, ByteView(f.id))
                         .bind(2, ByteView(f.sha256))
                         .bind(3, static_cast<std::int64_t>(f.size))
                         .bind(4, static_cast<std::int64_t>(f.sealed_bytes()))
                         .bind(5, static_cast<std::int64_t>(f.chunks.size()))
                         .bind(6, ByteView(f.submission_id.bytes))
                         .bind(7, static_cast<std::int64_t>(f.revision))
                         .bind(8, now)
                         .run());
  if (db_.changes() != 1) return false;
  EQ_RETURN_IF_ERROR(insert_chunks(db_, f.id, f.chunks));
  return true;
}

Result<CollectorStore::FileVolumeOf> CollectorStore::relayed_files_pending(const DeviceId* from) {
  // A relayed file is one whose response came in another device's bundle;
  // one whose response did not come with it at all is relayed too.
  EQ_ASSIGN_OR_RETURN(
      auto volume,
      relayed_volume(
          "SELECT COUNT(*), COALESCE(SUM(f.sealed_size), 0) FROM outbox_files f "
          "LEFT JOIN outbox o ON o.submission_id = f.submission_id AND o.revision = f.revision "
          "WHERE f.state = 'pending' AND (o.submission_id IS NULL OR "
          "(o.relayed_from IS NOT NULL AND (?1 IS NULL OR o.relayed_from = ?1)))",
          from));
  return FileVolumeOf{volume.first, volume.second};
}

Status CollectorStore::file_note(const FileId& id, std::string_view detail) {
  EQ_ASSIGN_OR_RETURN(Statement st,
                      db_.prepare("UPDATE outbox_files SET detail = ?2 WHERE file_id = ?1"));
  return st.bind(1, ByteView(id)).bind(2, detail).run();
}

Result<CollectorStore::FileVolume> CollectorStore::files_held() {
  EQ_ASSIGN_OR_RETURN(
      Statement st, db_.prepare("SELECT count(*), coalesce(sum(sealed_size), 0) FROM outbox_files "
                                "WHERE state IN ('staged', 'pending')"));
  EQ_ASSIGN_OR_RETURN(bool row, st.step());
  FileVolume v;
  if (row) {
    v.files = st.column_int64(0);
    v.bytes = st.column_int64(1);
  }
  return v;
}

Result<std::vector<std::string>> CollectorStore::file_problems() {
  EQ_ASSIGN_OR_RETURN(
      Statement st,
      db_.prepare("SELECT lower(hex(file_id)), state, detail FROM outbox_files "
                  "WHERE state != 'sent' AND detail IS NOT NULL ORDER BY created_at"));
  std::vector<std::string> out;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    out.push_back(st.column_text(0) + " (" + st.column_text(1) + "): " + st.column_text(2));
  }
  return out;
}

}  // namespace equitas::collector
