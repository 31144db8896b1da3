-- Passkeys (issue 13, WebAuthn Level 3): a user's registered credentials.
-- `id` is the credential id (base64url), unique across users (WebAuthn §7.1
-- step 26: a credential id registered to another account is refused);
-- `passkey` is the public key, its algorithm and signature counter as
-- webauthn-rs serializes them (public data: no secret is stored).
-- Keep in step with src/store/sql/schema.rs.

CREATE TABLE passkeys (
    id           TEXT   NOT NULL PRIMARY KEY,
    user_id      TEXT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT   NOT NULL,
    passkey      TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT NULL
);

CREATE INDEX passkeys_user ON passkeys (user_id);
