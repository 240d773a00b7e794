-- Form publications received from the server at sync, kept with the
-- server's signature and verified again each time they are loaded.
CREATE TABLE forms (
  form_id     TEXT NOT NULL,
  version     TEXT NOT NULL,
  round       TEXT NOT NULL,
  definition  TEXT NOT NULL,
  signature   BLOB NOT NULL CHECK (length(signature) = 64),
  received_at INTEGER NOT NULL,
  PRIMARY KEY (form_id, version, round)
) STRICT;
