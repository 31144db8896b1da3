DELETE FROM revisions WHERE name = 'denylist';
