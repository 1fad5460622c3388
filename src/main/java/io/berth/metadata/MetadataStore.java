package io.berth.metadata;

import io.berth.oci.ManifestRecord;

import io.berth.oci.Digest;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Everything the registry knows besides blob bytes: repositories, tags, manifests, which blobs each
 * repository may see, what each manifest references (for garbage collection), and upload sessions.
 * Implementations are transactional: each method either happens completely or not at all, and
 * failures to reach the database are {@link MetadataUnavailableException}s.
 */
public interface MetadataStore extends AutoCloseable {

    // --- repositories -----------------------------------------------------------------------

    boolean repositoryExists(String repository);

    /** Repository names in lexical (byte) order, after {@code last} when given. */
    List<String> repositories(String last, int limit);

    /** Repositories under {@code namespace/} (all, for "") that received a manifest push (not filled by the cache), by name. */
    List<String> pushedRepositories(String namespace);

    /**
     * Deletes a repository: its manifests, tags, blob links, references and upload sessions, in one
     * transaction; the blobs' bytes are left to garbage collection. True when it existed. Refused with
     * {@link ImmutableTagException} (nothing deleted) while it holds a tag an immutable tag rule covers.
     */
    boolean deleteRepository(String repository);

    /**
     * Creates an empty repository (the admin API's explicit create), counted like one a push creates and
     * marked as pushed (it is the operator's own, not a cache's). False when it exists already.
     */
    boolean createRepository(String repository);

    // --- blobs ------------------------------------------------------------------------------
    //
    // A blob's bytes are deleted only by garbage collection, and only once its row is tombstoned; every
    // writer of a digest goes through its one blobs row, so bytes a writer puts in place are never deleted
    // under it (ARCHITECTURE.md, "Garbage collection").

    /** What a writer holding a blob's verified bytes at a temporary path does next ({@link #reserveBlob}). */
    enum Placement {
        /** The blob was stored already: it is now linked to the repository (the upload session ended); discard the copy. */
        LINKED,
        /**
         * Move the bytes into place, then {@link #linkBlob} or {@link #linkUploadedBlob}: the blob is reserved,
         * and nothing deletes its path meanwhile.
         */
        PLACE,
        /** Garbage collection is deleting the blob's old bytes right now: try again shortly. */
        BUSY
    }

    /**
     * The first step of committing a blob: links it at once when it is stored (ending upload session
     * {@code uploadId}, when given), else reserves its path for the caller's bytes. A {@code push} (a client's
     * upload, not a cache fill) that would take the namespace over its quota is refused before anything is
     * written, and again when {@link #linkBlob} links it.
     *
     * @throws QuotaExceededException when a push would exceed the namespace's quota; nothing is written then
     */
    Placement reserveBlob(String repository, Digest digest, long size, String uploadId, boolean push);

    /** {@link #reserveBlob(String, Digest, long, String, boolean)} for a client's push. */
    default Placement reserveBlob(String repository, Digest digest, long size, String uploadId) {
        return reserveBlob(repository, digest, size, uploadId, true);
    }

    /**
     * Records a committed blob whose bytes the caller has put in place (after {@link #reserveBlob} said
     * {@link Placement#PLACE}) and makes it visible in the repository (creating the repository).
     *
     * @throws MetadataUnavailableException when garbage collection is deleting the blob's bytes (try again)
     * @throws QuotaExceededException when a {@code push} would exceed the namespace's quota (nothing is linked)
     */
    void linkBlob(String repository, Digest digest, long size, boolean push);

    /** {@link #linkBlob(String, Digest, long, boolean)} for a client's push. */
    default void linkBlob(String repository, Digest digest, long size) {
        linkBlob(repository, digest, size, true);
    }

    /** {@link #linkBlob} (a push) and the end of upload session {@code uploadId}, in one transaction (one commit per push). */
    void linkUploadedBlob(String repository, Digest digest, long size, String uploadId);

    /** Links a blob stored in the registry to the repository and returns its size; empty when it is not stored. */
    OptionalLong linkStoredBlob(String repository, Digest digest);

