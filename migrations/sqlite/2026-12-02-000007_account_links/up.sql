-- Temporary secure links (password reset, email verification). Keep in
-- step with the other backend's migration and src/store/sql/schema.rs.

-- One row per link sent and not yet used: the SHA-256 of its token (never
-- the token), what it is for, whose it is, what it is bound to (reset: a
-- fingerprint of the password hash; verify: the address) and its expiry.
CREATE TABLE account_links (
    token_hash TEXT   NOT NULL PRIMARY KEY,
    purpose    TEXT   NOT NULL,
    user_id    TEXT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    bound_to   TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX account_links_expires_at ON account_links (expires_at);
CREATE INDEX account_links_user_id ON account_links (user_id);

-- Self-registered accounts sign in only after their email is verified.
ALTER TABLE users ADD COLUMN verify_before_login BOOLEAN NOT NULL DEFAULT FALSE;
