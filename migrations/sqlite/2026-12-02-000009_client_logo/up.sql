-- The client's logo (OpenID Connect Dynamic Client Registration §2
-- `logo_uri`), shown next to its name on the login and consent pages.
-- Keep in step with src/store/sql/schema.rs.
ALTER TABLE clients ADD COLUMN logo_uri TEXT NULL;
