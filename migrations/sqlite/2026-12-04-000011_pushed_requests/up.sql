-- Pushed authorization requests (RFC 9126 §6): whether a client must push
-- its authorization requests to /par. Keep in step with src/store/sql/schema.rs.

ALTER TABLE clients ADD COLUMN require_par BOOLEAN NOT NULL DEFAULT FALSE;
