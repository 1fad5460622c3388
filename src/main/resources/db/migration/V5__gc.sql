-- Online garbage collection (ARCHITECTURE.md, "Garbage collection"). Times are epoch milliseconds.

-- A blob's life: 'L' live (its bytes are in place; links may point at it), 'P' placing (a writer is moving
-- verified bytes into place; nothing deletes the path meanwhile), 'D' deleting (tombstoned: the deletion
-- outbox; its bytes go once a collector claims it, deleter holding that collector's claim). state_at is when
-- the state began. The blob row is the one row every writer of the digest locks, so placing, linking,
-- tombstoning and deleting the bytes can never cross.
ALTER TABLE blobs ADD COLUMN state CHAR(1) NOT NULL DEFAULT 'L';
ALTER TABLE blobs ADD COLUMN state_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE blobs ADD COLUMN deleter BIGINT;
-- When a link to the blob was last created (upload, mount, cache fill): the grace period of a blob that has
-- lost its links counts from it.
ALTER TABLE blobs ADD COLUMN last_seen_at BIGINT NOT NULL DEFAULT 0;
UPDATE blobs SET last_seen_at = COALESCE((SELECT MAX(rb.created_at) FROM repository_blobs rb WHERE rb.digest = blobs.digest),
                                         created_at);
CREATE INDEX blobs_by_state ON blobs (state, last_seen_at);

-- When a client was last told the link exists (upload, mount, a HEAD or GET answered 200; reads are recorded
-- in batches), and when a collector condemned it (about to be removed unless a client sees it first).
ALTER TABLE repository_blobs ADD COLUMN last_seen_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE repository_blobs ADD COLUMN condemned_at BIGINT;
UPDATE repository_blobs SET last_seen_at = created_at;
CREATE INDEX repository_blobs_by_seen ON repository_blobs (last_seen_at);
CREATE INDEX repository_blobs_condemned ON repository_blobs (condemned_at) WHERE condemned_at IS NOT NULL;

-- Whether any manifest of any repository references a digest.
CREATE INDEX manifest_references_by_blob ON manifest_references (digest);

-- One row per collection, dry runs included; finished_at stays NULL for a run that never finished.
CREATE TABLE gc_runs (
    id                 ${id_type},
    started_at         BIGINT NOT NULL,
    finished_at        BIGINT,
    dry_run            BOOLEAN NOT NULL,
    trigger_name       ${text_type} NOT NULL,
    node               ${text_type} NOT NULL,
    marked             BIGINT NOT NULL DEFAULT 0,
    manifests_deleted  BIGINT NOT NULL DEFAULT 0,
    links_removed      BIGINT NOT NULL DEFAULT 0,
    blobs_swept        BIGINT NOT NULL DEFAULT 0,
    orphans            BIGINT NOT NULL DEFAULT 0,
    bytes_freed        BIGINT NOT NULL DEFAULT 0,
    errors             BIGINT NOT NULL DEFAULT 0,
    error_detail       ${text_type}
);
CREATE INDEX gc_runs_by_start ON gc_runs (started_at);

-- Only one node collects at a time: the holder renews its lease while it runs.
CREATE TABLE gc_lease (
    name         ${text_type} PRIMARY KEY,
    holder       ${text_type} NOT NULL,
    acquired_at  BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
