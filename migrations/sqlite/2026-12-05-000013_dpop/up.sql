-- DPoP (RFC 9449): whether a client must prove possession of a DPoP key at
-- the token endpoint (§5.2, `dpop_bound_access_tokens`), and the thumbprint
-- of the key a refresh token is bound to (§5). Keep in step with
-- src/store/sql/schema.rs.

ALTER TABLE clients ADD COLUMN require_dpop BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE refresh_tokens ADD COLUMN dpop_jkt TEXT;
