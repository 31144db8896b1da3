DROP TABLE IF EXISTS denied_access_tokens;
DROP TABLE IF EXISTS audit_events;
DROP TABLE IF EXISTS refresh_tokens;
DROP TABLE IF EXISTS clients;
DROP TABLE IF EXISTS users;
