-- Initial schema (PostgreSQL). Keep column names and types in step with
-- migrations/sqlite and src/store/sql/schema.rs: TEXT ids, BIGINT Unix
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
    created_at                BIGINT  NOT NULL,
    updated_at                BIGINT  NOT NULL
);
