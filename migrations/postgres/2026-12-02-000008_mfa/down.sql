ALTER TABLE clients DROP COLUMN require_mfa;
DROP TABLE recovery_codes;
DROP TABLE totp_factors;
