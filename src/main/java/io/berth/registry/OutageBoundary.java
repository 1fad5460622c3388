package io.berth.registry;

import io.berth.metadata.MetadataUnavailableException;
import io.berth.oci.Digest;
import io.berth.oci.ErrorCode;
import io.berth.oci.ManifestRecord;
import io.berth.oci.RegistryException;
import io.berth.storage.StorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * The core's outer edge: a storage or database outage below leaves it as UNAVAILABLE (503 with
 * Retry-After), so callers only ever see {@link RegistryException}. It wraps the whole core (the
 * pull-through cache included), and the openers of the blob contents it hands out, which are read
 * after the call returns. The reads on the pull path use plain try/catch, not lambdas, so a manifest
 * GET allocates nothing here.
 */
public final class OutageBoundary implements Registry {
    private static final Logger LOG = LoggerFactory.getLogger(OutageBoundary.class);

    private final Registry core;

    public OutageBoundary(Registry core) {
        this.core = core;
    }

    /** The one answer for an outage; the cause goes to the log, never to the client. */
    static RegistryException unavailable(RuntimeException cause) {
        LOG.warn("storage or database unavailable: {}", cause.getMessage());
        return new RegistryException(ErrorCode.UNAVAILABLE, "storage or database is unavailable; try again shortly");
    }

    private static <T> T guarded(Supplier<T> work) {
        try {
            return work.get();
        } catch (StorageException | MetadataUnavailableException e) {
            throw unavailable(e);
        }
    }

    private static void guarded(Runnable work) {
        try {
            work.run();
        } catch (StorageException | MetadataUnavailableException e) {
            throw unavailable(e);
        }
    }

    // --- the pull path -------------------------------------------------------------------------

    @Override
    public ManifestRecord manifest(String repository, String reference, Access access) {
        try {
            return core.manifest(repository, reference, access);
        } catch (StorageException | MetadataUnavailableException e) {
            throw unavailable(e);
        }
    }

    @Override
    public BlobContent blob(String repository, Digest digest, Access access) {
        BlobContent content;
        try {
            content = core.blob(repository, digest, access);
        } catch (StorageException | MetadataUnavailableException e) {
            throw unavailable(e);
        }
        return guardedReads(content);
    }

    /** Streams are opened by the handler after blob() returned: their failures must be translated too. */
    private static BlobContent guardedReads(BlobContent content) {
        return switch (content) {
            case BlobContent.Stored s -> new BlobContent.Stored(s.digest(), s.size(), offset -> open(s.opener(), offset),
                    lifetime -> guarded(() -> s.redirect(lifetime)));
            case BlobContent.Filling f -> new BlobContent.Filling(f.digest(), f.size(), offset -> open(f.opener(), offset));
            case BlobContent.LocalFile l -> l;
            case BlobContent.Inline i -> i;
        };
    }

    private static InputStream open(BlobContent.Opener opener, long offset) {
        try {
            return opener.open(offset);
        } catch (StorageException | MetadataUnavailableException e) {
            throw unavailable(e);
        }
    }

    @Override
    public List<String> tags(String repository, String last, int limit, Access access) {
        try {
            return core.tags(repository, last, limit, access);
        } catch (StorageException | MetadataUnavailableException e) {
            throw unavailable(e);
        }
    }

    @Override
    public List<String> catalog(String last, int limit) {
        return guarded(() -> core.catalog(last, limit));
    }

    @Override
    public List<ManifestRecord> referrers(String repository, Digest subject, String artifactType) {
        return guarded(() -> core.referrers(repository, subject, artifactType));
    }

    // --- writes and the rest: the work below costs far more than a lambda -------------------

    @Override
    public Options options() {
        return core.options();
    }

    /** Readiness reports the outage's own words ("failing: ..."), so these pass through untranslated. */
    @Override
    public void checkStorage() {
        core.checkStorage();
    }

    @Override
    public void checkDatabase() {
        core.checkDatabase();
    }

    @Override
    public String resolve(String repository, String nsHost) {
        return core.resolve(repository, nsHost);
    }

    @Override
    public Optional<String> upstreamOf(String repository) {
        return core.upstreamOf(repository);
    }

    @Override
    public boolean upstreamFetchNeedsPush(String repository) {
        return core.upstreamFetchNeedsPush(repository);
    }

    @Override
    public void checkWritable(String repository) {
        core.checkWritable(repository);
    }

    @Override
    public void deleteBlob(String repository, Digest digest) {
        guarded(() -> core.deleteBlob(repository, digest));
    }

    @Override
    public void deleteRepository(String repository) {
        guarded(() -> core.deleteRepository(repository));
    }

    @Override
    public boolean createRepository(String repository) {
        return guarded(() -> core.createRepository(repository));
    }

    @Override
    public OptionalLong mount(String repository, Digest digest, String from) {
        return guarded(() -> core.mount(repository, digest, from));
    }

    @Override
    public Uploads.Status startUpload(String repository) {
        return guarded(() -> core.startUpload(repository));
    }

    @Override
    public Uploads.Status uploadStatus(String repository, String id) {
        return guarded(() -> core.uploadStatus(repository, id));
    }

    @Override
    public Uploads.Status appendUpload(String repository, String id, Long rangeStart, BodySource body) {
        return guarded(() -> core.appendUpload(repository, id, rangeStart, body));
    }

    @Override
    public long completeUpload(String repository, String id, Digest expected, Long rangeStart, BodySource body) {
        return guarded(() -> core.completeUpload(repository, id, expected, rangeStart, body));
    }

    @Override
    public void cancelUpload(String repository, String id) {
        guarded(() -> core.cancelUpload(repository, id));
    }

    @Override
    public long putBlob(String repository, Digest expected, BodySource body) {
        return guarded(() -> core.putBlob(repository, expected, body));
    }

    @Override
    public PutResult putManifest(String repository, String reference, byte[] content, String contentType) {
        return guarded(() -> core.putManifest(repository, reference, content, contentType));
    }

    @Override
    public RegistryException tooLarge() {
        return core.tooLarge();
    }

    @Override
    public void deleteManifest(String repository, String reference) {
        guarded(() -> core.deleteManifest(repository, reference));
    }
}
