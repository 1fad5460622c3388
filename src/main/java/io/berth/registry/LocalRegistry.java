package io.berth.registry;

import io.berth.oci.Digest;
import io.berth.oci.Names;
import io.berth.oci.ManifestParser;
import io.berth.oci.ParsedManifest;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;

import io.berth.oci.ManifestRecord;
import io.berth.metadata.ImmutableTagException;
import io.berth.metadata.MetadataStore;
import io.berth.metadata.MissingReferencesException;
import io.berth.metadata.QuotaExceededException;
import io.berth.storage.StorageDriver;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The registry core on this registry's own storage: what the HTTP API does, without HTTP. Blob bytes
 * go to the storage driver, everything else to the metadata store; this class decides what is valid
 * and visible.
 */
public final class LocalRegistry implements Registry {
    private final StorageDriver storage;
    private final MetadataStore metadata;
    private final Uploads uploads;
    private final Options options;
    /** Tag lists by repository, weighed by their size (about 10 MB for a million tags). */
    private final com.github.benmanes.caffeine.cache.Cache<String, CachedTags> tagCache =
            com.github.benmanes.caffeine.cache.Caffeine.newBuilder()
                    .maximumWeight(1_000_000).weigher((String r, CachedTags t) -> t.tags().size() + 1).build();

    /**
     * Links clients were told exist since the last {@link #flushSeenBlobs}: the garbage collector's grace
     * period counts from them, and gathering them here keeps a HEAD a read.
     */
    private final java.util.Set<MetadataStore.Link> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final Clock clock;

    public LocalRegistry(StorageDriver storage, MetadataStore metadata, Options options, Clock clock) {
        this.storage = storage;
        this.metadata = metadata;
        this.options = options;
        this.clock = clock;
        this.uploads = new Uploads(storage, metadata, clock);
    }

    /**
     * Writes the links clients were told exist since the last call, in one transaction (maintenance calls
     * this every few seconds; see {@code GcSettings.seenFlushInterval}). Returns how many. On failure they
     * are kept for the next call.
     */
    public int flushSeenBlobs() {
        java.util.List<MetadataStore.Link> batch = new java.util.ArrayList<>();
        for (java.util.Iterator<MetadataStore.Link> it = seen.iterator(); it.hasNext(); ) {
            batch.add(it.next());
            it.remove();
        }
        // Taken after the set was emptied, so it is no earlier than any read whose mark this batch took.
        long when = clock.millis();
        try {
            metadata.recordBlobsSeen(batch, when);
        } catch (RuntimeException e) {
            seen.addAll(batch);
            throw e;
        }
        return batch.size();
    }

    @Override
    public Options options() {
        return options;
    }

    @Override
    public void checkStorage() {
        storage.checkHealth();
    }

    @Override
    public void checkDatabase() {
        metadata.checkHealth();
    }

    /** Discards abandoned uploads (maintenance); see {@link Uploads#purge}. */
    public int purgeUploads(Duration maxAge) {
        return uploads.purge(maxAge);
    }

    // --- blobs ------------------------------------------------------------------------------

    /**
     * A blob the repository may see, or BLOB_UNKNOWN. Manifests are readable through the blob route too.
     * Everything served here is held here, so {@code access} (upstream fetches) changes nothing.
     */
    @Override
    public BlobContent blob(String repository, Digest digest, Access access) {
        OptionalLong size = metadata.linkedBlobSize(repository, digest);
        if (size.isPresent()) {
            seen.add(new MetadataStore.Link(repository, digest));
            return stored(digest, size.getAsLong());
        }
        Optional<ManifestRecord> m = metadata.manifest(repository, digest);
        if (m.isPresent()) {
            return new BlobContent.Inline(digest, m.get().size(), m.get().content());
        }
        throw new RegistryException(ErrorCode.BLOB_UNKNOWN, "blob " + digest + " is not in repository " + repository);
    }

    /** A committed blob's bytes where the driver keeps them: a local file when it has one. */
    private BlobContent stored(Digest digest, long size) {
        String path = BlobLayout.blobPath(digest);
        Optional<Path> local = storage.localPath(path);
        if (local.isPresent()) {
            return new BlobContent.LocalFile(digest, size, local.get());
        }
        return new BlobContent.Stored(digest, size, offset -> storage.reader(path, offset),
                lifetime -> storage.redirectUrl(path, lifetime));
    }

