package io.berth.metadata;

import io.berth.oci.Digest;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * What the garbage collector ({@code io.berth.gc.GarbageCollector}) asks of the metadata. Every method that
 * deletes re-checks, in its own transaction and on the rows it holds, that what it deletes is still garbage:
 * the collector plans from reads, the database decides. On PostgreSQL the collector takes rows
 * {@code FOR UPDATE SKIP LOCKED} — a row a push holds is kept — so it never waits for a push; the pushes
 * that would reference a row it holds wait for it and then see that the row is gone. Times are epoch
 * milliseconds.
 */
public interface GcStore {

    // --- one collector at a time, and the history ------------------------------------------------

    /** Takes the collection lease for {@code holder} until {@code expiresAt} when it is free, expired or its own. */
    boolean acquireLease(String holder, long now, long expiresAt);

    /** Extends the holder's lease; false when the holder no longer has it. */
    boolean renewLease(String holder, long expiresAt);

    void releaseLease(String holder);

    /** Who holds the lease, if anyone (possibly expired). */
    Optional<Lease> lease();

    record Lease(String holder, long acquiredAt, long expiresAt) {
    }

    /**
     * One collection, as recorded; {@code finishedAt} is null while it runs (or when it never finished), and so are the
     * mark's and sweep's milliseconds (also for runs recorded before V12).
     */
    record Run(long id, long startedAt, Long finishedAt, boolean dryRun, String trigger, String node, long marked,
               long manifestsDeleted, long linksRemoved, long blobsSwept, long orphans, long bytesFreed, long errors,
               String errorDetail, Long markMs, Long sweepMs) {
    }

    /** Records a run's start; returns its id. */
    long startRun(long startedAt, boolean dryRun, String trigger, String node);

    /** Records a run's outcome (by its id). */
    void finishRun(Run run);

    /** The latest runs, newest first. */
    List<Run> runs(int limit);

    /** When the latest collection that was not a dry run started. */
    OptionalLong lastCollectionStart();

    // --- mark -------------------------------------------------------------------------------

    /** How many distinct blobs the stored manifests reference: the mark set. */
    long referencedBlobs();

    // --- manifest policies ------------------------------------------------------------------

    /** A manifest as the policies see it. */
    record ManifestNode(Digest digest, long createdAt, Digest subject, boolean tagged) {
    }

    /** {@code manifest} references {@code target} (a blob, or a child manifest). */
    record Reference(Digest manifest, Digest target) {
    }

    record RepositoryGraph(List<ManifestNode> manifests, List<Reference> references) {
    }

    /** A repository's manifests, tags and references, for the policies to plan from. */
    RepositoryGraph graph(String repository);

    /**
     * Deletes the manifest if it is still untagged, created before {@code createdBefore}, referenced by no
     * manifest (no index holds it) and not a referrer of a stored subject; true when deleted.
     */
    boolean deleteUntaggedManifest(String repository, Digest digest, long createdBefore);

    /**
     * Deletes the manifest, with its tags, if it is still a referrer whose subject is not in the repository,
     * created before {@code createdBefore}, and referenced by no manifest; true when deleted.
     */
    boolean deleteDanglingReferrer(String repository, Digest digest, long createdBefore);

    // --- cache eviction ---------------------------------------------------------------------

    /**
     * The repositories under {@code namespace} ("" for every one: a registry:2 mirror) that only the
     * pull-through cache ever filled: nobody pushed a manifest to them ({@code repositories.pushed}).
     */
    List<String> cachedRepositories(String namespace);

    /** A tag of a cached repository, and when it was last used: filled (pushed) or pulled, whichever is later. */
    record CachedTag(String name, Digest digest, long lastUsedAt) {
    }

    /**
     * A cached repository as the eviction plans from it: its manifests with {@code createdAt} the later of their
     * fill and their last pull ({@code tagged} as stored), its references, and its tags with their last use.
     */
    record CacheGraph(RepositoryGraph graph, List<CachedTag> tags) {
    }

