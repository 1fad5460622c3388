package io.berth.stats;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The usage statistics of a running registry: {@link #snapshot} reads them (a few small queries of the
 * counters the metadata store keeps with every write, never a scan), {@link #sink} is the event sink that
 * counts pushes and pulls and records when manifests and tags were last pulled, flushed every
 * {@link #FLUSH_INTERVAL} and by {@link #close}. Stopped with the server after its requests drained.
 */
public final class UsageStatistics implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(UsageStatistics.class);
    /** Days of pushes and pulls in a snapshot. */
    public static final int DAYS = 30;
    /** How often what the sink counted is written; a crash loses at most about this much of it. */
    public static final Duration FLUSH_INTERVAL = Duration.ofSeconds(5);

    private final UsageStore store;
    private final Clock clock;
    private final UsageRecorder recorder;
    private final ScheduledExecutorService flusher;

    private UsageStatistics(UsageStore store, Clock clock, boolean background) {
        this.store = store;
        this.clock = clock;
        this.recorder = new UsageRecorder(store, clock);
        this.flusher = background ? Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "berth-usage-flush");
            t.setDaemon(true);
            return t;
        }) : null;
        if (flusher != null) {
            long every = FLUSH_INTERVAL.toMillis();
            flusher.scheduleWithFixedDelay(() -> {
                try {
                    recorder.flush();
                } catch (RuntimeException e) { // flush logs the database's failures; anything else must not stop the schedule
                    LOG.warn("usage statistics: flush failed", e);
                }
            }, every, every, TimeUnit.MILLISECONDS);
        }
    }

    /** The statistics of a running server: its sink flushes in the background. */
    public static UsageStatistics start(UsageStore store, Clock clock) {
        return new UsageStatistics(store, clock, true);
    }

    /** Reading only (berth stats): no sink, nothing to flush. */
    public static UsageStatistics reader(UsageStore store, Clock clock) {
        return new UsageStatistics(store, clock, false);
    }

    /** Counts manifest pushes and pulls and records last pulls; for {@code EventSink.fanOut}. Never blocks. */
    public io.berth.events.EventSink sink() {
        return recorder;
    }

    /** Everything, every namespace included (an admin's view). */
    public Snapshot snapshot() {
        return snapshot(namespace -> true, true);
    }

    /**
     * What a caller who may read only the namespaces {@code mayRead} accepts may learn: those namespaces, and
     * totals and daily activity that count only them (nobody learns the size or the count of what they may not
     * see), without the registry's users, API tokens and permission grants ({@link Snapshot#whole()} is false).
     * Physical storage is then each blob once per namespace, summed, as quotas count it.
     */
    public Snapshot snapshot(Predicate<String> mayRead) {
        return snapshot(mayRead, false);
    }

    private Snapshot snapshot(Predicate<String> mayRead, boolean whole) {
        Instant at = clock.instant();
        long today = LocalDate.ofInstant(at, java.time.ZoneOffset.UTC).toEpochDay();
        long first = today - DAYS + 1;
        UsageStore.Stored stored = store.counters();
        long[] pushes = new long[DAYS];
        long[] pulls = new long[DAYS];
        Map<String, long[]> byNamespace = new HashMap<>();
        for (UsageStore.DayCount d : store.daily(first)) {
            int i = (int) (d.day() - first);
            if (i < 0 || i >= DAYS) {
                continue;
            }
            boolean registryRow = d.scope().isEmpty();
            boolean counted = registryRow ? whole : !whole && mayRead.test(d.scope());
            if (counted) {
                pushes[i] += d.pushes();
                pulls[i] += d.pulls();
            }
            if (!registryRow) {
                long[] sums = byNamespace.computeIfAbsent(d.scope(), k -> new long[2]);
                sums[0] += d.pushes();
                sums[1] += d.pulls();
            }
        }
        List<Snapshot.Day> days = new ArrayList<>(DAYS);
        for (int i = 0; i < DAYS; i++) {
            days.add(new Snapshot.Day(LocalDate.ofEpochDay(first + i), pushes[i], pulls[i]));
        }
        List<Snapshot.NamespaceUsage> namespaces = new ArrayList<>();
        Counts shown = Counts.ZERO;
        for (Map.Entry<String, Counts> e : stored.namespaces().entrySet()) {
            if (!mayRead.test(e.getKey())) {
                continue;
            }
            Counts c = e.getValue();
            shown = shown.plus(c);
            long[] activity = byNamespace.getOrDefault(e.getKey(), new long[2]);
            namespaces.add(new Snapshot.NamespaceUsage(e.getKey(), c.get(Counter.REPOSITORIES), Snapshot.Images.of(c), c.get(Counter.TAGS),
                    c.get(Counter.MEMBERS), c.logicalBytes(), c.uniqueBytes(), activity[0], activity[1]));
        }
        Counts r = whole ? stored.registry() : shown;
        Snapshot.Totals totals = new Snapshot.Totals(r.get(Counter.REPOSITORIES), Snapshot.Images.of(r), r.get(Counter.TAGS),
                whole ? r.get(Counter.USERS) : 0, whole ? r.get(Counter.NAMESPACES) : namespaces.size(),
                whole ? r.get(Counter.MEMBERS) : 0, whole ? r.get(Counter.API_TOKENS) : 0,
                Snapshot.Storage.of(r.logicalBytes(), r.uniqueBytes()), r.get(Counter.BLOBS));
        return new Snapshot(at, totals, days, namespaces, whole);
    }

    /** Recomputes the counters exactly from the rows (garbage collection calls this after a run); see {@link UsageStore#reconcile}. */
    public UsageStore.Reconciliation reconcile() {
        return store.reconcile();
    }

    /** Writes what the sink counted now (tests; shutdown does it too). */
    public void flush() {
        recorder.flush();
    }

    /** Stops the background flush and writes what is left. */
    @Override
    public void close() {
        if (flusher != null) {
            flusher.shutdown();
            try {
                flusher.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        recorder.flush();
    }
}
