-- Users, namespaces with roles, API/robot tokens, the token-signing key and the audit log.

CREATE TABLE users (
    name           ${text_type} PRIMARY KEY,
    password_hash  ${text_type} NOT NULL,
    admin          BOOLEAN NOT NULL,
    disabled       BOOLEAN NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);

-- A namespace is the first path segment of repository names. visibility: 'public' or 'private'.
CREATE TABLE namespaces (
    name        ${text_type} PRIMARY KEY,
    visibility  ${text_type} NOT NULL,
    created_at  BIGINT NOT NULL
);

-- role: reader, writer, maintainer, owner.
CREATE TABLE namespace_members (
    namespace  ${text_type} NOT NULL,
    username   ${text_type} NOT NULL,
    role       ${text_type} NOT NULL,
    PRIMARY KEY (namespace, username)
);
CREATE INDEX namespace_members_by_user ON namespace_members (username);

-- Robot accounts / API tokens: the secret is stored only as its SHA-256 (it is 256 random bits).
-- scopes is JSON: [{"namespace": "team" or "*", "actions": ["pull", "push", "delete"]}].
CREATE TABLE api_tokens (
    id            ${text_type} PRIMARY KEY,
    owner         ${text_type} NOT NULL,
    name          ${text_type} NOT NULL,
    secret_hash   ${text_type} NOT NULL UNIQUE,
    scopes        ${text_type} NOT NULL,
    expires_at    BIGINT,
    last_used_at  BIGINT,
    created_at    BIGINT NOT NULL,
    revoked       BOOLEAN NOT NULL
);
CREATE UNIQUE INDEX api_tokens_owner_name ON api_tokens (owner, name);

-- The token-signing key, shared by every node that uses this database.
CREATE TABLE signing_keys (
    kid          ${text_type} PRIMARY KEY,
    algorithm    ${text_type} NOT NULL,
    private_key  ${text_type} NOT NULL,
    created_at   BIGINT NOT NULL
);

CREATE TABLE audit_events (
    id         ${id_type},
    at         BIGINT NOT NULL,
    actor      ${text_type},
    action     ${text_type} NOT NULL,
    target     ${text_type},
    client     ${text_type},
    success    BOOLEAN NOT NULL,
    detail     ${text_type}
);
CREATE INDEX audit_events_by_time ON audit_events (at);
CREATE INDEX audit_events_by_actor ON audit_events (actor, at);

ALTER TABLE repositories ADD COLUMN description ${text_type};
