-- The analysis store: every accepted submission decoded once, on ingest, into
-- one short row per submission that a report aggregates in a single scan
-- (sync-server/src/analysis_store.hpp describes the coding). Rebuilt from
-- `submissions` whenever analysis_meta says it is behind or was written by an
-- older coding, so these tables hold nothing that cannot be recomputed.

-- 'codec' (the coding version), 'indexed_through' (highest submissions.id
-- already decoded), 'dictionary_token' (changes whenever a column or code is
-- added, so a cached dictionary can tell it is stale).
CREATE TABLE analysis_meta (
  key   TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) STRICT;
INSERT INTO analysis_meta (key, value) VALUES ('codec', 0), ('indexed_through', 0), ('dictionary_token', 0);

-- Small integers stand for form ids and rounds in the rows.
CREATE TABLE analysis_forms (
  form_ref INTEGER PRIMARY KEY,
  form_id  TEXT NOT NULL UNIQUE
) STRICT;

CREATE TABLE analysis_rounds (
  round_ref INTEGER PRIMARY KEY,
  form_ref  INTEGER NOT NULL REFERENCES analysis_forms (form_ref),
  round     TEXT NOT NULL,
  UNIQUE (form_ref, round)
) STRICT;

-- The per-form column dictionary, shared by every version of the form (a
-- question is the same column in all of them, matched by name), so versions
-- merge into one dataset. Byte `position` of a row's codes holds the column.
-- kind: 'one' (select_one/likert: a code from analysis_codes),
--       'multi' (one column per choice of a select_multiple: 1 chosen, 2 not),
--       'answered' (any other question: 1 when it has an answer).
CREATE TABLE analysis_columns (
  form_ref INTEGER NOT NULL REFERENCES analysis_forms (form_ref),
  position INTEGER NOT NULL CHECK (position >= 0),
  question TEXT NOT NULL,
  choice   TEXT NOT NULL DEFAULT '',
  kind     TEXT NOT NULL CHECK (kind IN ('one', 'multi', 'answered')),
  PRIMARY KEY (form_ref, position),
  UNIQUE (form_ref, question, choice)
) STRICT;

-- Codes of 'one' columns: 1..255 (0 is "no answer").
CREATE TABLE analysis_codes (
  form_ref INTEGER NOT NULL,
  position INTEGER NOT NULL,
  code     INTEGER NOT NULL CHECK (code BETWEEN 1 AND 255),
  value    TEXT NOT NULL,
  PRIMARY KEY (form_ref, position, code),
  UNIQUE (form_ref, position, value)
) STRICT;

-- One row per submission id: its latest revision (older revisions are found
-- through submissions' own index on submission_id). Clustered on (form,
-- round) so that a report reads one contiguous range. Deliberately no other
-- index: every report is a full scan of its range, and an index on a random
-- key would cost the writer thread a B-tree insertion per submission.
CREATE TABLE analysis_rows (
  form_ref         INTEGER NOT NULL,
  round_ref        INTEGER NOT NULL,
  submission_rowid INTEGER NOT NULL,  -- submissions.id of the revision decoded
  device_ref       INTEGER NOT NULL,  -- devices.rowid
  day              INTEGER NOT NULL,  -- days since 1970-01-01 of submitted_at (UTC)
  codes            BLOB NOT NULL,     -- one byte per column of analysis_columns
  PRIMARY KEY (form_ref, round_ref, submission_rowid)
) STRICT, WITHOUT ROWID;
