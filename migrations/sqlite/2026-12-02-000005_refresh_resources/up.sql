-- The resources (RFC 8707 resource indicators) a refresh-token family was
-- granted for: a JSON array of identifiers, empty for the default audience.
-- Keep in step with src/store/sql/schema.rs.
ALTER TABLE refresh_tokens ADD COLUMN resources TEXT NOT NULL DEFAULT '[]';
