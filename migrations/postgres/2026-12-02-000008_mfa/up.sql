-- Second factors (issue 13): a user's TOTP secret, sealed under the
-- key-encryption key, with the last time step accepted (RFC 6238 §5.2: a
-- code is accepted once), and their single-use recovery codes, stored as
-- SHA-256 only. Per client, whether its users must give a second factor.
-- Keep in step with src/store/sql/schema.rs.

CREATE TABLE totp_factors (
    user_id       TEXT   NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_sealed TEXT   NOT NULL,
    last_step     BIGINT NOT NULL,
    created_at    BIGINT NOT NULL
);

CREATE TABLE recovery_codes (
    user_id    TEXT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    used_at    BIGINT NULL,
    PRIMARY KEY (user_id, code_hash)
);

ALTER TABLE clients ADD COLUMN require_mfa BOOLEAN NOT NULL DEFAULT FALSE;
