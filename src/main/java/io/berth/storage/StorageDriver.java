package io.berth.storage;

import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * The storage-driver SPI, modelled on CNCF Distribution's: a flat namespace of slash-separated paths
 * holding byte objects. Drivers know nothing of registries; the registry core lays out blobs and
 * uploads on top. Every method is safe to call from many threads. Failures to reach the store are
 * {@link StorageException}s; a missing path is a {@link PathNotFoundException}; a path that is not
 * valid by {@link StoragePaths} is an {@link IllegalArgumentException}, whatever the store.
 *
 * <p>Object stores have no directories: a "directory" is any path that other objects' paths extend.
 * Data written by a {@link StorageWriter} that was closed without commit is kept only for a later
 * appending writer; whether {@link #stat}, {@link #reader} or {@link #list} see it depends on the store.
 */
public interface StorageDriver extends AutoCloseable {

    /** The driver's name as configured (filesystem, s3, gcs, azure). */
    String name();

    /**
     * Size and modification time of an object, or empty when there is none at that path. A directory
     * (a path other objects are under) is reported with {@link FileInfo#directory()} set.
     */
    Optional<FileInfo> stat(String path);

    /** The whole content of a small object. */
    byte[] getContent(String path);

    /** Writes a small object atomically: readers see the old content or the new, never a mix. */
    void putContent(String path, byte[] content);

    /** A stream of the object's bytes from {@code offset} on; empty when {@code offset} is at or past the end. */
    InputStream reader(String path, long offset);

    /**
     * A writer to the object at {@code path}; with {@code append} it continues what an earlier writer
     * left (committed, or closed without commit: resuming a chunked upload). Without {@code append} the
     * writer starts from nothing. Nothing written is durable until {@link StorageWriter#commit()}.
     * One writer per path at a time: callers serialise writers to the same path.
     */
    StorageWriter writer(String path, boolean append);

    /**
     * The direct children (objects and directories) of a directory path, as normalised full paths
     * (no leading slash), sorted. Empty when there are none. {@code ""} or {@code "/"} lists the root.
     */
    List<String> list(String prefix);

    /** Moves an object, replacing any at {@code destination}; atomic where the store allows. */
    void move(String source, String destination);

    /** Deletes an object or, recursively, everything under a directory path. Missing paths are ignored. */
    void delete(String path);

    /**
     * Deletes these objects (missing ones are ignored) in as few requests as the store allows; where the store
     * has directories, a directory an object leaves empty goes too. The default deletes them one by one, a
     * few at a time. Throws a {@link StorageException} naming what could not be deleted.
     */
    default void deleteObjects(Collection<String> paths) {
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            Semaphore slots = new Semaphore(16);
            List<Future<?>> deletes = new ArrayList<>(paths.size());
            for (String path : paths) {
                deletes.add(threads.submit(() -> {
                    slots.acquire();
                    try {
                        delete(path);
                    } finally {
                        slots.release();
                    }
                    return null;
                }));
            }
            for (Future<?> f : deletes) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException("interrupted while deleting", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new StorageException("delete failed: " + e.getCause(), e.getCause());
        }
    }

    /** Data a store keeps for a writer apart from objects (an S3 multipart upload), at {@code path}, last added to at {@code lastActivity}. */
    record OpenWrite(String path, long size, Instant lastActivity) {
    }

    /**
     * Open writes under a directory that {@link #list} does not show; deleting their path (or a directory
     * above it) discards them. Empty where a store keeps none (the default).
     */
    default List<OpenWrite> openWrites(String prefix) {
        return List.of();
    }

    /** Where the object lives on the local file system, when it does: lets pulls send file bytes zero-copy. */
    default Optional<Path> localPath(String path) {
        return Optional.empty();
    }

    /** A short-lived URL from which a client may fetch the object directly, where the store supports it. */
    default Optional<URI> redirectUrl(String path, Duration lifetime) {
        return Optional.empty();
    }

    /** Throws a {@link StorageException} when the store cannot be reached or written. */
    void checkHealth();

    @Override
    default void close() {
    }
}
