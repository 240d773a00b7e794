-- The action plan between rounds (issue 16): each row of a validated team
-- assessment's action plan becomes an item of its administration's plan,
-- with an id that stays the same in every later round, and a dated status
-- history that HQ or the team updates until the next round measures it.

CREATE TABLE action_items (
  id                TEXT PRIMARY KEY,          -- <administration>-AP<n>, n counting up per administration
  administration_id TEXT NOT NULL REFERENCES administrations (id),
  assessment_id     TEXT NOT NULL REFERENCES assessments (id),  -- the round that adopted it
  row               INTEGER NOT NULL,          -- its row in that assessment's action plan (0-based)
  objective         TEXT NOT NULL,
  activity          TEXT NOT NULL,
  indicators        TEXT NOT NULL,             -- JSON array of the form's indicator names
  owner             TEXT NOT NULL,
  deadline          TEXT NOT NULL,             -- YYYY-MM-DD, or '' when none was set
  target            TEXT NOT NULL,
  created_at        INTEGER NOT NULL,
  UNIQUE (assessment_id, row)
) STRICT;

-- Every status change and progress note, never deleted: the first is the
-- status the assessment gave the item when it was adopted.
CREATE TABLE action_updates (
  id      INTEGER PRIMARY KEY,
  item_id TEXT NOT NULL REFERENCES action_items (id),
  at      INTEGER NOT NULL,
  status  TEXT NOT NULL,                       -- a code of the form's ap_status list
  note    TEXT NOT NULL,
  actor   TEXT NOT NULL
) STRICT;
CREATE INDEX action_updates_item ON action_updates (item_id, at, id);

-- Where each round stood: a validation step records the last action update
-- it saw (the plan it adopted included), so "the status as the round stood"
-- does not depend on two updates falling in different seconds.
ALTER TABLE assessment_reviews ADD COLUMN action_mark INTEGER NOT NULL DEFAULT 0;
