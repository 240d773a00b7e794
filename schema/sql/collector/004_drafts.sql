-- Drafts: a response still being answered in the web UI, saved after every
-- change so a crash or a closed tab loses nothing. The answers are encrypted
-- (XChaCha20-Poly1305) under a key of the draft's own that the collector
-- never writes down: the browser holds it in an HttpOnly cookie. For forms
-- that are not anonymous (the GEOAT), the key is also sealed to the admin's
-- box key, whose secret half is wrapped under the admin PIN, so the admin
-- can resume the draft from another browser later. Anonymous drafts have no
-- admin copy and are deleted at submit or after the idle timeout.
CREATE TABLE drafts (
  id           BLOB PRIMARY KEY CHECK (length(id) = 16),
  form_id      TEXT NOT NULL,
  form_version TEXT NOT NULL,
  anonymous    INTEGER NOT NULL CHECK (anonymous IN (0, 1)),
  lang         TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  answered     INTEGER NOT NULL DEFAULT 0,  -- how many answers: progress for the admin's list
  ciphertext   BLOB NOT NULL,               -- nonce (24) || AEAD(answers JSON)
  admin_key    BLOB                         -- the draft key sealed to the admin box key
) STRICT;

CREATE INDEX drafts_by_update ON drafts (anonymous, updated_at);
