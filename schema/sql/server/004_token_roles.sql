-- Roles for admin tokens (issue 14): what a token's holder may see and do.
--   viewer   suppressed reports and the dashboard;
--   analyst  + disclosure-controlled microdata (exports of anonymous forms);
--   steward  + microdata of forms that are not anonymous (the GEOAT);
--   admin    + devices, the audit log and everything else.
-- Tokens made before roles existed could do everything: they stay admin.
ALTER TABLE admin_tokens ADD COLUMN role TEXT NOT NULL DEFAULT 'admin'
  CHECK (role IN ('viewer', 'analyst', 'steward', 'admin'));
