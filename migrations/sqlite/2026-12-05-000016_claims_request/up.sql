-- The claims request parameter (OpenID Connect Core §5.5): the claims a
-- client asked for by name when a refresh-token family began, as JSON
-- ({"id_token": [...], "userinfo": [...]}), so refreshed tokens carry them
-- too; NULL when none. Keep in step with src/store/sql/schema.rs.

ALTER TABLE refresh_tokens ADD COLUMN requested_claims TEXT;
