-- What this collector's team members entered in a team assessment (issue
-- 16), kept beside the sealed contribution that carries it, so the team
-- page shows a member's own entries before the server has merged them:
-- until the next sync, the sealed envelope cannot be read back here. One
-- row per field of each contribution. Like the assessment views (006),
-- these are organisational ratings of the administration, not any
-- respondent's answers; an anonymous form can never be a team form. Rows
-- go once the server has acknowledged the envelope and sent a merged state
-- after it (CollectorStore::save_assessment).
CREATE TABLE assessment_entries (
  submission_id BLOB NOT NULL CHECK (length(submission_id) = 16),
  assessment_id TEXT NOT NULL,
  field         TEXT NOT NULL,
  value         TEXT NOT NULL,  -- JSON, as in the contribution
  role          TEXT NOT NULL,
  entered_at    INTEGER NOT NULL,
  PRIMARY KEY (submission_id, field)
) STRICT;

CREATE INDEX assessment_entries_by_assessment ON assessment_entries (assessment_id, entered_at);
