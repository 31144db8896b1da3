-- Consent (OpenID Connect Core §3.1.2.4): whether a client asks users
-- before it receives their data, and what each user granted each client.
-- Keep in step with src/store/sql/schema.rs.

-- 'implicit' (an application of the operator's) or 'required' (third party).
ALTER TABLE clients ADD COLUMN consent TEXT NOT NULL DEFAULT 'implicit';

-- One row per user and client: the scopes granted so far (JSON array,
-- sorted). A request for scopes outside it asks again.
CREATE TABLE consents (
    user_id    TEXT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id  TEXT   NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
    scopes     TEXT   NOT NULL,
    granted_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, client_id)
);
