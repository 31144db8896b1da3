-- Dynamic client registration (RFC 7591) and the client configuration
-- endpoint (RFC 7592). Keep in step with src/store/sql/schema.rs.

-- Initial access tokens (RFC 7591 §3): issued by an operator (`oxidp
-- registration token create`), stored only as their SHA-256 digest. A
-- NULL `uses_left` is unlimited, a NULL `expires_at` never expires.
CREATE TABLE initial_access_tokens (
    id         TEXT   NOT NULL PRIMARY KEY,
    token_hash TEXT   NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NULL,
    uses_left  BIGINT NULL,
    created_by TEXT   NULL
);

-- The registration access token (RFC 7592 §3) of each dynamically
-- registered client, as its digest; it goes with the client.
CREATE TABLE client_registrations (
    client_id               TEXT   NOT NULL PRIMARY KEY REFERENCES clients (client_id) ON DELETE CASCADE,
    registration_token_hash TEXT   NOT NULL,
    created_at              BIGINT NOT NULL
);
