-- Envelopes relayed for another device (imported from its USB bundle):
-- uploaded with this collector's own at the next sync.
ALTER TABLE outbox ADD COLUMN relayed_from BLOB;
