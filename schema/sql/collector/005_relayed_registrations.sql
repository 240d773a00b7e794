-- Registrations carried in other posts' bundles (devices that never reached
-- the server), relayed with the next push so the server can complete their
-- enrollment. The document is signed by its device and its secret is sealed
-- to the server: nothing here can be read or altered by this collector.
CREATE TABLE relayed_registrations (
  device_id   BLOB PRIMARY KEY CHECK (length(device_id) = 16),
  document    BLOB NOT NULL,
  received_at INTEGER NOT NULL
) STRICT;
