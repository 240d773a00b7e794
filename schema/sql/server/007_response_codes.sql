-- Single-use response codes (issue 14; docs/security.md, "Response codes").
--
-- A batch is what `sync-server codes issue` made: the digests of its codes
-- (keyed with the batch's public salt, sorted), signed for the collectors.
-- The codes themselves are printed once and stored nowhere.
CREATE TABLE code_batches (
  batch_id  BLOB PRIMARY KEY CHECK (length(batch_id) = 16),
  form_id   TEXT NOT NULL,
  round     TEXT NOT NULL,
  count     INTEGER NOT NULL CHECK (count >= 1),
  encoded   BLOB NOT NULL,   -- encode_code_batch: the digests and the signature
  issued_at INTEGER NOT NULL
) STRICT;
CREATE INDEX code_batches_by_round ON code_batches (form_id, round);

-- Codes that have unlocked a response: a keyed BLAKE2b of the form, round
-- and code under a secret in server_meta. No submission id, no time, no
-- row id: WITHOUT ROWID keeps the rows in the order of the hash, so neither
-- the table nor its pages say which response a code unlocked or when.
CREATE TABLE used_codes (
  form_id TEXT NOT NULL,
  round   TEXT NOT NULL,
  mac     BLOB NOT NULL CHECK (length(mac) = 16),
  PRIMARY KEY (form_id, round, mac)
) WITHOUT ROWID, STRICT;

-- Why a response of a form that requires codes is kept but left out of
-- reports and exports: 0 counted; 1 its code had unlocked another response
-- already; 2 its code was not issued for the form and round; 3 it came
-- without a code.
ALTER TABLE submissions ADD COLUMN code_flag INTEGER NOT NULL DEFAULT 0;
