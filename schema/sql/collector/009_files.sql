-- Files that responses name (photos, recordings, documents; issue 18).
-- Encrypted at capture under a key of their own (wire/file_transfer.hpp)
-- that this collector never writes down: it travels only inside the
-- response's sealed answers. So, like the outbox, nothing here can be read
-- back on this machine.
--
-- A file is 'staged' from capture until the response that names it is
-- stored ('pending', with its submission id, in the same transaction);
-- 'sent' once the server has acknowledged it in full, when its chunks are
-- deleted to free the disk.
CREATE TABLE outbox_files (
  file_id       BLOB PRIMARY KEY CHECK (length(file_id) = 16),
  sha256        BLOB NOT NULL CHECK (length(sha256) = 32),
  size          INTEGER NOT NULL CHECK (size > 0),   -- bytes of the file
  sealed_size   INTEGER NOT NULL,                    -- bytes held here, encrypted
  chunks        INTEGER NOT NULL CHECK (chunks > 0),
  submission_id BLOB CHECK (submission_id IS NULL OR length(submission_id) = 16),
  revision      INTEGER,
  state         TEXT NOT NULL CHECK (state IN ('staged', 'pending', 'sent')),
  detail        TEXT,                                -- why the last transfer stopped, if it did
  created_at    INTEGER NOT NULL,
  sent_at       INTEGER
) STRICT;

CREATE INDEX outbox_files_by_submission ON outbox_files (submission_id, revision);

CREATE TABLE file_chunks (
  file_id BLOB NOT NULL REFERENCES outbox_files (file_id) ON DELETE CASCADE,
  idx     INTEGER NOT NULL,
  data    BLOB NOT NULL,
  PRIMARY KEY (file_id, idx)
) STRICT, WITHOUT ROWID;
