-- Files that responses name (photos, recordings, documents; issue 18).
--
-- `files` has one row per file reference of a stored response, written in
-- the transaction that stores it, from the sealed answers: the hash and
-- size the device signed, and the key the collector encrypted the file
-- under (moved out of the stored answers). `file_blobs` has one row per
-- file the server holds in full, by SHA-256: the bytes are under
-- files/<2 hex>/<sha256 hex> in the data folder, exactly as the collector
-- encrypted them, with the key of the copy named here. So the files folder
-- alone (a backup, a copy on a shared drive) reveals nothing; the key is in
-- this database. A transfer in progress is under files/partial/, never
-- visible to exports until it has been checked in full.
CREATE TABLE files (
  file_id       BLOB PRIMARY KEY CHECK (length(file_id) = 16),
  submission_id BLOB NOT NULL CHECK (length(submission_id) = 16),
  revision      INTEGER NOT NULL,
  question      TEXT NOT NULL,
  device_id     BLOB NOT NULL CHECK (length(device_id) = 16),
  sha256        BLOB NOT NULL CHECK (length(sha256) = 32),
  size          INTEGER NOT NULL CHECK (size > 0),
  media_type    TEXT NOT NULL,
  name          TEXT NOT NULL,
  file_key      BLOB NOT NULL CHECK (length(file_key) = 32),
  created_at    INTEGER NOT NULL
) STRICT;

CREATE INDEX files_by_hash ON files (sha256);
CREATE INDEX files_by_submission ON files (submission_id, revision);

CREATE TABLE file_blobs (
  sha256    BLOB PRIMARY KEY CHECK (length(sha256) = 32),
  file_id   BLOB NOT NULL REFERENCES files (file_id),
  size      INTEGER NOT NULL,
  stored_at INTEGER NOT NULL
) STRICT;
