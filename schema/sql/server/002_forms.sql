-- Published form definitions and the rounds they are published for.
-- Bundled forms are built into both programs; a row here exists when an
-- administrator publishes a definition (a new form, a new version, or a
-- bundled form for a named round).

CREATE TABLE forms (
  form_id      TEXT NOT NULL,
  version      TEXT NOT NULL,
  definition   TEXT NOT NULL,   -- canonical JSON, as save_form_json writes it
  source       TEXT NOT NULL,   -- 'json' or 'xlsform'
  published_at INTEGER NOT NULL,
  PRIMARY KEY (form_id, version)
) STRICT;

-- One row per publication; the signature covers id, version, round and
-- definition (docs/protocol.md, "Form publications").
CREATE TABLE form_rounds (
  id           INTEGER PRIMARY KEY,
  form_id      TEXT NOT NULL,
  version      TEXT NOT NULL,
  round        TEXT NOT NULL,
  signature    BLOB NOT NULL CHECK (length(signature) = 64),
  published_at INTEGER NOT NULL,
  UNIQUE (form_id, version, round),
  FOREIGN KEY (form_id, version) REFERENCES forms (form_id, version)
) STRICT;

ALTER TABLE submissions ADD COLUMN round TEXT NOT NULL DEFAULT '';
