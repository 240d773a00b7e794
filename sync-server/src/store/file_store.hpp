// The files responses name (wire/file_transfer.hpp), on the server: which
// ones a stored response promised, the transfers in progress, and the
// files held in full, content-addressed and encrypted at rest
// (schema/sql/server/010_files.sql says what is where).
//
// Every method that touches the database runs on the Ingestor's thread,
// inside its transaction, like the rest of ingest: a chunk is acknowledged
// only once it is on disk (fdatasync) and, for the last one, once the file
// has been checked against the hash its response signed, moved into place
// and recorded.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <vector>

#include "equitas/db/database.hpp"
#include "equitas/forms/file_answer.hpp"
#include "equitas/forms/form.hpp"
#include "equitas/util/thread_annotations.hpp"
#include "equitas/wire/envelope.hpp"
#include "equitas/wire/file_transfer.hpp"

namespace equitas::server {

// The file references in `answers` for `form`, checked with their keys
// (the answers as they arrived, before they are stored), in rows of
// repeats too. Invalid argument, naming where, when one is malformed.
struct AnsweredFile {
  // Where the answer sits: "room_photo", or "trees[1].tree_photo" for a
  // repeat's second row (files.question keeps it).
  std::string question;
  forms::FileRef ref;
};
// Whether any question of `form` takes files: a plain loop, cheap enough
// for every envelope ingested.
bool has_file_questions(const forms::Form& form);
// `known_allowed`: a team contribution may list, without keys, files that
// earlier contributions brought (the merged record's list, which keeps them
// when a member adds one); known_files_missing checks the server has them.
Result<std::vector<AnsweredFile>> answered_files(const forms::Form& form,
                                                 const boost::json::object& answers,
                                                 bool known_allowed = false);
// The first keyless reference in `files` the server has no record of (same
// id, hash and size), as "question: name"; empty when every one is known.
Result<std::string> known_files_missing(Database& db, const std::vector<AnsweredFile>& files);

// A file named by the latest revision of a counted submission of a form (of
// `round`, when given), as an export with its files lists them: conflicting
// copies and responses whose code did not count are left out, as the rows are.
struct NamedFile {
  FileHash sha256{};
  std::string media_type;
  bool held = false;  // its bytes are on the server
};
// Distinct (file, media type) pairs, in hash order.
Result<std::vector<NamedFile>> files_of_latest(Database& db, std::string_view form_id,
                                               const std::optional<std::string>& round);

// A file whose bytes the server holds, as a backup copies it.
struct HeldBlob {
  std::string sha256_hex;  // lower case: the blob's file name
  std::int64_t size = 0;   // of the plaintext
};
// Every held file, in hash order.
Result<std::vector<HeldBlob>> held_blobs(Database& db);

// The (form id, version) of every submission that names the file, sorted.
Result<std::vector<std::pair<std::string, std::string>>> forms_naming(Database& db,
                                                                      const FileHash& sha256);
// The answers with every file reference's key removed: what is stored.
boost::json::object without_file_keys(const forms::Form& form, const boost::json::object& answers);
// Records the references of a response just stored (those with keys: the
// keyless ones are recorded already). Inside its transaction.
Status record_files(Database& db, const Envelope& e, const std::vector<AnsweredFile>& files,
                    std::int64_t now);

// How exports name a file: "files/<sha256 hex><extension>", the same for
// every copy of the same bytes, and the path it has in an export's zip.
std::string file_export_name(std::string_view sha256_hex, std::string_view media_type);
// The cell of a file question: the stable names of its files, separated by
// spaces (as ODK's exports list several files).
std::string file_export_names(const boost::json::array& refs);

class FileStore {
 public:
  // `root` is the data folder's files/ directory (created when needed).
  explicit FileStore(std::filesystem::path root) : root_(std::move(root)) {}

  // What the server wants of each file offered. Any authenticated device
  // may carry a file (a relay carries another post's): every chunk is
  // checked against the key and hash the origin device signed, so a carrier
  // can delay a file but not alter it. With `pieces` (the session
  // negotiated them) a resume may start inside a chunk; otherwise it names
  // a chunk, and bytes held of it are written over. A file found whole
  // (its last chunk came before a crash) is recorded as held at `now`.
  Result<FilesWanted> wanted(Database& db, const FilesOffer& offer, std::int64_t now,
                             bool pieces = false);
  // Checks and stores one chunk, or with `pieces` one piece of a chunk
  // (see FileAck). A piece is made durable and acknowledged before the
  // chunk is whole; the chunk is checked (MAC, length, FINAL) when its
  // last piece arrives, and cut back to its start if it does not check.
  // A Status only for a failure of the store itself; a bad chunk is a
  // kFailed ack.
  Result<FileAck> receive(Database& db, const FileChunk& chunk, std::int64_t now,
                          bool pieces = false);

  // A file held in full, decrypted and checked against its signed hash.
  // not_found when the server does not hold it (yet).
  struct Held {
    Bytes bytes;
    std::string media_type;
    std::string name;
  };
  Result<Held> read(Database& db, const FileHash& sha256) const;
  // Whether the server holds the file's bytes.
  static Result<bool> held(Database& db, const FileHash& sha256);

  std::filesystem::path blob_path(const FileHash& sha256) const;
  std::filesystem::path partial_path(const FileId& id) const;

  // Files held and their bytes (plaintext sizes), for /metrics and status.
  struct Totals {
    std::int64_t files = 0;
    std::int64_t bytes = 0;
  };
  static Result<Totals> totals(Database& db);

 private:
  struct Expected {
    FileHash sha256{};
    std::uint64_t size = 0;
    FileKey key;
    DeviceId device;
  };
  Result<std::optional<Expected>> expected(Database& db, const FileId& id) const;
  struct Upload {
    std::unique_ptr<FileOpener> opener;
    std::uint64_t stored = 0;  // bytes of the partial file that checked
    // After them, on disk and durable: the first bytes of chunk
    // opener->next_chunk(), not checked until the chunk is whole.
    Bytes tail;
  };
  // The transfer of `id` as far as it is on disk: its partial file checked
  // chunk by chunk, cut back to the last chunk that checked; bytes after it
  // that are shorter than the next chunk are kept as its tail (a piece
  // session's, or a write a crash cut short: the collector's bytes either
  // way, and checked with the rest of their chunk).
  Result<Upload*> resume(const FileId& id, const Expected& e) EQ_REQUIRES(mutex_);
  Status finish(Database& db, const FileId& id, const Expected& e, std::int64_t now)
      EQ_REQUIRES(mutex_);

  std::filesystem::path root_;
  Mutex mutex_;  // the Ingestor's thread only, in practice
  // In progress in some session.
  std::map<FileId, std::unique_ptr<Upload>> uploads_ EQ_GUARDED_BY(mutex_);
};

}  // namespace equitas::server
