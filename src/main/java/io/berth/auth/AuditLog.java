package io.berth.auth;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Who did what, when, from where: written to the database in batches by one background thread, so
 * recording a pull never waits for a disk; optionally mirrored as JSON lines on the "berth.audit"
 * logger. When the queue is full (the database is down for long), events are counted and dropped
 * rather than stalling requests.
 */
final class AuditLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
    private static final Logger JSON_LINES = LoggerFactory.getLogger("berth.audit");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AccessStore store;
    private final boolean jsonLines;
    private final BlockingQueue<AccessStore.AuditEvent> queue = new ArrayBlockingQueue<>(50_000);
    private final AtomicLong dropped = new AtomicLong();
    /** Events recorded but not yet written (or dropped). */
    private final AtomicLong pending = new AtomicLong();
    private final Thread writer;
    private volatile boolean running = true;

    public AuditLog(AccessStore store, boolean jsonLines) {
        this.store = store;
        this.jsonLines = jsonLines;
        this.writer = Thread.ofPlatform().daemon().name("berth-audit").start(this::drain);
    }

    public void record(String actor, String action, String target, String client, boolean success, String detail) {
        AccessStore.AuditEvent e = event(actor, action, target, client, success, detail);
        enqueue(e);
        mirror(e);
    }

    /**
     * Records a security event (an admin change about to be answered 2xx) and returns once its row is
     * committed — on SQLite with the group's fsync — rather than up to 100 ms later in a batch. Should the
     * database refuse it, the event is queued as usual (the change itself is already committed).
     */
    public void recordDurably(String actor, String action, String target, String client, boolean success, String detail) {
        AccessStore.AuditEvent e = event(actor, action, target, client, success, detail);
        mirror(e);
        try {
            store.appendAudit(List.of(e));
        } catch (RuntimeException failed) {
            LOG.warn("audit write failed, queued instead: {}", failed.getMessage());
            enqueue(e);
        }
    }

    private static AccessStore.AuditEvent event(String actor, String action, String target, String client, boolean success, String detail) {
        return new AccessStore.AuditEvent(0, System.currentTimeMillis(), actor, action, target, client, success, detail);
    }

    private void enqueue(AccessStore.AuditEvent e) {
        pending.incrementAndGet();
        if (!queue.offer(e)) {
            pending.decrementAndGet();
            dropped.incrementAndGet();
        }
    }

    private void mirror(AccessStore.AuditEvent e) {
        if (!jsonLines) {
            return;
        }
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("at", java.time.Instant.ofEpochMilli(e.at()).toString());
        line.put("actor", e.actor());
        line.put("action", e.action());
        line.put("target", e.target());
        line.put("client", e.client());
        line.put("success", e.success());
        if (e.detail() != null) {
            line.put("detail", e.detail());
        }
        try {
            JSON_LINES.info(JSON.writeValueAsString(line));
        } catch (com.fasterxml.jackson.core.JsonProcessingException ignored) {
            // strings and booleans always serialise
        }
    }

    /** Waits until everything recorded so far is in the database (tests and shutdown). */
    public void flush() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (pending.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    public long dropped() {
        return dropped.get();
    }

    private void drain() {
        List<AccessStore.AuditEvent> batch = new ArrayList<>(5000);
        while (running || !queue.isEmpty()) {
            try {
                AccessStore.AuditEvent first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                // Let a burst gather: at most ~10 small transactions a second, however busy the registry.
                Thread.sleep(100);
                queue.drainTo(batch, 4999);
                write(coalesce(batch));
                pending.addAndGet(-batch.size());
                batch.clear();
            } catch (InterruptedException e) {
                running = false;
            }
        }
    }

    /**
     * Folds identical events of one batch (same actor, action, target, client and outcome — a CI
     * farm pulling one tag in a loop) into one row whose detail says how many: the log stays complete
     * while a burst of pulls costs a few rows, not thousands.
     */
    static List<AccessStore.AuditEvent> coalesce(List<AccessStore.AuditEvent> batch) {
        java.util.Map<List<Object>, long[]> counts = new java.util.LinkedHashMap<>();
        java.util.Map<List<Object>, AccessStore.AuditEvent> firsts = new java.util.HashMap<>();
        for (AccessStore.AuditEvent e : batch) {
            List<Object> key = java.util.Arrays.asList(e.actor(), e.action(), e.target(), e.client(), e.success(), e.detail());
            counts.computeIfAbsent(key, k -> new long[1])[0]++;
            firsts.putIfAbsent(key, e);
        }
        if (counts.size() == batch.size()) {
            return batch;
        }
        List<AccessStore.AuditEvent> out = new ArrayList<>(counts.size());
        counts.forEach((key, n) -> {
            AccessStore.AuditEvent e = firsts.get(key);
            out.add(n[0] == 1 ? e : new AccessStore.AuditEvent(e.id(), e.at(), e.actor(), e.action(), e.target(), e.client(),
                    e.success(), (e.detail() == null ? "" : e.detail() + "; ") + n[0] + " times"));
        });
        return out;
    }

    private void write(List<AccessStore.AuditEvent> batch) {
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                store.appendAudit(batch);
                return;
            } catch (RuntimeException e) {
                LOG.warn("audit write failed (attempt {}): {}", attempt + 1, e.getMessage());
                try {
                    Thread.sleep(500L << attempt);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        dropped.addAndGet(batch.size());
    }

    @Override
    public void close() {
        flush();
        running = false;
        writer.interrupt();
    }
}
