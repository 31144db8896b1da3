DELETE FROM revisions WHERE name = 'resources';
DROP TABLE resources;
ALTER TABLE clients DROP COLUMN refresh_reuse_leeway;
ALTER TABLE clients DROP COLUMN pkce;
ALTER TABLE clients DROP COLUMN web_origins;