    CacheGraph cacheGraph(String repository);

    /**
     * Deletes the tag if it still points at {@code digest}, was filled and pulled last before {@code usedBefore},
     * no immutable tag rule covers it and nobody pushed to the repository; true when deleted.
     */
    boolean evictTag(String repository, String tag, Digest digest, long usedBefore);

    /**
     * Deletes the manifest if it is still untagged, was filled and pulled last before {@code usedBefore}, no
     * manifest references it (no index holds it), it is no referrer of a stored subject and nobody pushed to the
     * repository; true when deleted.
     */
    boolean evictManifest(String repository, Digest digest, long usedBefore);

    // --- links and blobs --------------------------------------------------------------------

    /** Links no manifest of their repository references, last seen before {@code seenBefore}. */
    List<MetadataStore.Link> unreferencedLinks(long seenBefore);

    /**
     * Condemns these links, where still unreferenced and last seen before {@code seenBefore}, as of {@code now}:
     * a read that finds a condemned link rescues it (see {@link MetadataStore#linkedBlobSize}).
     */
    int condemn(List<MetadataStore.Link> links, long now, long seenBefore);

    /** Digests {@link #sweep} may act on: of links condemned by {@code condemnedBefore}, and of blobs nothing references that are past their grace. */
    List<Digest> sweepCandidates(long condemnedBefore, long seenBefore, long placingBefore);

    /** A stored blob. */
    record BlobRow(Digest digest, long size) {
    }

    /** What one sweep transaction removed. */
    record Swept(List<MetadataStore.Link> unlinked, List<BlobRow> tombstoned) {
    }

    /**
     * For each digest, in one transaction that holds the blob row and its links: removes its links that were
     * condemned by {@code condemnedBefore}, are still unreferenced and were last seen before
     * {@code seenBefore}; then, when no link and no reference is left and it was last linked before
     * {@code seenBefore} (or has been placing since before {@code placingBefore}), tombstones the blob —
     * queues its bytes in the deletion outbox.
     */
    Swept sweep(List<Digest> digests, long condemnedBefore, long seenBefore, long placingBefore);

    /** Live blobs nothing references, last linked before {@code seenBefore} and with no link seen since; and blobs placing since before {@code placingBefore}. */
    List<BlobRow> unreferencedBlobs(long seenBefore, long placingBefore);

    /** Everything the dry run needs to know about one blob. */
    record BlobFacts(Digest digest, long size, char state, long lastSeenAt, List<MetadataStore.Link> referencedBy,
                     List<LinkSeen> links) {
    }

    /** A link and when it was last seen. */
    record LinkSeen(String repository, long lastSeenAt) {
    }

    /** The blob's row, the manifests referencing it ({@link MetadataStore.Link}: repository and manifest digest) and its links. */
    Optional<BlobFacts> blobFacts(Digest digest);

    // --- orphans ----------------------------------------------------------------------------

    /** Digests with a blobs row (in any state) that start with {@code prefix} (such as {@code sha256:ab}). */
    Set<String> knownBlobs(String prefix);

    /** Queues bytes the metadata does not know for deletion (a tombstone row) unless the digest has a row; true when queued. */
    boolean queueOrphan(Digest digest, long size, long now);

    // --- the deletion outbox ------------------------------------------------------------------

    /**
     * Claims up to {@code limit} tombstoned blobs for {@code deleter} (unclaimed ones, and claims made before
     * {@code staleBefore} by a collector that never finished): until {@link #deleted} or {@link #unclaim}, no
     * writer places bytes at their paths.
     */
    List<BlobRow> claimDeletions(long deleter, long now, long staleBefore, int limit);

    /** The bytes of these claimed blobs are gone: removes their rows. */
    void deleted(List<Digest> digests, long deleter);

    /** Deleting failed: back to the queue. */
    void unclaim(List<Digest> digests, long deleter);
}
