-- Per-namespace webhooks, and the durable outbox from which they and the operator's registry:2
-- notification endpoints are delivered, with the log of every attempt.

-- secret is the HMAC-SHA256 key, kept as it is: signing needs it (it is shown once, at creation).
-- events: the kinds subscribed to, comma-separated (push,delete,pull,quota_exceeded,retention_run,gc_run).
CREATE TABLE webhooks (
    id          ${text_type} PRIMARY KEY,
    namespace   ${text_type} NOT NULL,
    url         ${text_type} NOT NULL,
    secret      ${text_type} NOT NULL,
    events      ${text_type} NOT NULL,
    created_by  ${text_type},
    created_at  BIGINT NOT NULL
);
CREATE INDEX webhooks_by_namespace ON webhooks (namespace);

-- One row per request still to be made. destination: 'w:<webhook id>' or 'e:<endpoint name>'; body: the
-- exact JSON to send (signed when sent). A node claims a row by setting lease_until (PostgreSQL: FOR UPDATE
-- SKIP LOCKED, so claiming nodes take different rows); the row goes when delivered or given up.
CREATE TABLE webhook_outbox (
    id               ${id_type},
    destination      ${text_type} NOT NULL,
    event_id         ${text_type} NOT NULL,
    kind             ${text_type} NOT NULL,
    body             ${text_type} NOT NULL,
    created_at       BIGINT NOT NULL,
    attempts         INTEGER NOT NULL,
    next_attempt_at  BIGINT NOT NULL,
    lease_until      BIGINT,
    claimed_by       ${text_type}
);
CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at);
CREATE INDEX webhook_outbox_by_destination ON webhook_outbox (destination);

-- Every attempt: status_code is null when no response came (refused, timed out: error says).
-- outcome: delivered, retrying or failed (given up).
CREATE TABLE webhook_deliveries (
    id           ${id_type},
    destination  ${text_type} NOT NULL,
    event_id     ${text_type} NOT NULL,
    kind         ${text_type} NOT NULL,
    attempt      INTEGER NOT NULL,
    at           BIGINT NOT NULL,
    status_code  INTEGER,
    error        ${text_type},
    duration_ms  BIGINT NOT NULL,
    outcome      ${text_type} NOT NULL
);
CREATE INDEX webhook_deliveries_by_destination ON webhook_deliveries (destination, id);
CREATE INDEX webhook_deliveries_by_time ON webhook_deliveries (at);
