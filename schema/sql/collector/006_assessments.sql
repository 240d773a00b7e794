-- Team assessments the server offered at the last sync (issue 16): each as
-- the server's view (merged state, disagreements, history, workflow,
-- scores), so members see what others entered. Organisational ratings of
-- the administration, not any respondent's answers; the server sends them
-- over the authenticated channel, and a newer revision replaces an older.
CREATE TABLE assessments (
  id          TEXT PRIMARY KEY,
  form_id     TEXT NOT NULL,
  revision    INTEGER NOT NULL,
  version     INTEGER NOT NULL,
  state       TEXT NOT NULL,
  view        TEXT NOT NULL,
  received_at INTEGER NOT NULL
) STRICT;
