-- Credentials that stop counting. tokens_valid_after: when the user was last disabled; bearer tokens, refresh
-- tokens and web sessions issued before it are refused, so re-enabling a user revives none of them (a
-- password change ends them through their password binding instead).
ALTER TABLE users ADD COLUMN tokens_valid_after BIGINT NOT NULL DEFAULT 0;
-- Web sessions ended by "Log out": a session cookie is signed and stateless, so logging out records its
-- id until the cookie could no longer be used anyway (its maximum age), on every node alike.
CREATE TABLE ended_sessions (
    id          ${text_type} PRIMARY KEY,
    expires_at  BIGINT NOT NULL
);
