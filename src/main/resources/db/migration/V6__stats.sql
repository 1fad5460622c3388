-- Usage statistics: counters kept with every change (in the transaction that makes it), so that the
-- statistics are read from a few rows, never from scans. ${namespace_of_repository} is the namespace (the
-- first path segment) of a column named repository.

-- The counters. scope '' is the whole registry, any other scope a namespace. A write adds its changes to
-- one shard row of each scope it touches (0 on SQLite, which has one writer; on PostgreSQL one of a few,
-- at random, so that concurrent pushes do not queue on one row): a value is the sum over its shards.
-- blobs and blob_bytes count unique blobs within the scope: the blobs table for the registry (what is
-- stored), namespace_blobs for a namespace (each blob once per namespace). blob_links and
-- linked_blob_bytes count repository_blobs rows (each blob as every repository sees it).
CREATE TABLE usage_counters (
    scope               ${text_type} NOT NULL,
    shard               INTEGER NOT NULL,
    repositories        BIGINT NOT NULL DEFAULT 0,
    image_manifests     BIGINT NOT NULL DEFAULT 0,
    index_manifests     BIGINT NOT NULL DEFAULT 0,
    artifact_manifests  BIGINT NOT NULL DEFAULT 0,
    manifest_bytes      BIGINT NOT NULL DEFAULT 0,
    tags                BIGINT NOT NULL DEFAULT 0,
    blob_links          BIGINT NOT NULL DEFAULT 0,
    linked_blob_bytes   BIGINT NOT NULL DEFAULT 0,
    blobs               BIGINT NOT NULL DEFAULT 0,
    blob_bytes          BIGINT NOT NULL DEFAULT 0,
    members             BIGINT NOT NULL DEFAULT 0,
    users               BIGINT NOT NULL DEFAULT 0,
    namespaces          BIGINT NOT NULL DEFAULT 0,
    api_tokens          BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (scope, shard)
);

-- Each blob once per namespace, with how many of the namespace's repositories link it: a link that
-- makes refs 1 adds the blob to the namespace's unique bytes, an unlink that makes it 0 takes it away.
-- (What quotas count.)
CREATE TABLE namespace_blobs (
    namespace  ${text_type} NOT NULL,
    digest     ${text_type} NOT NULL,
    size       BIGINT NOT NULL,
    refs       BIGINT NOT NULL,
    PRIMARY KEY (namespace, digest)
);

-- Manifest pushes and pulls per day (days since 1970-01-01, UTC) and scope ('' or a namespace), added to
-- every few seconds from what each node counted in memory.
CREATE TABLE usage_daily (
    day     BIGINT NOT NULL,
    scope   ${text_type} NOT NULL,
    pushes  BIGINT NOT NULL,
    pulls   BIGINT NOT NULL,
    PRIMARY KEY (day, scope)
);

-- When a manifest (by digest) and a tag were last pulled (epoch millis), written in the same batches.
-- Tables of their own, so that recording a pull never rewrites a manifest row (its content) or waits for
-- a push that holds a tag.
CREATE TABLE manifest_pulls (
    repository      ${text_type} NOT NULL,
    digest          ${text_type} NOT NULL,
    last_pulled_at  BIGINT NOT NULL,
    PRIMARY KEY (repository, digest)
);

CREATE TABLE tag_pulls (
    repository      ${text_type} NOT NULL,
    tag             ${text_type} NOT NULL,
    last_pulled_at  BIGINT NOT NULL,
    PRIMARY KEY (repository, tag)
);

-- The exact recount from the rows: what the counters must equal. Used here to start the counters of an
-- existing database, and by reconcile() (after garbage collection) to set them right.
CREATE VIEW namespace_blobs_recount AS
SELECT ${namespace_of_repository} AS namespace, rb.digest AS digest, b.size AS size, COUNT(*) AS refs
FROM repository_blobs rb JOIN blobs b ON b.digest = rb.digest
GROUP BY ${namespace_of_repository}, rb.digest, b.size;

