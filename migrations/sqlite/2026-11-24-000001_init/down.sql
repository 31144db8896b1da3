DROP TABLE IF EXISTS key_set_lock;
DROP TABLE IF EXISTS signing_keys;
DROP TABLE IF EXISTS denied_access_tokens;
DROP TABLE IF EXISTS audit_events;
DROP TABLE IF EXISTS refresh_tokens;
DROP TABLE IF EXISTS clients;
DROP TABLE IF EXISTS users;
