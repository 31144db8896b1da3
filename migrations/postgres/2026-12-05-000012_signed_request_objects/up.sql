-- Signed request objects (RFC 9101 §10.5): whether a client must send its
-- authorization requests as signed request objects (JAR). Keep in step with
-- src/store/sql/schema.rs.

ALTER TABLE clients ADD COLUMN require_jar BOOLEAN NOT NULL DEFAULT FALSE;
