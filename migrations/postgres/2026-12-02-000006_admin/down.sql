DROP INDEX audit_events_kind;
DROP INDEX audit_events_client;
DROP INDEX audit_events_user;
ALTER TABLE audit_events DROP COLUMN actor;
ALTER TABLE users DROP COLUMN version;
ALTER TABLE clients DROP COLUMN version;
ALTER TABLE clients DROP COLUMN role_claim;
DROP TABLE group_members;
DROP TABLE user_groups;
