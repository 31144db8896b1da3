-- Change counters. Every change to a table that instances cache in memory
-- bumps its row in the same transaction; instances poll the counter and
-- drop their cache when it moves (see src/store/cache.rs).
CREATE TABLE revisions (
    name  TEXT   NOT NULL PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO revisions (name, value) VALUES ('clients', 0), ('users', 0);
