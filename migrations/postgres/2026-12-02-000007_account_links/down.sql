DROP TABLE account_links;
ALTER TABLE users DROP COLUMN verify_before_login;
