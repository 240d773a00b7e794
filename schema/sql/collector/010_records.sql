-- Submitted records (issue 16): a draft of a form that is not anonymous is
-- kept after it is submitted, still encrypted under its own key with the
-- admin's sealed copy (004_drafts.sql), so that the post's admin can open it
-- and correct it. Submitting the correction seals the same submission id
-- with the next revision; the server exports the latest and keeps every
-- one. A draft of an anonymous form is never kept: it is deleted at submit.
ALTER TABLE drafts ADD COLUMN submission_id BLOB
  CHECK (submission_id IS NULL OR length(submission_id) = 16);
-- The revision last sealed (0 while never submitted), and when.
ALTER TABLE drafts ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
ALTER TABLE drafts ADD COLUMN submitted_at INTEGER;
