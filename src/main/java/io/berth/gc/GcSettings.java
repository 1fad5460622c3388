package io.berth.gc;

import java.time.Duration;
import java.time.LocalTime;

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
 */
public record GcSettings(boolean scheduled, Duration grace, Duration interval, LocalTime dailyAt, Duration untaggedAge,
                         boolean referrers) {

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
