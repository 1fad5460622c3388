package io.berth.webhooks;

import io.berth.webhooks.WebhookStore.Claimed;
import io.berth.webhooks.WebhookStore.Delivery;
import io.berth.webhooks.WebhookStore.Outcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Delivers the outbox. One thread claims due rows (a lease in the database, so each row goes out from one
 * node at a time) and hands each destination's rows to a lane of its own, a virtual thread that sends
 * them one after the other: a slow or dead receiver holds up its own lane only, never the others', and
 * every attempt has a timeout. Webhook rows are retried with exponential backoff until their attempts
 * run out; an operator's endpoint is retried as registry:2 retries it — immediately, and after
 * {@code threshold} failures in a row only once {@code backoff} has passed — and never given up.
 */
final class Deliverer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Deliverer.class);
    static final String SIGNATURE_HEADER = "X-Berth-Signature";
    private static final int CLAIM = 100;
    private static final int PER_DESTINATION = 10;
    /** Destinations served at once by this node. */
    private static final int LANES = 64;
    private static final Duration LOG_RETENTION = Duration.ofDays(7);

    private final WebhookStore store;
    private final Sender sender;
    private final WebhookSettings settings;
    private final Map<String, NotificationEndpoint> endpoints;
    private final String node;
    /** Counts each attempt's outcome by destination (the metrics). */
    private final java.util.function.BiConsumer<String, Outcome> counted;
    private final long lease;
    private final Set<String> busy = ConcurrentHashMap.newKeySet();
    /** registry:2's circuit breaker, per endpoint destination: failures in a row, and until when to wait. */
    private final Map<String, long[]> breakers = new ConcurrentHashMap<>();
    private final Set<Thread> lanes = ConcurrentHashMap.newKeySet();
    private final Semaphore wake = new Semaphore(0);
    private final Thread thread;
    private volatile boolean stopping;
    private long prunedAt;
    private long warnedAt;

    Deliverer(WebhookStore store, Sender sender, WebhookSettings settings, Map<String, NotificationEndpoint> endpoints, String node,
              java.util.function.BiConsumer<String, Outcome> counted) {
        this.store = store;
        this.counted = counted;
        this.sender = sender;
        this.settings = settings;
        this.endpoints = Map.copyOf(endpoints);
        this.node = node;
        long longest = endpoints.values().stream().mapToLong(e -> e.timeout().toMillis()).max().orElse(0);
        // A lane sends its rows one after the other: the lease covers all of them at their timeouts.
        this.lease = PER_DESTINATION * (Math.max(longest, settings.timeout().toMillis()) + 5_000) + 30_000;
        this.thread = Thread.ofPlatform().daemon().name("berth-webhook-delivery").start(this::loop);
    }

    /** Something was enqueued: look for due rows now rather than at the next tick. */
    void wake() {
        wake.release();
    }

    private void loop() {
        while (!stopping) {
            try {
                wake.tryAcquire(1, TimeUnit.SECONDS);
                wake.drainPermits();
                if (stopping) {
                    return;
                }
                if (round() == CLAIM) {
                    wake.release(); // there may be more due
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                long now = System.currentTimeMillis();
                if (now - warnedAt > 60_000) {
                    warnedAt = now;
                    LOG.warn("webhook delivery: cannot read the outbox: {}", e.getMessage());
                }
            }
        }
    }

    /** One claim and its lanes; returns how many rows were claimed. */
    private int round() {
        long now = System.currentTimeMillis();
        if (now - prunedAt > 3_600_000) {
            prunedAt = now;
            store.pruneDeliveries(now - LOG_RETENTION.toMillis());
        }
        if (busy.size() >= LANES) {
            return 0;
        }
        Set<String> skip = new HashSet<>(busy);
        breakers.forEach((destination, state) -> {
            if (state[1] > now) {
                skip.add(destination);
            }
        });
        List<Claimed> rows = store.claim(node, now, now + lease, CLAIM, PER_DESTINATION, skip, endpoints.keySet());
        Map<String, List<Claimed>> byDestination = new LinkedHashMap<>();
        for (Claimed row : rows) {
            byDestination.computeIfAbsent(row.destination(), d -> new ArrayList<>()).add(row);
        }
        byDestination.forEach((destination, list) -> {
            busy.add(destination);
            Thread lane = Thread.ofVirtual().name("berth-webhook-lane").unstarted(() -> lane(destination, list));
            lanes.add(lane);
            lane.start();
        });
        return rows.size();
    }

    private void lane(String destination, List<Claimed> rows) {
        List<Claimed> left = new ArrayList<>(rows);
        try {
            NotificationEndpoint endpoint = endpoints.get(destination);
            if (endpoint != null) {
                deliverToEndpoint(endpoint, left);
            } else {
                Optional<WebhookStore.Webhook> hook = store.webhook(destination.substring(2));
                // A webhook deleted since the claim took its rows with it.
                if (hook.isPresent()) {
                    deliverToWebhook(hook.get(), left);
                } else {
                    left.clear();
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("webhook delivery to {} stopped: {}", destination, e.getMessage());
        } finally {
            try {
                if (!left.isEmpty()) {
                    store.release(left.stream().map(Claimed::id).toList());
                }
            } catch (RuntimeException e) {
                LOG.debug("could not release leases (they expire): {}", e.getMessage());
            }
            busy.remove(destination);
            lanes.remove(Thread.currentThread());
            wake.release();
        }
    }

    private void deliverToWebhook(WebhookStore.Webhook hook, List<Claimed> left) {
        URI url = URI.create(hook.url());
        while (!left.isEmpty() && !stopping) {
            Claimed row = left.getFirst();
            Sender.Result r = sendToWebhook(hook, url, row.eventId(), row.kind(), row.body());
            if (interruptedByShutdown(r)) {
                return;
            }
            left.removeFirst();
            int attempt = row.attempts() + 1;
            long now = System.currentTimeMillis();
            String error = error(r, false);
            if (r.accepted(false)) {
                store.delivered(row, log(row, attempt, now, r, null, Outcome.DELIVERED));
            } else if (attempt >= settings.attempts()) {
                String why = error + "; given up after " + attempt + (attempt == 1 ? " attempt" : " attempts");
                store.failed(row, log(row, attempt, now, r, why, Outcome.FAILED));
            } else {
                store.retry(row, settings.nextAttempt(now, attempt), log(row, attempt, now, r, error, Outcome.RETRYING));
            }
        }
    }

    /** One signed POST to a namespace's webhook (a delivery, or a test). */
    Sender.Result sendToWebhook(WebhookStore.Webhook hook, URI url, String eventId, String kind, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        Map<String, List<String>> headers = Map.of(
                "X-Berth-Event", List.of(kind),
                "X-Berth-Delivery", List.of(eventId),
                "X-Berth-Webhook", List.of(hook.id()),
                SIGNATURE_HEADER, List.of("sha256=" + sign(hook.secret(), bytes)));
        return sender.post(url, false, headers, "application/json", bytes, settings.timeout());
    }

    private void deliverToEndpoint(NotificationEndpoint endpoint, List<Claimed> left) {
        long[] breaker = breakers.computeIfAbsent(endpoint.destination(), d -> new long[2]);
        while (!left.isEmpty() && !stopping) {
            Claimed row = left.getFirst();
            Sender.Result r = sender.post(endpoint.url(), true, endpoint.headers(), Payloads.ENVELOPE_TYPE,
                    row.body().getBytes(StandardCharsets.UTF_8), endpoint.timeout());
            if (interruptedByShutdown(r)) {
                return;
            }
            left.removeFirst();
            long now = System.currentTimeMillis();
            if (r.accepted(true)) {
                breaker[0] = 0;
                store.delivered(row, log(row, row.attempts() + 1, now, r, null, Outcome.DELIVERED));
                continue;
            }
            breaker[0]++;
            long next = now;
            if (breaker[0] >= endpoint.threshold()) {
                next = now + endpoint.backoff().toMillis();
                breaker[1] = next;
                if (breaker[0] == endpoint.threshold()) {
                    LOG.warn("{} failed {} times in a row ({}), backing off", endpoint, breaker[0], error(r, true));
                }
            }
            store.retry(row, next, log(row, row.attempts() + 1, now, r, error(r, true), Outcome.RETRYING));
            return; // registry:2 sends to an endpoint in order: the rest wait for this one
        }
    }

    private boolean interruptedByShutdown(Sender.Result r) {
        return stopping && r.status() == null;
    }

    private static String error(Sender.Result r, boolean redirectsCount) {
        if (r.status() == null) {
            return r.error();
        }
        if (!redirectsCount && r.status() >= 300 && r.status() < 400) {
            return "HTTP " + r.status() + ": webhooks do not follow redirects";
        }
        return r.accepted(redirectsCount) ? null : "HTTP " + r.status();
    }

    private Delivery log(Claimed row, int attempt, long at, Sender.Result r, String error, Outcome outcome) {
        counted.accept(row.destination(), outcome);
        return new Delivery(0, row.destination(), row.eventId(), row.kind(), attempt, at, r.status(), error, r.millis(), outcome);
    }

    /** The hex HMAC-SHA256 of the body under the webhook's secret, as GitHub signs ({@code sha256=<hex>}). */
    static String sign(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    /** Stops claiming; lanes finish the request in flight (each has its timeout) and give back the rest. */
    @Override
    public void close() {
        stopping = true;
        wake.release();
        try {
            thread.join(5_000);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            for (Thread lane : List.copyOf(lanes)) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0 || !lane.join(Duration.ofMillis(left))) {
                    lane.interrupt();
                }
            }
            for (Thread lane : List.copyOf(lanes)) {
                lane.join(Duration.ofSeconds(2));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
