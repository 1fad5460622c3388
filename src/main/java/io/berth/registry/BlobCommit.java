package io.berth.registry;

import io.berth.metadata.MetadataStore;
import io.berth.oci.Digest;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import io.berth.storage.StorageDriver;

import java.util.concurrent.TimeUnit;

/**
 * Commits a blob whose verified, durable bytes are at a temporary path: for uploads and for the pull-through
 * cache's fills alike. The blob's row arbitrates with garbage collection ({@link MetadataStore#reserveBlob}):
 * a stored blob is linked at once (the caller discards its copy); otherwise the path is reserved first, so
 * that no deletion the collector queued can remove the bytes moved there, and the blob is linked after the
 * move. While a collector is deleting the blob's old bytes (a batch: well under a second), the commit waits.
 */
public final class BlobCommit {
    private static final long BUSY_WAIT_NANOS = TimeUnit.SECONDS.toNanos(60);

    private BlobCommit() {
    }

    /**
     * Links the blob to {@code repository}, ending upload session {@code uploadId} when given; the caller deletes
     * {@code tempPath} after. A {@code push} (not a cache fill) is limited by the namespace's quota.
     *
     * @throws io.berth.metadata.QuotaExceededException when a push would exceed the quota: nothing was linked
     */
    public static void commit(StorageDriver storage, MetadataStore metadata, String tempPath, Digest digest, long size,
                              String repository, String uploadId, boolean push) {
        long deadline = System.nanoTime() + BUSY_WAIT_NANOS;
        long pauseMillis = 10;
        while (true) {
            switch (metadata.reserveBlob(repository, digest, size, uploadId, push)) {
                case LINKED -> {
                    return;
                }
                case PLACE -> {
                    storage.move(tempPath, BlobLayout.blobPath(digest));
                    if (uploadId == null) {
                        metadata.linkBlob(repository, digest, size, push);
                    } else {
                        metadata.linkUploadedBlob(repository, digest, size, uploadId);
                    }
                    return;
                }
                case BUSY -> {
                    if (System.nanoTime() > deadline) {
                        throw new RegistryException(ErrorCode.UNAVAILABLE,
                                "blob " + digest + " is being deleted by garbage collection; try again shortly");
                    }
                    pause(pauseMillis);
                    pauseMillis = Math.min(pauseMillis * 2, 500);
                }
            }
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException(ErrorCode.UNAVAILABLE, "interrupted while waiting for garbage collection");
        }
    }
}
