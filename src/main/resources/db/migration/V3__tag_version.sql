-- A per-repository counter bumped in the same transaction as every tag change, so any node can tell
-- whether its cached copy of a repository's tag list is current with one primary-key lookup.
ALTER TABLE repositories ADD COLUMN tag_version BIGINT NOT NULL DEFAULT 0;
