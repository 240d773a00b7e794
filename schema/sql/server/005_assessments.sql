-- Team assessments (issue 16): the GEOAT as one shared record per
-- administration and round, built from partial contributions that
-- collectors send and merged field by field (docs/assessments.md).

-- An administration is a stable id with a display name: "Testland Customs"
-- and "Customs of Testland" can no longer become two administrations.
CREATE TABLE administrations (
  id         TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
  name       TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE assessments (
  id                TEXT PRIMARY KEY,
  form_id           TEXT NOT NULL,
  round             TEXT NOT NULL,
  administration_id TEXT NOT NULL REFERENCES administrations (id),
  state             TEXT NOT NULL DEFAULT 'draft'
                    CHECK (state IN ('draft', 'under_review', 'validated')),
  -- The highest event seq merged so far: what a contribution names as its
  -- base when its author had seen the merged state up to there.
  version           INTEGER NOT NULL DEFAULT 0,
  -- Bumps on every change (events and workflow): collectors ask for what
  -- changed since the revision they hold.
  revision          INTEGER NOT NULL DEFAULT 0,
  merged            TEXT NOT NULL DEFAULT '{}',  -- merge_assessment's JSON
  created_at        INTEGER NOT NULL,
  UNIQUE (form_id, round, administration_id)
) STRICT;

-- Every contribution and resolution, never deleted. A contribution's
-- envelope stays in submissions as well (submission_id links them).
CREATE TABLE assessment_events (
  id            INTEGER PRIMARY KEY,
  assessment_id TEXT NOT NULL REFERENCES assessments (id),
  seq           INTEGER NOT NULL,
  kind          TEXT NOT NULL CHECK (kind IN ('contribution', 'resolution')),
  submission_id BLOB,
  device        TEXT NOT NULL,   -- '' for a resolution
  site          TEXT NOT NULL,
  author        TEXT NOT NULL,   -- the member's role, or who resolved
  base          INTEGER NOT NULL,
  at            TEXT NOT NULL,   -- ISO 8601 UTC
  fields        TEXT NOT NULL,   -- JSON object: field name -> value
  comment       TEXT NOT NULL DEFAULT '',
  flagged       TEXT,            -- why it was kept out of the merge; NULL when merged
  UNIQUE (assessment_id, seq)
) STRICT;
CREATE UNIQUE INDEX assessment_events_submission ON assessment_events (submission_id)
  WHERE submission_id IS NOT NULL;

-- The workflow, one row per step: draft -> under_review -> validated.
CREATE TABLE assessment_reviews (
  id            INTEGER PRIMARY KEY,
  assessment_id TEXT NOT NULL REFERENCES assessments (id),
  from_state    TEXT NOT NULL,
  to_state      TEXT NOT NULL,
  comment       TEXT NOT NULL,
  actor         TEXT NOT NULL,
  at            INTEGER NOT NULL
) STRICT;
