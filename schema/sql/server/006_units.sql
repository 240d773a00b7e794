-- Reporting units and headcounts (issue 14; docs/security.md, "Reporting
-- units").
--
-- A reporting unit groups posts (device sites) so that a small post is never
-- shown on its own: exports of anonymous forms name the unit, never the
-- site, and response rates are per unit. A site with no row here is its own
-- unit. The table is replaced whole by `sync-server units set`.
CREATE TABLE reporting_units (
  site TEXT PRIMARY KEY,
  unit TEXT NOT NULL CHECK (length(unit) BETWEEN 1 AND 200)
) STRICT;

-- HQ's staff numbers, the denominators of response rates: per unit and
-- sex ('' for everyone in the unit), for one round or, with round '', for
-- any round that has none of its own. Replaced per round by
-- `sync-server headcounts set`.
CREATE TABLE headcounts (
  round     TEXT NOT NULL DEFAULT '',
  unit      TEXT NOT NULL,
  sex       TEXT NOT NULL DEFAULT '',
  headcount INTEGER NOT NULL CHECK (headcount >= 0),
  PRIMARY KEY (round, unit, sex)
) STRICT;
