package io.berth.storage.filesystem;

import io.berth.storage.StorageException;
import io.berth.storage.StorageWriter;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/**
 * Appends to one file; commit is an fsync, so a blob is durable before it becomes visible. Every
 * {@link #WRITEBACK_EVERY} bytes, and when a writer closes without commit (the end of a chunk), the
 * dirty data is handed to the disk in the background ({@link FileTasks}): on a disk slower than the
 * network, the final fsync of a whole blob used to be most of a push.
 */
final class FileWriter implements StorageWriter {
    /** Dirty bytes after which write-back starts: a few per large blob, so journal commits stay rare. */
    static final long WRITEBACK_EVERY = 8L << 20;

    private final Path file;
    private final FileChannel channel;
    private final FileTasks syncs;
    private long dirty;
    private CompletableFuture<Void> lastWriteback = CompletableFuture.completedFuture(null);
    private boolean closed;

    FileWriter(Path file, FileChannel channel, FileTasks syncs) {
        this.file = file;
        this.channel = channel;
        this.syncs = syncs;
    }

    @Override
    public void write(ByteBuffer buffer) {
        ensureOpen();
        int n = buffer.remaining();
        try {
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        } catch (IOException e) {
            throw new StorageException("write to " + file + " failed: " + e.getMessage(), e);
        }
        dirty += n;
        if (dirty >= WRITEBACK_EVERY && lastWriteback.isDone()) {
            dirty = 0;
            lastWriteback = syncs.queue(file, () -> channel.force(false), () -> { });
        }
    }

    @Override
    public long size() {
        ensureOpen();
        try {
            return channel.size();
        } catch (IOException e) {
            throw new StorageException("size of " + file + " unknown: " + e.getMessage(), e);
        }
    }

    @Override
    public void commit() {
        ensureOpen();
        closed = true;
        try {
            syncs.await(file);
            channel.force(true);
        } catch (IOException e) {
            throw new StorageException("fsync of " + file + " failed: " + e.getMessage(), e);
        } finally {
            FilesystemDriver.closeQuietly(channel);
        }
    }

    @Override
    public void cancel() {
        ensureOpen();
        closed = true;
        FilesystemDriver.closeQuietly(channel); // a write-back under way stops on the closed channel
        syncs.forget(file);
        FilesystemDriver.deleteQuietly(file);
    }

    /**
     * Keeps the partial file for a later writer. Its dirty tail goes to the disk in the background and
     * the channel is closed after that, so the request that wrote the chunk does not wait for the disk.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (dirty > 0) {
            lastWriteback = syncs.queue(file, () -> channel.force(false), () -> { });
        }
        lastWriteback.whenComplete((ok, failed) -> FilesystemDriver.closeQuietly(channel));
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("writer to " + file + " is already committed, cancelled or closed");
        }
    }
}
