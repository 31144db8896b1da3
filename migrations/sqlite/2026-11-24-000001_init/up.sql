-- Initial schema (SQLite). Keep column names and types in step with
-- migrations/postgres and src/store/sql/schema.rs: TEXT ids, BIGINT Unix
-- seconds, BOOLEAN flags, JSON-array TEXT lists.

CREATE TABLE users (
    id             TEXT    NOT NULL PRIMARY KEY,
    username       TEXT    NOT NULL UNIQUE,
    email          TEXT    NULL,
    email_verified BOOLEAN NOT NULL DEFAULT FALSE,
    name           TEXT    NULL,
    password_hash  TEXT    NOT NULL,
    disabled       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL
);

CREATE TABLE clients (
    client_id                 TEXT    NOT NULL PRIMARY KEY,
    secret_hash               TEXT    NULL,
    public                    BOOLEAN NOT NULL,
    redirect_uris             TEXT    NOT NULL,
    post_logout_redirect_uris TEXT    NOT NULL,
    grant_types               TEXT    NOT NULL,
    scopes                    TEXT    NOT NULL,
    token_endpoint_auth_method TEXT   NOT NULL,
    jwks                      TEXT    NULL,
    jwks_uri                  TEXT    NULL,
    resources                 TEXT    NOT NULL,
    access_token_ttl          BIGINT  NULL,
    refresh_token_idle_ttl    BIGINT  NULL,
    refresh_token_absolute_ttl BIGINT NULL,
    id_token_signed_response_alg TEXT NULL,
    created_at                BIGINT  NOT NULL,
    updated_at                BIGINT  NOT NULL
);

-- Refresh tokens are durable and stored only as SHA-256 hashes. Rows of one
-- family share family_id; each rotation marks its predecessor rotated_at.
-- access_token_jti/exp name the access token issued alongside, so revoking
-- a family can also deny its access tokens until they expire.
CREATE TABLE refresh_tokens (
    id                TEXT   NOT NULL PRIMARY KEY,
    token_hash        TEXT   NOT NULL UNIQUE,
    family_id         TEXT   NOT NULL,
    client_id         TEXT   NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
    user_id           TEXT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    scope             TEXT   NOT NULL,
    sid               TEXT   NULL,
    auth_time         BIGINT NOT NULL,
    access_token_jti  TEXT   NULL,
    access_token_exp  BIGINT NULL,
    created_at        BIGINT NOT NULL,
    expires_at        BIGINT NOT NULL,
    family_expires_at BIGINT NOT NULL,
    rotated_at        BIGINT NULL,
    revoked_at        BIGINT NULL
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_sid ON refresh_tokens (sid);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

-- Security-relevant events (token reuse, code replay, revocations).
CREATE TABLE audit_events (
    id        TEXT   NOT NULL PRIMARY KEY,
    at        BIGINT NOT NULL,
    kind      TEXT   NOT NULL,
    client_id TEXT   NULL,
    user_id   TEXT   NULL,
    detail    TEXT   NOT NULL
);
CREATE INDEX audit_events_at ON audit_events (at);

-- Revoked access tokens (RFC 7009), kept until they would have expired.
-- The session store holds the copy that requests consult; this table lets a
-- restart (or a fresh Redis) restore it.
CREATE TABLE denied_access_tokens (
    jti        TEXT   NOT NULL PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX denied_access_tokens_expiry ON denied_access_tokens (expires_at);

-- Signing keys, shared by every instance. Private keys are AES-256-GCM
-- ciphertext under the key-encryption key file (never stored in clear).
-- state: next (published, not signing) -> active (signing) -> retired
-- (published until delete_after). signs_from: earliest activation, so a key
-- is in every cached JWKS before it signs.
CREATE TABLE signing_keys (
    kid          TEXT   NOT NULL PRIMARY KEY,
    alg          TEXT   NOT NULL,
    state        TEXT   NOT NULL,
    private_key  TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    signs_from   BIGINT NOT NULL,
    activated_at BIGINT NULL,
    retired_at   BIGINT NULL,
    delete_after BIGINT NULL
);

-- One row, updated first in every key-set transaction: concurrent
-- rotations on several instances queue on it (row lock on PostgreSQL,
-- the write lock on SQLite), so exactly one of them rotates.
CREATE TABLE key_set_lock (
    id         BIGINT NOT NULL PRIMARY KEY,
    updated_at BIGINT NOT NULL
);
INSERT INTO key_set_lock (id, updated_at) VALUES (1, 0);
