-- What the web UI lists and searches. The namespace of each repository (its first path segment) is kept
-- beside its name, so a page of the repositories a viewer may read is one indexed query however many
-- others there are; tags by push time are an index walk too.
ALTER TABLE repositories ADD COLUMN namespace ${text_type} NOT NULL DEFAULT '';
UPDATE repositories SET namespace = CASE WHEN ${instr}(name, '/') > 0 THEN SUBSTR(name, 1, ${instr}(name, '/') - 1) ELSE name END;
CREATE INDEX repositories_by_namespace ON repositories (namespace, name);
CREATE INDEX tags_by_update ON tags (repository, updated_at);
-- "Which repositories and tags hold this digest?" — as a manifest, a blob, or an index's child.
CREATE INDEX manifests_by_digest ON manifests (digest);
CREATE INDEX manifest_references_by_target ON manifest_references (digest);
