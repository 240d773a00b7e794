-- Collector, schema version 1.
-- Nothing here holds an answer in clear: the outbox holds sealed, signed
-- envelopes only.

CREATE TABLE collector_meta (
  key   TEXT PRIMARY KEY,
  value BLOB NOT NULL
) STRICT;

-- Every finished response, in capture order. "pending" until the server's
-- acknowledgement arrives; then "synced" (accepted, duplicate or conflict:
-- the server holds it) or "rejected" (the server refused it; kept here with
-- the reason, never deleted).
CREATE TABLE outbox (
  seq           INTEGER PRIMARY KEY,
  submission_id BLOB NOT NULL CHECK (length(submission_id) = 16),
  revision      INTEGER NOT NULL CHECK (revision >= 1),
  form_id       TEXT NOT NULL,
  form_version  TEXT NOT NULL,
  envelope      BLOB NOT NULL,
  created_at    INTEGER NOT NULL,
  state         TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'synced', 'rejected')),
  server_status TEXT,
  detail        TEXT,
  acked_at      INTEGER,
  UNIQUE (submission_id, revision)
) STRICT;

CREATE INDEX outbox_by_state ON outbox (state, seq);

CREATE TABLE sync_log (
  id          INTEGER PRIMARY KEY,
  started_at  INTEGER NOT NULL,
  finished_at INTEGER,
  result      TEXT NOT NULL,
  detail      TEXT NOT NULL,
  sent        INTEGER NOT NULL DEFAULT 0,
  acked       INTEGER NOT NULL DEFAULT 0
) STRICT;
