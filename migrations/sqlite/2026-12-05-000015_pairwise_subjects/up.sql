-- Subject identifier types (OpenID Connect Core §8): whether a client gets
-- the users' `public` ids or a `pairwise` one per sector (§8.1), and the
-- client's `sector_identifier_uri` (Registration §2, §5). Keep in step with
-- src/store/sql/schema.rs.

ALTER TABLE clients ADD COLUMN subject_type TEXT NOT NULL DEFAULT 'public';
ALTER TABLE clients ADD COLUMN sector_identifier_uri TEXT;