-- A manifest is an artifact when it has an artifactType (for an image manifest Berth stores its config's
-- media type there when it names none) that is not an image config's; else an index or an image.
CREATE VIEW usage_recount AS
WITH by_namespace (namespace, repositories, image_manifests, index_manifests, artifact_manifests, manifest_bytes, tags,
                   blob_links, linked_blob_bytes, blobs, blob_bytes, members) AS (
    SELECT ${namespace_of_repository}, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
    FROM (SELECT name AS repository FROM repositories) r
    UNION ALL
    SELECT ${namespace_of_repository}, 0,
           CASE WHEN kind = 'image' THEN 1 ELSE 0 END, CASE WHEN kind = 'index' THEN 1 ELSE 0 END,
           CASE WHEN kind = 'artifact' THEN 1 ELSE 0 END, size, 0, 0, 0, 0, 0, 0
    FROM (SELECT repository, size,
                 CASE WHEN artifact_type IS NOT NULL AND artifact_type NOT IN
                               ('application/vnd.oci.image.config.v1+json', 'application/vnd.docker.container.image.v1+json')
                      THEN 'artifact'
                      WHEN media_type IN ('application/vnd.oci.image.index.v1+json',
                                          'application/vnd.docker.distribution.manifest.list.v2+json')
                      THEN 'index'
                      ELSE 'image' END AS kind
          FROM manifests) m
    UNION ALL
    SELECT ${namespace_of_repository}, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0 FROM tags
    UNION ALL
    SELECT ${namespace_of_repository}, 0, 0, 0, 0, 0, 0, 1, b.size, 0, 0, 0
    FROM repository_blobs rb JOIN blobs b ON b.digest = rb.digest
    UNION ALL
    SELECT namespace, 0, 0, 0, 0, 0, 0, 0, 0, 1, size, 0 FROM namespace_blobs_recount
    UNION ALL
    SELECT namespace, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 FROM namespace_members
)
SELECT '' AS scope,
       COALESCE(SUM(repositories), 0) AS repositories, COALESCE(SUM(image_manifests), 0) AS image_manifests,
       COALESCE(SUM(index_manifests), 0) AS index_manifests, COALESCE(SUM(artifact_manifests), 0) AS artifact_manifests,
       COALESCE(SUM(manifest_bytes), 0) AS manifest_bytes, COALESCE(SUM(tags), 0) AS tags,
       COALESCE(SUM(blob_links), 0) AS blob_links, COALESCE(SUM(linked_blob_bytes), 0) AS linked_blob_bytes,
       (SELECT COUNT(*) FROM blobs) AS blobs, (SELECT COALESCE(SUM(size), 0) FROM blobs) AS blob_bytes,
       COALESCE(SUM(members), 0) AS members,
       (SELECT COUNT(*) FROM users) AS users, (SELECT COUNT(*) FROM namespaces) AS namespaces,
       (SELECT COUNT(*) FROM api_tokens) AS api_tokens
FROM by_namespace
UNION ALL
SELECT namespace, SUM(repositories), SUM(image_manifests), SUM(index_manifests), SUM(artifact_manifests), SUM(manifest_bytes),
       SUM(tags), SUM(blob_links), SUM(linked_blob_bytes), SUM(blobs), SUM(blob_bytes), SUM(members), 0, 0, 0
FROM by_namespace
GROUP BY namespace;

-- An existing database starts with its counters right.
INSERT INTO namespace_blobs (namespace, digest, size, refs)
SELECT namespace, digest, size, refs FROM namespace_blobs_recount;

INSERT INTO usage_counters (scope, shard, repositories, image_manifests, index_manifests, artifact_manifests, manifest_bytes,
                            tags, blob_links, linked_blob_bytes, blobs, blob_bytes, members, users, namespaces, api_tokens)
SELECT scope, 0, repositories, image_manifests, index_manifests, artifact_manifests, manifest_bytes,
       tags, blob_links, linked_blob_bytes, blobs, blob_bytes, members, users, namespaces, api_tokens
FROM usage_recount;