    @Override
    public void deleteBlob(String repository, Digest digest) {
        requireDeleteEnabled();
        if (!metadata.unlinkBlob(repository, digest)) {
            throw new RegistryException(ErrorCode.BLOB_UNKNOWN, "blob " + digest + " is not in repository " + repository);
        }
    }

    /** Links a blob from another repository; empty when it cannot be mounted (the client then uploads). */
    @Override
    public OptionalLong mount(String repository, Digest digest, String from) {
        if (from == null || !Names.isValidRepository(from)) {
            return OptionalLong.empty();
        }
        try {
            return metadata.mountBlob(repository, digest, from);
        } catch (QuotaExceededException e) {
            throw QuotaRefusal.denied(e);
        }
    }

    /**
     * Deletes a repository with its manifests, tags and links (NAME_UNKNOWN when there is none; DENIED while it holds an
     * immutable tag); garbage collection frees the bytes.
     */
    @Override
    public void deleteRepository(String repository) {
        boolean deleted;
        try {
            deleted = metadata.deleteRepository(repository);
        } catch (ImmutableTagException e) {
            throw denied(e);
        }
        if (!deleted) {
            throw new RegistryException(ErrorCode.NAME_UNKNOWN, "repository " + repository + " is not known to the registry");
        }
    }

    @Override
    public boolean createRepository(String repository) {
        Names.checkRepository(repository);
        return metadata.createRepository(repository);
    }

    // --- uploads ------------------------------------------------------------------------------

    @Override
    public Uploads.Status startUpload(String repository) {
        return uploads.start(repository);
    }

    @Override
    public Uploads.Status uploadStatus(String repository, String id) {
        return uploads.status(repository, id);
    }

    @Override
    public Uploads.Status appendUpload(String repository, String id, Long rangeStart, BodySource body) {
        return uploads.append(repository, id, rangeStart, body);
    }

    @Override
    public long completeUpload(String repository, String id, Digest expected, Long rangeStart, BodySource body) {
        return uploads.complete(repository, id, expected, rangeStart, body);
    }

    @Override
    public void cancelUpload(String repository, String id) {
        uploads.cancel(repository, id);
    }

    @Override
    public long putBlob(String repository, Digest expected, BodySource body) {
        return uploads.putMonolithic(repository, expected, body);
    }

    // --- manifests --------------------------------------------------------------------------

    @Override
    public PutResult putManifest(String repository, String reference, byte[] content, String contentType) {
        if (content.length > options.maxManifestBytes()) {
            throw tooLarge();
        }
        String tag = null;
        Digest digest;
        if (Digest.looksLikeDigest(reference)) {
            Digest claimed = Digest.parse(reference);
            digest = Digest.of(claimed.algorithm(), claimed.newHasher().digest(content));
            if (!digest.equals(claimed)) {
                throw new RegistryException(ErrorCode.DIGEST_INVALID,
                        "the manifest's digest is " + digest + ", not " + claimed + " as given in the URL");
            }
        } else {
            tag = Names.checkTag(reference);
            digest = Digest.sha256(content);
        }
        ParsedManifest parsed = ManifestParser.parse(content, contentType);
        ManifestRecord record = new ManifestRecord(repository, digest, parsed.mediaType(), content,
                parsed.artifactType(), parsed.subject(), parsed.annotationsJson(), System.currentTimeMillis());
        try {
            metadata.putManifest(record, tag, parsed.blobs(), parsed.children());
        } catch (MissingReferencesException e) {
            List<Digest> all = new ArrayList<>(e.missingBlobs());
            all.addAll(e.missingManifests());
            throw new RegistryException(ErrorCode.MANIFEST_BLOB_UNKNOWN,
                    "the manifest references content not in repository " + repository + ": " + all, all.getFirst());
        } catch (ImmutableTagException e) {
            throw denied(e);
        } catch (QuotaExceededException e) {
            throw QuotaRefusal.denied(e);
        }
        return new PutResult(digest, parsed.subject());
    }

    @Override
    public RegistryException tooLarge() {
        return new RegistryException(ErrorCode.MANIFEST_TOO_LARGE,
                "manifest is larger than the limit of " + options.maxManifestBytes() + " bytes");
    }

