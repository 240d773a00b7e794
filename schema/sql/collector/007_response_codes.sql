-- Response code batches the server issued (issue 14; wire/response_codes.hpp):
-- each as the server signed it (the digests of its codes, keyed with the
-- batch's public salt), verified against the pinned key before it is kept.
CREATE TABLE code_batches (
  batch_id BLOB PRIMARY KEY CHECK (length(batch_id) = 16),
  form_id  TEXT NOT NULL,
  round    TEXT NOT NULL,
  encoded  BLOB NOT NULL
) STRICT;

-- Codes used on this collector: the batch and the code's digest in it, no
-- submission id, no time and no row id (WITHOUT ROWID: rows in the order of
-- the digest), so nothing here says which response a code unlocked.
CREATE TABLE used_codes (
  batch_id BLOB NOT NULL,
  digest   BLOB NOT NULL CHECK (length(digest) = 16),
  PRIMARY KEY (batch_id, digest)
) WITHOUT ROWID, STRICT;
