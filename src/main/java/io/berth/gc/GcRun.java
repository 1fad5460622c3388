package io.berth.gc;

import java.time.Duration;
import java.time.Instant;

/**
 * One collection in the history (every node's, dry runs included); {@code finishedAt} is null while it runs, or if it
 * never finished; {@code markMs} and {@code sweepMs} (see {@link GcResult}) are null then, and for runs recorded
 * before Berth kept them.
 */
public record GcRun(long id, Instant startedAt, Instant finishedAt, boolean dryRun, String trigger, String node, long marked,
                    long manifestsDeleted, long linksRemoved, long blobsSwept, long orphans, long bytesFreed, long errors,
                    String errorDetail, Long markMs, Long sweepMs) {

    /** A finished result as the history records it, {@code node} the collector's that ran it. */
    public static GcRun of(GcResult r, String node) {
        return new GcRun(r.runId(), r.startedAt(), r.startedAt().plus(r.duration()), r.dryRun(), r.trigger(), node, r.marked(),
                r.manifestsDeleted(), r.linksRemoved(), r.blobsSwept(), r.orphans(), r.bytesFreed(), r.errors().size(),
                r.errors().isEmpty() ? null : String.join("\n", r.errors()), r.markMs(), r.sweepMs());
    }

    /** How long it took, or null while unfinished. */
    public Duration duration() {
        return finishedAt == null ? null : Duration.between(startedAt, finishedAt);
    }
}
