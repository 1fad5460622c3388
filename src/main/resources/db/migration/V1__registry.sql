-- Berth's registry metadata. Portable SQL: the same file runs on SQLite and PostgreSQL.
-- ${text_type} is a text column in byte order (lexical sorting as the spec requires);
-- ${bytes_type} holds raw bytes. Times are epoch milliseconds.

CREATE TABLE repositories (
    name        ${text_type} PRIMARY KEY,
    created_at  BIGINT NOT NULL
);

-- Every committed blob, once per registry (content-addressed, deduplicated across repositories).
CREATE TABLE blobs (
    digest      ${text_type} PRIMARY KEY,
    size        BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);

-- Which blobs a repository may see.
CREATE TABLE repository_blobs (
    repository  ${text_type} NOT NULL,
    digest      ${text_type} NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (repository, digest)
);
CREATE INDEX repository_blobs_by_digest ON repository_blobs (digest);

-- Manifests, byte for byte as pushed.
CREATE TABLE manifests (
    repository     ${text_type} NOT NULL,
    digest         ${text_type} NOT NULL,
    media_type     ${text_type} NOT NULL,
    artifact_type  ${text_type},
    subject        ${text_type},
    annotations    ${text_type},
    size           BIGINT NOT NULL,
    content        ${bytes_type} NOT NULL,
    created_at     BIGINT NOT NULL,
    PRIMARY KEY (repository, digest)
);
CREATE INDEX manifests_by_subject ON manifests (repository, subject);

CREATE TABLE tags (
    repository  ${text_type} NOT NULL,
    name        ${text_type} NOT NULL,
    digest      ${text_type} NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (repository, name)
);
CREATE INDEX tags_by_digest ON tags (repository, digest);

-- What each manifest references: kind 'b' a blob (config, layer), 'm' a child manifest (index entry).
-- Garbage collection walks these.
CREATE TABLE manifest_references (
    repository       ${text_type} NOT NULL,
    manifest_digest  ${text_type} NOT NULL,
    digest           ${text_type} NOT NULL,
    kind             CHAR(1) NOT NULL,
    PRIMARY KEY (repository, manifest_digest, digest)
);
CREATE INDEX manifest_references_by_digest ON manifest_references (repository, digest);

CREATE TABLE uploads (
    id          ${text_type} PRIMARY KEY,
    repository  ${text_type} NOT NULL,
    started_at  BIGINT NOT NULL
);
CREATE INDEX uploads_by_start ON uploads (started_at);