    /**
     * The manifest a reference names. A reference that is neither a digest nor a valid tag names
     * nothing: the spec wants 404 for a manifest that is not found, so it is MANIFEST_UNKNOWN, not
     * TAG_INVALID (which is for pushes). A malformed digest stays DIGEST_INVALID.
     */
    @Override
    public ManifestRecord manifest(String repository, String reference, Access access) {
        Optional<ManifestRecord> m;
        if (Digest.looksLikeDigest(reference)) {
            m = metadata.manifest(repository, Digest.parse(reference));
        } else {
            m = Names.isTag(reference) ? metadata.manifestByTag(repository, reference) : Optional.empty();
        }
        return m.orElseThrow(() -> manifestUnknown(repository, reference));
    }

    private RegistryException manifestUnknown(String repository, String reference) {
        if (!metadata.repositoryExists(repository)) {
            return new RegistryException(ErrorCode.NAME_UNKNOWN, "repository " + repository + " is not known to the registry");
        }
        return new RegistryException(ErrorCode.MANIFEST_UNKNOWN, "manifest " + Digest.abbreviate(reference)
                + " is not in repository " + repository);
    }

    /** Deletes a manifest (by digest, with all its tags) or untags (by tag); DENIED for an immutable tag. */
    @Override
    public void deleteManifest(String repository, String reference) {
        requireDeleteEnabled();
        boolean deleted;
        try {
            deleted = Digest.looksLikeDigest(reference)
                    ? metadata.deleteManifest(repository, Digest.parse(reference))
                    : metadata.deleteTag(repository, Names.checkTag(reference));
        } catch (ImmutableTagException e) {
            throw denied(e);
        }
        if (!deleted) {
            throw manifestUnknown(repository, reference);
        }
    }

    /**
     * An immutable tag's refusal: 403 DENIED, the spec's code for an operation the registry does not allow
     * (as Harbor and ECR answer for theirs), with the store's message naming the tag and the rule, which
     * podman, skopeo and docker print.
     */
    private static RegistryException denied(ImmutableTagException e) {
        return new RegistryException(ErrorCode.DENIED, e.getMessage(), java.util.Map.of("tag", e.tag(), "rule", e.rule()));
    }

    // --- listings ---------------------------------------------------------------------------

    /** One page of tags; {@code limit} 0 gives an empty list. NAME_UNKNOWN when the repository is unknown. */
    /**
     * Tag lists are served from a per-repository cache, checked against the repository's tag version
     * (one primary-key lookup) on every request, so a change made by any node is seen at once.
     */
    @Override
    public List<String> tags(String repository, String last, int limit, Access access) {
        OptionalLong version = metadata.tagVersion(repository);
        if (version.isEmpty()) {
            throw new RegistryException(ErrorCode.NAME_UNKNOWN, "repository " + repository + " is not known to the registry");
        }
        if (limit == 0) {
            return List.of();
        }
        CachedTags cached = tagCache.getIfPresent(repository);
        if (cached == null || cached.version() != version.getAsLong()) {
            // Read the version first: a change racing this load leaves a stale version, never a stale list.
            cached = new CachedTags(version.getAsLong(), metadata.tags(repository, null, Integer.MAX_VALUE));
            tagCache.put(repository, cached);
        }
        List<String> all = cached.tags();
        int from = 0;
        if (last != null) {
            int i = java.util.Collections.binarySearch(all, last);
            from = i >= 0 ? i + 1 : -i - 1;
        }
        int to = (int) Math.min(all.size(), (long) from + limit);
        return all.subList(from, to);
    }

    private record CachedTags(long version, List<String> tags) {
    }

    @Override
    public List<String> catalog(String last, int limit) {
        return limit == 0 ? List.of() : metadata.repositories(last, limit);
    }

    @Override
    public List<ManifestRecord> referrers(String repository, Digest subject, String artifactType) {
        return metadata.referrers(repository, subject, artifactType);
    }

    private void requireDeleteEnabled() {
        if (!options.deleteEnabled()) {
            throw new RegistryException(ErrorCode.UNSUPPORTED, "deletion is disabled on this registry (storage.delete.enabled)");
        }
    }
}
