-- Response encryption (OpenID Connect Dynamic Client Registration §2; Core
-- §10.2, §5.3.2): how a client wants its ID tokens encrypted after signing
-- (`id_token_encrypted_response_alg`/`_enc`), and its UserInfo responses
-- signed (`userinfo_signed_response_alg`) and/or encrypted
-- (`userinfo_encrypted_response_alg`/`_enc`); NULL when unset. Keep in step
-- with src/store/sql/schema.rs.

ALTER TABLE clients ADD COLUMN id_token_encrypted_response_alg TEXT;
ALTER TABLE clients ADD COLUMN id_token_encrypted_response_enc TEXT;
ALTER TABLE clients ADD COLUMN userinfo_signed_response_alg TEXT;
ALTER TABLE clients ADD COLUMN userinfo_encrypted_response_alg TEXT;
ALTER TABLE clients ADD COLUMN userinfo_encrypted_response_enc TEXT;
