ALTER TABLE refresh_tokens DROP COLUMN requested_claims;
