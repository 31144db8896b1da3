-- Every kind of app (issue 11): browser origins, the PKCE policy and the
-- refresh-token reuse leeway per client; protected resources (APIs, RFC
-- 8707) with their own scopes, token settings and introspection
-- credentials. Keep in step with src/store/sql/schema.rs.

-- JSON array of origins allowed to call /token, /userinfo, /revoke (CORS).
ALTER TABLE clients ADD COLUMN web_origins TEXT NOT NULL DEFAULT '[]';
-- 'required' (default for every client) or 'optional' (confidential only).
ALTER TABLE clients ADD COLUMN pkce TEXT NOT NULL DEFAULT 'required';
-- Seconds a rotated refresh token may be presented again (0: never).
ALTER TABLE clients ADD COLUMN refresh_reuse_leeway BIGINT NOT NULL DEFAULT 0;

CREATE TABLE resources (
    identifier       TEXT   PRIMARY KEY NOT NULL,
    secret_hash      TEXT,
    jwks             TEXT,
    -- JSON array of the scopes this resource defines.
    scopes           TEXT   NOT NULL,
    access_token_ttl BIGINT,
    signing_alg      TEXT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);

INSERT INTO revisions (name, value) VALUES ('resources', 0);
