-- Revocations bump this counter in the transaction that denies access
-- tokens; every instance polls it and reloads its in-memory copy of the
-- denylist from denied_access_tokens when it moves (src/store/denylist.rs).
INSERT INTO revisions (name, value) VALUES ('denylist', 0);
