ALTER TABLE clients DROP COLUMN logo_uri;
