package io.berth.gc;

import java.time.Duration;
import java.time.Instant;

/** One collection in the history (every node's, dry runs included); {@code finishedAt} is null while it runs, or if it never finished. */
public record GcRun(long id, Instant startedAt, Instant finishedAt, boolean dryRun, String trigger, String node, long marked,
                    long manifestsDeleted, long linksRemoved, long blobsSwept, long orphans, long bytesFreed, long errors,
                    String errorDetail) {

    /** How long it took, or null while unfinished. */
    public Duration duration() {
        return finishedAt == null ? null : Duration.between(startedAt, finishedAt);
    }
}
