-- Access tokens encrypted to a resource's own key (JWE, RFC 7516; nested
-- JWT, RFC 7519 §5.2), so clients cannot read what the API receives:
-- `access_token_encrypted_response_alg`/`_enc`, NULL when the API's tokens
-- are signed only. The key comes from the resource's `jwks`. Keep in step
-- with src/store/sql/schema.rs.

ALTER TABLE resources ADD COLUMN access_token_encrypted_response_alg TEXT;
ALTER TABLE resources ADD COLUMN access_token_encrypted_response_enc TEXT;
