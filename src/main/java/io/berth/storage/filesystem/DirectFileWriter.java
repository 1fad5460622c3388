package io.berth.storage.filesystem;

import io.berth.storage.StorageException;
import io.berth.storage.StorageWriter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.sun.nio.file.ExtendedOpenOption;

/**
 * Appends to a file, writing large objects with {@code O_DIRECT}: bytes gather in an aligned staging
 * buffer, and each full buffer ({@link StageBuffers#SIZE}) goes straight to the disk on a background
 * thread while the next one fills. A blob then costs the disk's DMA instead of a kernel copy into the
 * page cache plus its write-back (the largest CPU cost of a push on the machines measured), the disk
 * writes while the upload streams, and the fsync at commit has little left to flush. An object that
 * never fills one buffer (a config blob, a small layer) is written through the page cache at the end,
 * as before: for it, direct I/O would only add a disk round trip.
 *
 * <p>The stage always mirrors the file from {@link #stageStart}, a multiple of the file system's block
 * size: an appending writer first reads back the file's partial last block. Direct writes are whole
 * blocks; the unaligned end is written padded with zeros and the file truncated to its true length.
 * Readers of a file being written (a pull-through fill) see the bytes in stage-sized steps.
 */
final class DirectFileWriter implements StorageWriter {
    private static final ExecutorService DISK = Executors.newFixedThreadPool(8, r -> {
        Thread t = new Thread(r, "berth-direct-write");
        t.setDaemon(true);
        return t;
    });

    private final Path file;
    private final FileChannel buffered;
    private final int align;
    private final StageBuffers stages;
    private final FileTasks closes;
    /** Opened when the first stage fills: until then the object may be small. */
    private FileChannel direct;
    private ByteBuffer stage;
    /** The second stage while the first is being written (null: write synchronously). */
    private ByteBuffer spare;
    private CompletableFuture<Void> inFlight;
    /** File offset of the stage's first byte: a multiple of {@link #align}. */
    private long stageStart;
    private boolean closed;

    private DirectFileWriter(Path file, FileChannel buffered, int align, StageBuffers stages, FileTasks closes, ByteBuffer stage) {
        this.file = file;
        this.buffered = buffered;
        this.align = align;
        this.stages = stages;
        this.closes = closes;
        this.stage = stage;
    }

    /**
     * A writer at the end of {@code file} ({@code append}) or of a fresh empty file; owns {@code stage}.
     * The caller has waited for the file's earlier writers to finish ({@code closes}).
     */
    static DirectFileWriter open(Path file, boolean append, int align, StageBuffers stages, FileTasks closes,
                                 ByteBuffer stage) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            if (!append) {
                ch.truncate(0);
            }
            DirectFileWriter w = new DirectFileWriter(file, ch, align, stages, closes, stage);
            long size = ch.size();
            w.stageStart = size - size % align;
            int tail = (int) (size - w.stageStart);
            stage.limit(tail);
            while (stage.hasRemaining()) { // the partial last block, to rewrite it with what follows
                if (ch.read(stage, w.stageStart + stage.position()) < 0) {
                    throw new IOException(file + " shrank while it was opened for appending");
                }
            }
            stage.limit(stage.capacity());
            return w;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    @Override
    public void write(ByteBuffer src) {
        ensureOpen();
        try {
            while (src.hasRemaining()) {
                int n = Math.min(stage.remaining(), src.remaining());
                stage.put(stage.position(), src, src.position(), n);
                stage.position(stage.position() + n);
                src.position(src.position() + n);
                if (!stage.hasRemaining()) {
                    writeStage();
                }
            }
        } catch (IOException e) {
            throw new StorageException("write to " + file + " failed: " + e.getMessage(), e);
        }
    }

    /** Hands the full stage to the disk and carries on in the spare one (or waits, without a spare). */
    private void writeStage() throws IOException {
        if (direct == null) {
            direct = FileChannel.open(file, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT);
            spare = stages.take();
        }
        awaitInFlight();
        ByteBuffer full = stage.flip();
        long at = stageStart;
        stageStart += full.limit();
        if (spare == null) {
            writeFully(direct, full, at);
            stage = full.clear();
            return;
        }
        stage = spare.clear();
        spare = full;
        inFlight = CompletableFuture.runAsync(() -> {
            try {
                writeFully(direct, full, at);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, DISK);
    }

    private void awaitInFlight() throws IOException {
        if (inFlight == null) {
            return;
        }
        try {
            inFlight.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof UncheckedIOException u ? u.getCause()
                    : new IOException("direct write failed: " + e.getCause(), e.getCause());
        } finally {
            inFlight = null;
        }
    }

    @Override
    public long size() {
        ensureOpen();
        return stageStart + stage.position();
    }

    @Override
    public void commit() {
        ensureOpen();
        closed = true;
        try {
            writeTail();
            (direct != null ? direct : buffered).force(true);
        } catch (IOException e) {
            throw new StorageException("write or fsync of " + file + " failed: " + e.getMessage(), e);
        } finally {
            release();
        }
    }

    @Override
    public void cancel() {
        ensureOpen();
        closed = true;
        release();
        closes.forget(file);
        FilesystemDriver.deleteQuietly(file);
    }

    /**
     * Keeps what was written, exactly, for a later appending writer. A small object's bytes go to the
     * page cache at once; a large one's last blocks go to the disk in the background, so the request that
     * wrote this chunk does not wait for the disk: the file's next writer waits for them instead
     * ({@link FileTasks#await}), and learns of a failure.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (direct != null) {
            closes.queue(file, this::writeTail, this::release);
            return;
        }
        try {
            writeTail();
        } catch (IOException e) {
            throw new StorageException("write to " + file + " failed: " + e.getMessage(), e);
        } finally {
            release();
        }
    }

    /**
     * Writes what the stage holds: through the page cache when the object never needed direct I/O,
     * else as whole blocks (the last padded with zeros) and then cuts the padding off.
     */
    private void writeTail() throws IOException {
        awaitInFlight();
        int length = stage.position();
        if (direct == null) {
            writeFully(buffered, stage.flip(), stageStart);
            return;
        }
        if (length == 0) {
            return;
        }
        int padded = (length + align - 1) / align * align;
        for (int i = length; i < padded; i++) {
            stage.put(i, (byte) 0);
        }
        writeFully(direct, stage.position(0).limit(padded), stageStart);
        if (padded != length) {
            direct.truncate(stageStart + length);
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
        while (b.hasRemaining()) {
            position += ch.write(b, position);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("writer to " + file + " is already committed, cancelled or closed");
        }
    }

    private void release() {
        if (inFlight != null) {
            inFlight.exceptionally(e -> null).join(); // never return a buffer the disk is still reading
            inFlight = null;
        }
        FilesystemDriver.closeQuietly(direct);
        FilesystemDriver.closeQuietly(buffered);
        stages.give(stage);
        stages.give(spare);
        stage = null;
        spare = null;
    }
}
