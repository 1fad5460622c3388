-- Immutable tags and retention. Portable SQL, as V1.

-- When a tag was last pushed: set by a manifest PUT by tag (the same digest again counts) and by a cache
-- fill that sets it, but not by a cache revalidation, which touches updated_at only. Retention's "the N
-- most recently pushed" counts pushes. Tags from before this column take updated_at.
ALTER TABLE tags ADD COLUMN pushed_at BIGINT NOT NULL DEFAULT 0;
UPDATE tags SET pushed_at = updated_at;

-- Per namespace, glob patterns (* and ?) of tags that may be neither moved to another digest nor deleted.
CREATE TABLE immutable_tag_rules (
    namespace  ${text_type} NOT NULL,
    seq        INTEGER NOT NULL,
    pattern    ${text_type} NOT NULL,
    PRIMARY KEY (namespace, seq)
);

-- Per namespace, retention rules in order (seq). repositories and keep_tags are JSON arrays of glob patterns
-- (repositories: full names; [] is every repository of the namespace); keep_last and keep_days are null when
-- the rule has no such condition.
CREATE TABLE retention_rules (
    namespace        ${text_type} NOT NULL,
    seq              INTEGER NOT NULL,
    repositories     ${text_type} NOT NULL,
    keep_last        INTEGER,
    keep_days        INTEGER,
    keep_tags        ${text_type} NOT NULL,
    delete_untagged  BOOLEAN NOT NULL,
    PRIMARY KEY (namespace, seq)
);

-- Leases of scheduled lifecycle work: one scheduled retention run per interval, however many nodes share
-- the database.
CREATE TABLE lifecycle_leases (
    name        ${text_type} PRIMARY KEY,
    held_until  BIGINT NOT NULL
);
