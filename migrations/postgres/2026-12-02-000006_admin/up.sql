-- Administration (issue 12): groups and their members, the per-client
-- role claim, versions for optimistic concurrency (the admin API's ETag),
-- and who did what in the audit trail. Keep in step with
-- src/store/sql/schema.rs.

-- Named sets of users; their names are the `groups` claim.
CREATE TABLE user_groups (
    name        TEXT   NOT NULL PRIMARY KEY,
    description TEXT   NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE group_members (
    group_name TEXT   NOT NULL REFERENCES user_groups (name) ON DELETE CASCADE,
    user_id    TEXT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    added_at   BIGINT NOT NULL,
    PRIMARY KEY (group_name, user_id)
);
CREATE INDEX group_members_user ON group_members (user_id);

-- The group-name prefix that becomes this client's `roles` claim
-- ('app1:' turns membership of 'app1:admin' into roles ["admin"]).
ALTER TABLE clients ADD COLUMN role_claim TEXT NULL;

-- Bumped by every change; an update that names an older version changes
-- nothing (HTTP 412 in the admin API).
ALTER TABLE clients ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN version BIGINT NOT NULL DEFAULT 1;

-- Who caused an event: 'cli', 'user:<id>' or 'client:<id>' (admin
-- actions); NULL for events of the protocol itself.
ALTER TABLE audit_events ADD COLUMN actor TEXT NULL;
CREATE INDEX audit_events_user ON audit_events (user_id, at);
CREATE INDEX audit_events_client ON audit_events (client_id, at);
CREATE INDEX audit_events_kind ON audit_events (kind, at);
