package io.berth.stats;

import io.berth.events.EventSink;
import io.berth.events.RegistryEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The event sink of the usage statistics: counts manifest pushes and pulls per day (for the registry and
 * each namespace) and remembers when each manifest and tag was last pulled, in memory, and writes what
 * gathered in one transaction per {@link #flush} (every few seconds, and at shutdown; see
 * {@link UsageStatistics}). {@link #publish} runs on the request's thread and never blocks: a counter
 * increment and, for a pull, at most one map update per manifest and tag per second.
 *
 * <p>Only manifests count (a {@code docker pull} is one pull, whatever its layers); a manifest HEAD is no pull
 * (the HTTP layer publishes none). What a crash loses: the counts and pull times since the last flush that
 * succeeded — a few seconds, more while the database is unreachable (kept and retried until it is back).
 */
final class UsageRecorder implements EventSink {
    private static final Logger LOG = LoggerFactory.getLogger(UsageRecorder.class);
    static final long DAY_MILLIS = 86_400_000L;
    /** Day counts kept in the database. */
    static final int KEEP_DAYS = 90;
    /** Distinct manifests and tags waiting for a flush at most; beyond (a long database outage), new ones are dropped. */
    static final int MAX_PENDING_PULLS = 200_000;

    private final UsageStore store;
    private final Clock clock;
    /** Day (since the epoch) → counts of that day; only today's and yesterday's are ever written to. */
    private final Map<Long, Day> days = new ConcurrentHashMap<>();
    private volatile Day today = new Day(-1);
    private final Map<PullKey, Long> manifestPulls = new ConcurrentHashMap<>();
    private final Map<PullKey, Long> tagPulls = new ConcurrentHashMap<>();
    private final LongAdder droppedPulls = new LongAdder();
    private boolean failing;

    UsageRecorder(UsageStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /** Pushes and pulls of one day, per scope. */
    private static final class Day {
        final long day;
        final Tally registry = new Tally();
        final Map<String, Tally> namespaces = new ConcurrentHashMap<>();

        Day(long day) {
            this.day = day;
        }
    }

    private static final class Tally {
        final LongAdder pushes = new LongAdder();
        final LongAdder pulls = new LongAdder();
    }

    /** A repository and a {@link io.berth.oci.Digest} (manifests) or a tag name: no string built per pull. */
    private record PullKey(String repository, Object reference) {
    }

    @Override
    public void publish(RegistryEvent e) {
        if (!e.isManifest() || (e.action() != RegistryEvent.Action.PUSH && e.action() != RegistryEvent.Action.PULL)) {
            return;
        }
        long at = e.at().toEpochMilli();
        Day day = day(Math.floorDiv(at, DAY_MILLIS));
        Tally ns = day.namespaces.computeIfAbsent(io.berth.oci.Names.namespaceOf(e.repository()), k -> new Tally());
        if (e.action() == RegistryEvent.Action.PUSH) {
            day.registry.pushes.increment();
            ns.pushes.increment();
            return;
        }
        day.registry.pulls.increment();
        ns.pulls.increment();
        if (e.digest() != null) {
            pulled(manifestPulls, new PullKey(e.repository(), e.digest()), at);
        }
        if (e.tag() != null) {
            pulled(tagPulls, new PullKey(e.repository(), e.tag()), at);
        }
    }

    private Day day(long day) {
        Day d = today;
        if (d.day == day) {
            return d;
        }
        d = days.computeIfAbsent(day, Day::new);
        if (day > today.day) {
            today = d;
        }
        return d;
    }

    /** Second resolution: a key pulled 20,000 times a second is written to the map about once a second. */
    private void pulled(Map<PullKey, Long> pulls, PullKey key, long at) {
        Long seen = pulls.get(key);
        if (seen != null && seen > at - 1000) {
            return;
        }
        if (seen == null && pulls.size() >= MAX_PENDING_PULLS) {
            droppedPulls.increment();
            return;
        }
        pulls.merge(key, at, Math::max);
    }

    /**
     * Writes what gathered since the last flush in one transaction, and forgets exactly what it wrote:
     * increments and pulls that arrive meanwhile stay for the next. On failure everything stays.
     */
    synchronized void flush() {
        long now = clock.millis();
        long todayNumber = Math.floorDiv(now, DAY_MILLIS);
        List<UsageStore.DayCount> counts = new ArrayList<>();
        List<Runnable> forget = new ArrayList<>();
        for (Day d : days.values()) {
            take(d.day, "", d.registry, counts, forget);
            d.namespaces.forEach((ns, t) -> take(d.day, ns, t, counts, forget));
        }
        List<UsageStore.Pull> manifests = pending(manifestPulls, forget);
        List<UsageStore.Pull> tags = pending(tagPulls, forget);
        if (counts.isEmpty() && manifests.isEmpty() && tags.isEmpty()) {
            days.keySet().removeIf(day -> day < todayNumber - 1);
            return;
        }
        try {
            store.record(counts, manifests, tags, todayNumber - KEEP_DAYS);
        } catch (RuntimeException e) {
            if (!failing) {
                LOG.warn("usage statistics: could not write {} day counts and {} pull times, kept for the next try: {}",
                        counts.size(), manifests.size() + tags.size(), e.getMessage());
            }
            failing = true;
            return;
        }
        if (failing) {
            LOG.info("usage statistics: written again");
            failing = false;
        }
        forget.forEach(Runnable::run);
        // Events carry the time they were published at, so no increment can still be on its way to a day before yesterday.
        days.keySet().removeIf(day -> day < todayNumber - 1);
        long dropped = droppedPulls.sumThenReset();
        if (dropped > 0) {
            LOG.warn("usage statistics: {} last-pulled times were dropped while {} waited for the database", dropped, MAX_PENDING_PULLS);
        }
    }

    private static void take(long day, String scope, Tally t, List<UsageStore.DayCount> out, List<Runnable> forget) {
        long pushes = t.pushes.sum();
        long pulls = t.pulls.sum();
        if (pushes != 0 || pulls != 0) {
            out.add(new UsageStore.DayCount(day, scope, pushes, pulls));
            forget.add(() -> {
                t.pushes.add(-pushes);
                t.pulls.add(-pulls);
            });
        }
    }

    private static List<UsageStore.Pull> pending(Map<PullKey, Long> pulls, List<Runnable> forget) {
        List<UsageStore.Pull> out = new ArrayList<>(pulls.size());
        for (Map.Entry<PullKey, Long> e : pulls.entrySet()) {
            PullKey k = e.getKey();
            Long at = e.getValue();
            out.add(new UsageStore.Pull(k.repository(), k.reference().toString(), at));
            forget.add(() -> pulls.remove(k, at)); // unless a later pull replaced it meanwhile
        }
        return out;
    }
}