    /**
     * A cross-repository mount, in one transaction: links the blob to {@code repository} when
     * {@code from} may see it, and returns its size; empty when it may not (or is no longer stored).
     *
     * @throws QuotaExceededException when the mount would exceed the namespace's quota; nothing is written then
     */
    OptionalLong mountBlob(String repository, Digest digest, String from);

    /**
     * The size of a blob the repository may see, or empty. A link garbage collection has condemned (it is
     * about to remove it) is rescued first, so that a blob the registry answers for is never collected
     * within the grace period: that one read is a write.
     */
    OptionalLong linkedBlobSize(String repository, Digest digest);

    /** The size of a blob stored anywhere in the registry, or empty. */
    OptionalLong blobSize(Digest digest);

    /** Removes a blob from a repository's view; true when it was linked. */
    boolean unlinkBlob(String repository, Digest digest);

    /** A blob in a repository's view. */
    record Link(String repository, Digest digest) {
    }

    /**
     * Records that clients were told at {@code when} that these links exist (HEAD or GET answered 200),
     * in one transaction: the garbage collector's grace period counts from it. Reads gather them in memory
     * and call this every few seconds, so a read stays a read.
     */
    void recordBlobsSeen(Collection<Link> links, long when);

    // --- manifests and tags -----------------------------------------------------------------

    /**
     * Stores a manifest and, when {@code tag} is given, points the tag at it — atomically, and only if
     * every referenced blob is linked to the repository and every child manifest is in it, and only if
     * the tag is not immutable or already points at this digest (the check runs in the same transaction).
     *
     * @throws MissingReferencesException naming what is missing; nothing is written then
     * @throws ImmutableTagException when an immutable tag rule of the namespace covers the tag; nothing is written then
     * @throws QuotaExceededException when it would add a repository, a tag or bytes over the namespace's quota
     */
    void putManifest(ManifestRecord manifest, String tag, Collection<Digest> blobs, Collection<Digest> children);

    /**
     * Stores a manifest fetched from an upstream registry (pull-through cache): its references are
     * recorded but need not be present, since the cache fetches blobs on demand. Immutable tag rules do
     * not apply: the cache follows its upstream.
     */
    void putCachedManifest(ManifestRecord manifest, String tag, Collection<Digest> blobs, Collection<Digest> children);

    /** When a tag was last set or confirmed (epoch millis), or empty when there is no such tag. */
    OptionalLong tagUpdatedAt(String repository, String tag);

    /** Marks a tag as confirmed now (a cache revalidation that found it unchanged); not a push, for retention. */
    void touchTag(String repository, String tag, long when);

    Optional<ManifestRecord> manifest(String repository, Digest digest);

    Optional<ManifestRecord> manifestByTag(String repository, String tag);

    /**
     * Deletes a manifest and every tag pointing at it; true when it existed.
     *
     * @throws ImmutableTagException when one of those tags is immutable (unless the manifest is a referrer)
     */
    boolean deleteManifest(String repository, Digest digest);

    /**
     * Removes one tag (the manifest stays); true when it existed.
     *
     * @throws ImmutableTagException when the tag is immutable
     */
    boolean deleteTag(String repository, String tag);

    /**
     * A number that changes whenever the repository's set of tags (or where they point) changes, or
     * empty when the repository does not exist: lets a node keep a tag list cached and check it cheaply.
     */
    OptionalLong tagVersion(String repository);

    /** Tag names in lexical order, after {@code last} when given. */
    List<String> tags(String repository, String last, int limit);

    /** Manifests in the repository whose subject is {@code subject}, optionally of one artifact type. */
    List<ManifestRecord> referrers(String repository, Digest subject, String artifactType);

    // --- upload sessions --------------------------------------------------------------------

    void createUpload(String id, String repository, Instant started);

    /** The repository of an upload session, or empty when it is unknown. */
    Optional<String> uploadRepository(String id);

    void deleteUpload(String id);

    /** Upload sessions started before {@code before}: abandoned ones, for the purge. */
    List<String> uploadsStartedBefore(Instant before);

    // --- health -----------------------------------------------------------------------------

    /** Throws {@link MetadataUnavailableException} when the database cannot be reached. */
    void checkHealth();

    @Override
    void close();
}
