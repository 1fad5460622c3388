-- Quotas per namespace. Portable SQL, as V1.

-- A namespace's limits; a null column is no limit of that kind, and a namespace without a row has none.
-- max_bytes counts the namespace's unique bytes as the usage counters of V6 keep them (each blob once per
-- namespace, however many of its repositories link it, plus its manifests); max_repositories and max_tags
-- count its repositories and tags. A push over a limit is refused in its own transaction, which on
-- PostgreSQL first locks this row, so concurrent pushes into the namespace are checked one after another.
CREATE TABLE namespace_quotas (
    namespace         ${text_type} PRIMARY KEY,
    max_bytes         BIGINT,
    max_repositories  BIGINT,
    max_tags          BIGINT,
    updated_at        BIGINT NOT NULL
);
