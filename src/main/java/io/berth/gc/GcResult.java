package io.berth.gc;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What one collection did, or (dry run) would do.
 *
 * @param markMs           how long the mark took: what the manifests reference, and which links nothing references
 * @param sweepMs          how long the sweep took: unreferenced links condemned, then removed, blobs tombstoned and
 *                         their bytes deleted (dry run: planning that); the condemn delay and the orphan scan between
 *                         them are in neither figure
 * @param marked           distinct blobs the stored manifests reference (kept)
 * @param manifestsDeleted manifests the policies deleted (untagged, dangling referrers, evicted from the cache)
 * @param linksRemoved     blob links no manifest of their repository references, unseen for the grace period
 * @param blobsSwept       blobs tombstoned: nothing referenced or linked them for the grace period
 * @param orphans          blob data and upload data the metadata did not know, older than the grace period
 * @param bytesFreed       bytes deleted from the store (dry run: that would be)
 * @param items            what was deleted (dry run: would be), at most {@value GarbageCollector#MAX_ITEMS}
 * @param itemsTruncated   whether {@code items} was cut short
 * @param shares           by namespace (a repository's first path segment): what was deleted there, counted in full
 *                         however many items are listed — what that namespace's webhooks may be told, and no more
 */
public record GcResult(long runId, boolean dryRun, String trigger, Instant startedAt, Duration duration, long markMs,
                       long sweepMs, long marked,
                       long manifestsDeleted, long linksRemoved, long blobsSwept, long orphans, long bytesFreed,
                       List<String> errors, List<Item> items, boolean itemsTruncated, Map<String, Share> shares) {

    public GcResult {
        shares = Map.copyOf(shares);
    }

    /** One namespace's share of a collection: its manifests the policies deleted, its evicted tags, its removed links. */
    public record Share(long manifests, long tags, long links) {
        Share plus(Kind kind) {
            return new Share(manifests + (kind == Kind.MANIFEST ? 1 : 0), tags + (kind == Kind.TAG ? 1 : 0), links + (kind == Kind.LINK ? 1 : 0));
        }
    }

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
