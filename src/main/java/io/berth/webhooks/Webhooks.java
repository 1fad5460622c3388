package io.berth.webhooks;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.auth.Action;
import io.berth.events.EventSink;
import io.berth.events.RegistryEvent;
import io.berth.oci.ErrorCode;
import io.berth.oci.Names;
import io.berth.oci.RegistryException;
import io.berth.webhooks.WebhookStore.Delivery;
import io.berth.webhooks.WebhookStore.Outgoing;
import io.berth.webhooks.WebhookStore.Webhook;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Notifications and webhooks: registry:2's {@code notifications.endpoints} (its event envelope, for its
 * existing consumers) and per-namespace webhooks (Berth's payload, signed with HMAC-SHA256), both
 * delivered from a durable outbox in the database.
 *
 * <p>As an {@link EventSink} it is called on the request thread and never waits: an event some
 * destination wants is put in a bounded in-memory queue (or counted and dropped when the queue is full,
 * i.e. the database has been down for long); a background thread writes what gathered in one
 * transaction every {@value #GATHER_MILLIS} ms, and from then on the event survives restarts. What a
 * crash (kill -9, power loss) can lose is what was queued and not yet written: the last
 * {@value #GATHER_MILLIS} ms or so, more while the database is slow or down; {@link #close} writes
 * everything first.
 *
 * <p>The management methods (create, list, delete, test, deliveries) take the caller's rights in the
 * namespace ({@code Authorizer.allowedInNamespace}) and require {@link Action#MANAGE}; failures are
 * {@link RegistryException}s with the spec's error codes, as the admin API answers them.
 */
public final class Webhooks implements EventSink, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Webhooks.class);
    static final long GATHER_MILLIS = 50;
    private static final int QUEUE = 100_000;
    private static final int BATCH = 5_000;
    /** Events per registry:2 envelope (registry:2 may group unrelated events in one). */
    private static final int ENVELOPE_EVENTS = 100;
    /** Webhooks per namespace: each event goes out once per webhook. */
    static final int MAX_PER_NAMESPACE = 20;
    private static final long SUBSCRIPTIONS_TTL = 5_000;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A webhook as the API shows it: never its secret. */
    public record Hook(String id, String namespace, String url, List<String> events, String createdBy, Instant created) {
    }

    /** A webhook just made, with its secret: the one time it is shown. */
    public record Created(Hook webhook, String secret) {
        @Override
        public String toString() {
            return "Created[" + webhook + "]";
        }
    }

    private final WebhookStore store;
    private final List<NotificationEndpoint> endpoints;
    private final WebhookSettings settings;
    private final Payloads.Source source;
    private final Sender sender;
    private final Deliverer deliverer;
    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(QUEUE);
    /** Events queued and not yet written (or dropped). */
    private final AtomicLong pending = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final Counter droppedCounter;
    /** Namespace → kinds its webhooks subscribe to, so the request thread skips what nobody wants. */
    private volatile Map<String, Set<String>> subscriptions = Map.of();
    private volatile long subscriptionsAt;
    private final Thread writer;
    private volatile boolean closed;
    private long warnedAt;

    /**
     * @param scheme     of the registry's own URLs in events ({@code https} with TLS)
     * @param sourceAddr registry:2's source.addr: this node's host name and port
     */
    public Webhooks(WebhookStore store, List<NotificationEndpoint> endpoints, WebhookSettings settings, String scheme, String sourceAddr,
                    PrometheusRegistry metrics) {
        this.store = store;
        this.endpoints = List.copyOf(endpoints);
        this.settings = settings;
        String instance = UUID.randomUUID().toString();
        this.source = new Payloads.Source(scheme, sourceAddr, instance);
        Map<String, NotificationEndpoint> byDestination = new LinkedHashMap<>();
        for (NotificationEndpoint e : this.endpoints) {
            byDestination.put(e.destination(), e);
            LOG.info("configuring endpoint {} ({}), timeout={}, threshold={}, backoff={}", e.name(), e.url(), e.timeout(), e.threshold(),
                    e.backoff());
        }
        store.releaseAbandonedLeases();
        refreshSubscriptions();
        this.sender = new Sender(settings.allowPrivateTargets());
        Counter deliveries = Counter.builder().name("berth_webhook_deliveries_total")
                .help("Delivery attempts of notifications (destination endpoint) and webhooks, by outcome (delivered, retrying, failed)")
                .labelNames("destination", "outcome").register(metrics);
        this.droppedCounter = Counter.builder().name("berth_webhook_events_dropped_total")
                .help("Events lost to notifications and webhooks because their queue was full (the database slow or down)").register(metrics);
        GaugeWithCallback.builder().name("berth_webhook_events_queued")
                .help("Events waiting in memory to be written to the outbox").callback(cb -> cb.call(pending.get())).register(metrics);
        this.deliverer = new Deliverer(store, sender, settings, byDestination, instance,
                (destination, outcome) -> deliveries.labelValues(destination.startsWith("e:") ? "endpoint" : "webhook", outcome.wire()).inc());
        this.writer = Thread.ofPlatform().daemon().name("berth-webhook-outbox").start(this::drain);
    }

    // --- events ---------------------------------------------------------------------------------

    @Override
    public void publish(RegistryEvent e) {
        if (closed || !wanted(e)) {
            return;
        }
        enqueue(e);
    }

    /** A push refused over quota: {@code quota_exceeded} for the namespace's webhooks subscribed to it. */
    @Override
    public void quotaExceeded(io.berth.events.QuotaExceeded e) {
        Map<String, Object> fields = new java.util.LinkedHashMap<>();
        fields.put("repository", e.repository());
        fields.put("limit", e.limit());
        fields.put("used", e.used());
        fields.put("max", e.max());
        fields.put("adding", e.adding());
        if (e.actor() != null) {
            fields.put("actor", e.actor());
        }
        if (e.request() != null && e.request().addr() != null) {
            fields.put("addr", e.request().addr());
        }
        publish(new WebhookEvent(java.util.UUID.randomUUID().toString(), EventKind.QUOTA_EXCEEDED, e.namespace(), e.at(), fields));
    }

    /** An event of another capability (quotas, retention, GC) for the webhooks subscribed to its kind. */
    public void publish(WebhookEvent e) {
        if (closed) {
            return;
        }
        Map<String, Set<String>> subs = subscriptions;
        boolean wanted = e.namespace() == null
                ? subs.values().stream().anyMatch(kinds -> kinds.contains(e.kind().wire()))
                : subs.getOrDefault(e.namespace(), Set.of()).contains(e.kind().wire());
        if (wanted) {
            enqueue(e);
        }
    }

    private boolean wanted(RegistryEvent e) {
        if (endpoints.isEmpty() && subscriptions.isEmpty()) {
            return false; // the common case, on every request: nothing configured
        }
        for (NotificationEndpoint endpoint : endpoints) {
            if (endpoint.wants(e)) {
                return true;
            }
        }
        if (!e.isManifest() || e.action() == RegistryEvent.Action.MOUNT) {
            return false;
        }
        Set<String> kinds = subscriptions.get(Names.namespaceOf(e.repository()));
        return kinds != null && kinds.contains(switch (e.action()) {
            case PUSH -> EventKind.PUSH.wire();
            case PULL -> EventKind.PULL.wire();
            default -> EventKind.DELETE.wire();
        });
    }

    private void enqueue(Object event) {
        pending.incrementAndGet();
        if (!queue.offer(event)) {
            pending.decrementAndGet();
            droppedCounter.inc();
            long n = dropped.incrementAndGet();
            if (n == 1 || n % 10_000 == 0) {
                LOG.warn("webhook queue full (the database is slow or down): {} events dropped so far", n);
            }
        }
    }

    /** Events dropped because the queue was full. */
    public long dropped() {
        return dropped.get();
    }

    /** Waits (up to 10 s) until every event published so far is in the outbox: tests, and whoever needs it written. */
    public void flush() {
        long deadline = System.currentTimeMillis() + 10_000;
        synchronized (pending) {
            for (long left = 10_000; pending.get() > 0 && left > 0; left = deadline - System.currentTimeMillis()) {
                try {
                    pending.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void written(int events) {
        synchronized (pending) {
            pending.addAndGet(-events);
            pending.notifyAll();
        }
    }

    private void drain() {
        List<Object> batch = new ArrayList<>(BATCH);
        while (!closed || !queue.isEmpty()) {
            try {
                if (System.currentTimeMillis() - subscriptionsAt > SUBSCRIPTIONS_TTL) {
                    refreshSubscriptions();
                }
                Object first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                if (!closed) {
                    Thread.sleep(GATHER_MILLIS); // let a burst gather: one transaction for all of it
                }
                queue.drainTo(batch, BATCH - 1);
                write(batch);
            } catch (InterruptedException e) {
                closed = true;
            } finally {
                written(batch.size());
                batch.clear();
            }
        }
    }

    /** Writes the batch's outbox rows, retrying while the database is down (until close gives up on it). */
    private void write(List<Object> batch) throws InterruptedException {
        List<Outgoing> rows = null;
        for (int attempt = 0; ; attempt++) {
            try {
                if (rows == null) {
                    rows = route(batch);
                }
                if (!rows.isEmpty()) {
                    store.enqueue(rows);
                    deliverer.wake();
                }
                return;
            } catch (RuntimeException e) {
                long now = System.currentTimeMillis();
                if (now - warnedAt > 10_000) {
                    warnedAt = now;
                    LOG.warn("cannot write {} webhook events to the outbox (will retry): {}", batch.size(), e.getMessage());
                }
                if (closed && attempt >= 3) {
                    dropped.addAndGet(batch.size());
                    droppedCounter.inc(batch.size());
                    LOG.warn("shutting down: {} webhook events were not written", batch.size());
                    return;
                }
                Thread.sleep(Math.min(500L << Math.min(attempt, 6), 30_000));
            }
        }
    }

    /** The outbox rows of a batch: registry:2 envelopes per endpoint, one row per event and webhook. */
    private List<Outgoing> route(List<Object> batch) {
        long now = System.currentTimeMillis();
        Map<String, List<ObjectNode>> envelopes = new LinkedHashMap<>();
        List<WebhookEvent> hookEvents = new ArrayList<>();
        for (Object o : batch) {
            if (o instanceof RegistryEvent e) {
                ObjectNode event = null;
                for (NotificationEndpoint endpoint : endpoints) {
                    if (endpoint.wants(e)) {
                        event = event != null ? event : Payloads.registry2(e, UUID.randomUUID().toString(), source);
                        envelopes.computeIfAbsent(endpoint.destination(), d -> new ArrayList<>()).add(event);
                    }
                }
                WebhookEvent w = Payloads.webhookEvent(e, source);
                if (w != null) {
                    hookEvents.add(w);
                }
            } else if (o instanceof WebhookEvent w) {
                hookEvents.add(w);
            }
        }
        List<Outgoing> rows = new ArrayList<>();
        envelopes.forEach((destination, events) -> {
            for (int i = 0; i < events.size(); i += ENVELOPE_EVENTS) {
                List<ObjectNode> chunk = events.subList(i, Math.min(events.size(), i + ENVELOPE_EVENTS));
                rows.add(new Outgoing(destination, chunk.getFirst().path("id").asText(), "events", Payloads.envelope(chunk), now));
            }
        });
        if (!hookEvents.isEmpty()) {
            Set<String> namespaces = new LinkedHashSet<>();
            boolean everyNamespace = false;
            for (WebhookEvent w : hookEvents) {
                if (w.namespace() == null) {
                    everyNamespace = true;
                } else {
                    namespaces.add(w.namespace());
                }
            }
            List<Webhook> hooks = store.webhooksOf(namespaces, everyNamespace);
            for (WebhookEvent w : hookEvents) {
                String body = null;
                for (Webhook h : hooks) {
                    if ((w.namespace() == null || w.namespace().equals(h.namespace())) && h.events().contains(w.kind().wire())) {
                        body = body != null ? body : Payloads.webhookBody(w);
                        rows.add(new Outgoing("w:" + h.id(), w.id(), w.kind().wire(), body, now));
                    }
                }
            }
        }
        return rows;
    }

    private void refreshSubscriptions() {
        try {
            subscriptions = store.subscriptions();
            subscriptionsAt = System.currentTimeMillis();
        } catch (RuntimeException e) {
            LOG.debug("webhook subscriptions not refreshed: {}", e.getMessage());
        }
    }

    // --- management -----------------------------------------------------------------------------

    /**
     * Creates a webhook of the namespace for the given event kinds, with a new secret that is returned
     * this once. The URL must be http(s) and, unless the operator allows private targets, resolve to
     * public addresses only.
     */
    public Created create(String namespace, Set<Action> rights, String url, List<String> events, String createdBy) {
        requireManage(namespace, rights);
        if (!Names.isPathComponent(namespace)) {
            throw new RegistryException(ErrorCode.NAME_INVALID, "invalid namespace name: " + namespace);
        }
        URI target;
        try {
            target = Targets.parse(url);
            Targets.check(target, settings.allowPrivateTargets());
        } catch (IllegalArgumentException e) {
            throw new RegistryException(ErrorCode.BAD_REQUEST, e.getMessage());
        }
        Set<String> kinds = kinds(events);
        if (store.webhooks(namespace).size() >= MAX_PER_NAMESPACE) {
            throw new RegistryException(ErrorCode.CONFLICT, "namespace " + namespace + " already has " + MAX_PER_NAMESPACE
                    + " webhooks, the most it may have");
        }
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        String secret = "whsec_" + Base64.getUrlEncoder().withoutPadding().encodeToString(key);
        byte[] id = new byte[10];
        RANDOM.nextBytes(id);
        Webhook w = new Webhook("wh_" + HexFormat.of().formatHex(id), namespace, target.toString(), secret, kinds, createdBy,
                System.currentTimeMillis());
        store.createWebhook(w);
        refreshSubscriptions();
        return new Created(hook(w), secret);
    }

    private static Set<String> kinds(List<String> events) {
        if (events == null || events.isEmpty()) {
            throw new RegistryException(ErrorCode.BAD_REQUEST, "a webhook needs events to subscribe to, some of: " + known());
        }
        Set<String> kinds = new LinkedHashSet<>();
        for (String e : events) {
            EventKind kind = EventKind.of(e).orElseThrow(() -> new RegistryException(ErrorCode.BAD_REQUEST,
                    "unknown webhook event " + e + " (known: " + known() + ")"));
            kinds.add(kind.wire());
        }
        return kinds;
    }

    private static String known() {
        return String.join(", ", EventKind.subscribable().stream().map(EventKind::wire).toList());
    }

    public List<Hook> list(String namespace, Set<Action> rights) {
        requireManage(namespace, rights);
        return store.webhooks(namespace).stream().map(Webhooks::hook).toList();
    }

    public Hook get(String namespace, Set<Action> rights, String id) {
        return hook(find(namespace, rights, id));
    }

    /** Deletes the webhook and whatever it still had to deliver. */
    public void delete(String namespace, Set<Action> rights, String id) {
        requireManage(namespace, rights);
        if (!store.deleteWebhook(namespace, id)) {
            throw notFound(id);
        }
        refreshSubscriptions();
    }

    /**
     * Sends a {@code ping} event to the webhook now, signed as every delivery, and returns the attempt as the
     * delivery log records it (outcome delivered or failed; a test is never retried).
     */
    public Delivery test(String namespace, Set<Action> rights, String id) {
        Webhook w = find(namespace, rights, id);
        WebhookEvent ping = WebhookEvent.of(EventKind.PING, namespace, Map.of("webhook", w.id(), "events", List.copyOf(w.events())));
        Sender.Result r = deliverer.sendToWebhook(w, URI.create(w.url()), ping.id(), EventKind.PING.wire(), Payloads.webhookBody(ping));
        boolean ok = r.accepted(false);
        Delivery d = new Delivery(0, "w:" + w.id(), ping.id(), EventKind.PING.wire(), 1, System.currentTimeMillis(), r.status(),
                ok ? null : (r.status() == null ? r.error() : "HTTP " + r.status()), r.millis(),
                ok ? WebhookStore.Outcome.DELIVERED : WebhookStore.Outcome.FAILED);
        store.log(d);
        return d;
    }

    /** The webhook's delivery log, newest first: every attempt, its status code or error, and what became of it. */
    public List<Delivery> deliveries(String namespace, Set<Action> rights, String id, Long beforeId, int limit) {
        Webhook w = find(namespace, rights, id);
        return store.deliveries("w:" + w.id(), beforeId, Math.max(1, Math.min(limit, 1000)));
    }

    /** Requests the webhook still has to make (in the outbox). */
    public long pending(String namespace, Set<Action> rights, String id) {
        return store.pending("w:" + find(namespace, rights, id).id());
    }

    /** The delivery log of one of the operator's endpoints (notifications.endpoints), by name: for operators. */
    public List<Delivery> endpointDeliveries(String name, Long beforeId, int limit) {
        return store.deliveries("e:" + name, beforeId, Math.max(1, Math.min(limit, 1000)));
    }

    private Webhook find(String namespace, Set<Action> rights, String id) {
        requireManage(namespace, rights);
        return store.webhook(id).filter(w -> w.namespace().equals(namespace)).orElseThrow(() -> notFound(id));
    }

    private static void requireManage(String namespace, Set<Action> rights) {
        if (rights.contains(Action.MANAGE)) {
            return;
        }
        if (rights.contains(Action.PULL)) {
            throw new RegistryException(ErrorCode.DENIED, "managing the webhooks of namespace " + namespace + " needs its owner's rights");
        }
        throw new RegistryException(ErrorCode.NOT_FOUND, "namespace " + namespace + " not found");
    }

    private static RegistryException notFound(String id) {
        return new RegistryException(ErrorCode.NOT_FOUND, "webhook " + id + " not found");
    }

    private static Hook hook(Webhook w) {
        List<String> events = EventKind.subscribable().stream().map(EventKind::wire).filter(w.events()::contains).toList();
        List<String> unknown = w.events().stream().filter(k -> !events.contains(k)).sorted().toList();
        List<String> all = new ArrayList<>(events);
        all.addAll(unknown);
        return new Hook(w.id(), w.namespace(), w.url(), all, w.createdBy(), Instant.ofEpochMilli(w.createdAt()));
    }

    /** Writes what is queued to the outbox, then stops delivering (rows in flight go back to the outbox). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            writer.join(15_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        deliverer.close();
        sender.close();
    }
}
