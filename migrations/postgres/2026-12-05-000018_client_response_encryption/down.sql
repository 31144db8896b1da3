ALTER TABLE clients DROP COLUMN userinfo_encrypted_response_enc;
ALTER TABLE clients DROP COLUMN userinfo_encrypted_response_alg;
ALTER TABLE clients DROP COLUMN userinfo_signed_response_alg;
ALTER TABLE clients DROP COLUMN id_token_encrypted_response_enc;
ALTER TABLE clients DROP COLUMN id_token_encrypted_response_alg;
