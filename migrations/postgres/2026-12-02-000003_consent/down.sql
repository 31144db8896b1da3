DROP TABLE consents;
ALTER TABLE clients DROP COLUMN consent;
