-- Sessions and logout (OpenID Connect RP-Initiated, Back-Channel and
-- Front-Channel Logout 1.0). Keep in step with src/store/sql/schema.rs.

-- A client's display name, shown on the login, consent and logout pages.
ALTER TABLE clients ADD COLUMN name TEXT NULL;
-- Back-Channel Logout 1.0 §2.2 and Front-Channel Logout 1.0 §2 metadata.
ALTER TABLE clients ADD COLUMN backchannel_logout_uri TEXT NULL;
ALTER TABLE clients ADD COLUMN backchannel_logout_session_required BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE clients ADD COLUMN frontchannel_logout_uri TEXT NULL;
ALTER TABLE clients ADD COLUMN frontchannel_logout_session_required BOOLEAN NOT NULL DEFAULT FALSE;

-- Offline refresh tokens (OIDC Core §11) outlive their session but keep
-- its sid for the ID tokens they produce; before this column a NULL sid
-- marked them.
ALTER TABLE refresh_tokens ADD COLUMN offline BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE refresh_tokens SET offline = TRUE WHERE sid IS NULL;
