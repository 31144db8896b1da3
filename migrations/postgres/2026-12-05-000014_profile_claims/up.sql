-- The standard profile claims of a user beyond name and email (OpenID
-- Connect Core §5.1: given and family name, locale, zoneinfo, picture,
-- phone number and address), one JSON document checked and written by
-- `protocol::profile`; `{}` when there are none. Keep in step with
-- src/store/sql/schema.rs.

ALTER TABLE users ADD COLUMN profile TEXT NOT NULL DEFAULT '{}';
