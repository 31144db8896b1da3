-- Token exchange (RFC 8693): the resources whose access tokens a client may
-- exchange (the APIs it implements), as a JSON array like `resources`; tokens
-- issued to the client itself always may be. Keep in step with
-- src/store/sql/schema.rs.

ALTER TABLE clients ADD COLUMN token_exchange_from TEXT NOT NULL DEFAULT '[]';
