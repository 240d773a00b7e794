-- Sync server, schema version 1.
-- Timestamps are unix seconds (UTC). Ids are 16-byte blobs.

CREATE TABLE server_meta (
  key   TEXT PRIMARY KEY,
  value BLOB NOT NULL
) STRICT;

-- Admin tokens are stored as BLAKE2b hashes; the token itself is printed once.
CREATE TABLE admin_tokens (
  id         INTEGER PRIMARY KEY,
  token_hash BLOB NOT NULL UNIQUE,
  label      TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
) STRICT;

-- A device row exists from `device enroll` on ("pending"); the first
-- authenticated sync that proves the enrollment secret makes it "active" and
-- records its public key; `device revoke` makes it "revoked" for good.
CREATE TABLE devices (
  device_id          BLOB PRIMARY KEY CHECK (length(device_id) = 16),
  site               TEXT NOT NULL,
  status             TEXT NOT NULL CHECK (status IN ('pending', 'active', 'revoked')),
  public_key         BLOB CHECK (public_key IS NULL OR length(public_key) = 32),
  enroll_secret_hash BLOB CHECK (enroll_secret_hash IS NULL OR length(enroll_secret_hash) = 32),
  enroll_expires_at  INTEGER NOT NULL,
  created_at         INTEGER NOT NULL,
  registered_at      INTEGER,
  revoked_at         INTEGER,
  last_seen_at       INTEGER
) STRICT;

-- One row per (submission id, revision): the first copy that arrived. The
-- envelope is kept verbatim as proof of origin; answers hold the decrypted
-- JSON object for exports and reports.
CREATE TABLE submissions (
  id            INTEGER PRIMARY KEY,
  submission_id BLOB NOT NULL CHECK (length(submission_id) = 16),
  revision      INTEGER NOT NULL CHECK (revision >= 1),
  device_id     BLOB NOT NULL REFERENCES devices (device_id),
  form_id       TEXT NOT NULL,
  form_version  TEXT NOT NULL,
  envelope      BLOB NOT NULL,
  answers       TEXT NOT NULL,
  submitted_at  TEXT NOT NULL,
  received_at   INTEGER NOT NULL,
  relayed_by    BLOB,
  conflict      INTEGER NOT NULL DEFAULT 0,
  UNIQUE (submission_id, revision)
) STRICT;

CREATE INDEX submissions_by_form ON submissions (form_id, id);

-- Different bytes under an id and revision already stored: kept, never dropped,
-- and the original row is flagged.
CREATE TABLE submission_conflicts (
  id            INTEGER PRIMARY KEY,
  submission_id BLOB NOT NULL,
  revision      INTEGER NOT NULL,
  device_id     BLOB NOT NULL,
  envelope_hash BLOB NOT NULL,
  envelope      BLOB NOT NULL,
  answers       TEXT NOT NULL,
  received_at   INTEGER NOT NULL,
  UNIQUE (submission_id, revision, envelope_hash)
) STRICT;

CREATE TABLE audit_log (
  id     INTEGER PRIMARY KEY,
  at     INTEGER NOT NULL,
  actor  TEXT NOT NULL,
  action TEXT NOT NULL,
  detail TEXT NOT NULL
) STRICT;
