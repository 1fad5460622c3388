package io.berth.gc;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What one collection did, or (dry run) would do.
 *
 * @param marked           distinct blobs the stored manifests reference (kept)
 * @param manifestsDeleted manifests the policies deleted (untagged, dangling referrers, evicted from the cache)
 * @param linksRemoved     blob links no manifest of their repository references, unseen for the grace period
 * @param blobsSwept       blobs tombstoned: nothing referenced or linked them for the grace period
 * @param orphans          blob data and upload data the metadata did not know, older than the grace period
 * @param bytesFreed       bytes deleted from the store (dry run: that would be)
 * @param items            what was deleted (dry run: would be), at most {@value GarbageCollector#MAX_ITEMS}
 * @param itemsTruncated   whether {@code items} was cut short
 */
public record GcResult(long runId, boolean dryRun, String trigger, Instant startedAt, Duration duration, long marked,
                       long manifestsDeleted, long linksRemoved, long blobsSwept, long orphans, long bytesFreed,
                       List<String> errors, List<Item> items, boolean itemsTruncated) {

    public enum Kind {
        /** A manifest a policy deleted: repository and digest. */
        MANIFEST,
        /** A tag of the pull-through cache it evicted: repository and tag. */
        TAG,
        /** A blob link: repository and digest (the bytes stay while other repositories use them). */
        LINK,
        /** A blob whose bytes went: digest and size. */
        BLOB,
        /** Blob data without a blobs row: digest and size. */
        ORPHAN_BLOB,
        /** Upload data without an upload session: its storage path and size. */
        ORPHAN_UPLOAD
    }

    /** One thing deleted: {@code name} is a digest, a tag for {@link Kind#TAG}, or a storage path for {@link Kind#ORPHAN_UPLOAD}; {@code repository} is null for blobs and orphans. */
    public record Item(Kind kind, String repository, String name, long size) {
    }
}
