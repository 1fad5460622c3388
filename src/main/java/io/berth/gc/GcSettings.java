package io.berth.gc;

import java.time.Duration;
import java.time.LocalTime;
import java.util.List;

/**
 * How garbage collection runs ({@code berth.gc.*}, {@code BERTH_GC_*}).
 *
 * @param scheduled     whether collections run on their own (on demand they always may)
 * @param grace         how long a blob nothing references is kept after a client was last told it exists
 * @param interval      how long after the last collection (on any node) the next one is due
 * @param dailyAt       instead of the interval: the time of day (UTC) at which one is due, or null
 * @param untaggedAge   untagged manifests older than this are deleted (never a child of a live index, never a
 *                      referrer of a live subject), or null to keep them (the default)
 * @param referrers     whether referrers whose subject is gone are deleted with it (tags and all)
 * @param cacheEvictAfter tags and manifests of the pull-through cache not pulled for this long (counted from their
 *                        fill when never pulled) are deleted, or null to keep them (the default)
 * @param cacheNamespaces the namespaces of the cache's enabled upstreams ("" for a registry:2 mirror: every
 *                        repository), where only repositories nobody pushed to are evicted
 */
public record GcSettings(boolean scheduled, Duration grace, Duration interval, LocalTime dailyAt, Duration untaggedAge,
                         boolean referrers, Duration cacheEvictAfter, List<String> cacheNamespaces) {

    public GcSettings {
        cacheNamespaces = List.copyOf(cacheNamespaces);
    }

    /** Without cache eviction. */
    public GcSettings(boolean scheduled, Duration grace, Duration interval, LocalTime dailyAt, Duration untaggedAge, boolean referrers) {
        this(scheduled, grace, interval, dailyAt, untaggedAge, referrers, null, List.of());
    }

    /** Whether collections evict the cache's content. */
    public boolean evictsCache() {
        return cacheEvictAfter != null && !cacheNamespaces.isEmpty();
    }

    public static GcSettings defaults() {
        return new GcSettings(true, Duration.ofHours(1), Duration.ofHours(24), null, null, false);
    }

    /**
     * How often a node writes which blobs its reads told clients exist: a tenth of the grace period, between
     * 50 ms and 5 s, so the database hears of a read long before the grace period could end.
     */
    public Duration seenFlushInterval() {
        long tenth = grace.toMillis() / 10;
        return Duration.ofMillis(Math.max(50, Math.min(5_000, tenth)));
    }

    /**
     * How long a condemned link waits before it may be removed: long enough for every node to have written
     * what its reads saw before the condemnation (two flushes and a margin). A read after it rescues the link.
     */
    public Duration condemnDelay() {
        return seenFlushInterval().multipliedBy(2).plusMillis(500);
    }
}
