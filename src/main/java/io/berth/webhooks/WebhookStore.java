package io.berth.webhooks;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Where webhooks, the outbox of requests still to be made and the delivery log live: the registry's
 * database, so that events survive restarts and every node of a cluster shares one outbox. A row is
 * delivered by one node at a time: {@link #claim} leases it (on PostgreSQL with {@code FOR UPDATE SKIP
 * LOCKED}, so nodes claiming at once take different rows and never wait for each other).
 *
 * <p>Destinations are strings: {@code w:<webhook id>} for a namespace's webhook, {@code e:<name>} for an
 * endpoint of the operator's {@code notifications.endpoints}.
 */
public interface WebhookStore {

    /**
     * A namespace's webhook. {@code secret} is the HMAC key, stored as it is because signing needs it;
     * {@link #toString} never shows it.
     */
    record Webhook(String id, String namespace, String url, String secret, Set<String> events, String createdBy, long createdAt) {
        public Webhook {
            events = Set.copyOf(events);
        }

        @Override
        public String toString() {
            return "Webhook[" + id + " of " + namespace + " to " + url + " for " + events + "]";
        }
    }

    /** A request to make: its destination, the event it carries, and the exact body. */
    record Outgoing(String destination, String eventId, String kind, String body, long createdAt) {
    }

    /** A row of the outbox this node has leased. {@code attempts}: how many were made before this claim. */
    record Claimed(long id, String destination, String eventId, String kind, String body, int attempts, long createdAt) {
    }

    /** What happened to one attempt. */
    enum Outcome {
        /** The receiver accepted it; the row is gone from the outbox. */
        DELIVERED,
        /** It failed and will be tried again. */
        RETRYING,
        /** It failed for the last time (attempts exhausted), or could not be sent at all; the row is gone. */
        FAILED;

        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** One line of the delivery log: one attempt. {@code status} is null when no response came (refused, timed out). */
    record Delivery(long id, String destination, String eventId, String kind, int attempt, long at, Integer status,
                    String error, long durationMillis, Outcome outcome) {
    }

    // webhooks

    void createWebhook(Webhook webhook);

    List<Webhook> webhooks(String namespace);

    /** The webhooks of these namespaces (an event batch's), and with {@code everyNamespace} all of them. */
    List<Webhook> webhooksOf(Collection<String> namespaces, boolean everyNamespace);

    Optional<Webhook> webhook(String id);

    /** Deletes the webhook of the namespace with its outbox rows and delivery log; false when there is none. */
    boolean deleteWebhook(String namespace, String id);

    /** Each namespace that has webhooks, with the kinds they subscribe to together (for the request thread's quick check). */
    java.util.Map<String, Set<String>> subscriptions();

    // the outbox

    void enqueue(List<Outgoing> rows);

    /**
     * Leases up to {@code limit} due rows ({@code next_attempt_at <= now}, no live lease) until
     * {@code leaseUntil}, at most {@code perDestination} per destination, skipping {@code busy}
     * destinations; only webhook rows and those of {@code endpoints} (this node's), in id order per
     * destination.
     */
    List<Claimed> claim(String node, long now, long leaseUntil, int limit, int perDestination, Set<String> busy,
                        Set<String> endpoints);

    /** The attempt succeeded: removes the row and logs it. */
    void delivered(Claimed row, Delivery log);

    /** The attempt failed: counts it, schedules the next at {@code nextAttemptAt}, drops the lease, logs it. */
    void retry(Claimed row, long nextAttemptAt, Delivery log);

    /** The row is given up: removes it and logs why. */
    void failed(Claimed row, Delivery log);

    /** Appends to the log without touching the outbox (a test delivery). */
    void log(Delivery log);

    /** Drops the leases of rows this node claimed but did not get to (shutdown). */
    void release(Collection<Long> ids);

    /**
     * At start: on a database only this process uses (SQLite, whose data directory is locked), leases left
     * by a previous run are void, so its rows go out at once instead of when the leases expire. A shared
     * database (PostgreSQL) keeps them: another node may hold them.
     */
    void releaseAbandonedLeases();

    /** Rows waiting in the outbox for a destination. */
    long pending(String destination);

    /** The destination's log, newest first; {@code beforeId} pages (null: from the newest). */
    List<Delivery> deliveries(String destination, Long beforeId, int limit);

    /** Forgets log lines older than {@code before} (epoch ms). */
    void pruneDeliveries(long before);
}
