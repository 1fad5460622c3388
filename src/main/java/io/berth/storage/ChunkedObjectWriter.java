package io.berth.storage;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * What the object-store writers (S3, Azure, GCS) share: the writer's state machine, buffering bytes
 * into chunks of the store's chunk size, and the order of the steps on commit, cancel and close. A
 * store adds how it starts, resumes, stores a chunk as a part, and makes the parts the object.
 *
 * <p>Parts outlive the writer: close without commit stores what is buffered as one more (short) part,
 * so the next appending writer, after a restart too, resumes from the store. Commit returns only once
 * the store holds the object, so an object is durable when commit returns. A store's SDK exceptions
 * become {@link StorageException}s naming the operation and path ({@link #failure}); a failed commit
 * leaves the writer open, so close then keeps what can be kept for a retry.
 */
public abstract class ChunkedObjectWriter implements StorageWriter {
    private enum State { OPEN, COMMITTED, CANCELLED, CLOSED }

    private final String path;
    private final int chunkSize;
    private byte[] buffer = new byte[0];
    private int buffered;
    private State state = State.OPEN;

    protected ChunkedObjectWriter(String path, int chunkSize) {
        this.path = path;
        this.chunkSize = chunkSize;
    }

    // --- the hooks each store implements ---------------------------------------------------

    /** Makes the object start from nothing, as a truncating file open does. */
    protected abstract void start();

    /** Picks up what the store holds for the object: the committed object and parts earlier writers left. */
    protected abstract void resume();

    /** Bytes the store already holds for this writer (the object it continues and its parts). */
    protected abstract long storedSize();

    /**
     * Stores {@code length} bytes as the next part: a full chunk while writing, a shorter one on commit
     * or close. The array is reused once this returns.
     */
    protected abstract void storePart(byte[] bytes, int length);

    /**
     * Commits the object without parts when none is stored yet: a small object in one request, an
     * object continued with nothing in none. Answers false when there are parts; then the buffer is
     * stored as the last one and {@link #completeParts} called.
     */
    protected abstract boolean commitWithoutParts(byte[] bytes, int length);

    /** Makes the stored parts (and any object continued) the object. */
    protected abstract void completeParts();

    /** Removes the object and every part of it. */
    protected abstract void discard();

    /** Runs before each write buffers its bytes; may {@link #rebuffer} bytes read back from the store. */
    protected void beforeWrite() {
    }

    /** Runs on close when nothing is buffered, for a store that must leave a trace even then. */
    protected void closeEmpty() {
    }

    /** The store's own exception as a {@link StorageException} for {@code op}; any other exception unchanged. */
    protected abstract RuntimeException failure(String op, RuntimeException e);

    // --- the shared state machine ----------------------------------------------------------

    /** The path as the caller named it, for messages. */
    protected final String path() {
        return path;
    }

    /** Bytes per part: what is buffered before a part is stored. */
    protected final int chunkSize() {
        return chunkSize;
    }

    /**
     * Starts or resumes the object and answers this writer, ready; each store's factory calls it once,
     * right after construction (not the constructor: the hooks need the subclass's fields set).
     */
    protected final StorageWriter begin(boolean append) {
        mapped("open for writing", append ? this::resume : this::start);
        return this;
    }

    @Override
    public final void write(ByteBuffer src) {
        ensureOpen();
        if (!src.hasRemaining()) {
            return;
        }
        mapped("write", () -> {
            beforeWrite();
            while (src.hasRemaining()) {
                int n = Math.min(src.remaining(), chunkSize - buffered);
                ensureCapacity(buffered + n);
                src.get(buffer, buffered, n);
                buffered += n;
                if (buffered == chunkSize) {
                    flush();
                }
            }
        });
    }

    /** Puts bytes the store gave back after what is buffered, so they go out with the next part. */
    protected final void rebuffer(byte[] bytes) {
        ensureCapacity(buffered + bytes.length);
        System.arraycopy(bytes, 0, buffer, buffered, bytes.length);
        buffered += bytes.length;
    }

    @Override
    public final long size() {
        ensureOpen();
        return storedSize() + buffered;
    }

    @Override
    public final void commit() {
        ensureOpen();
        mapped("commit", () -> {
            if (!commitWithoutParts(buffer, buffered)) {
                flush();
                completeParts();
            }
        });
        finish(State.COMMITTED);
    }

    @Override
    public final void cancel() {
        ensureOpen();
        finish(State.CANCELLED);
        mapped("cancel", this::discard);
    }

    @Override
    public final void close() {
        if (state != State.OPEN) {
            return;
        }
        try {
            mapped("close", () -> {
                if (buffered > 0) {
                    flush(); // a short part, left for the next appending writer
                } else {
                    closeEmpty();
                }
            });
        } finally {
            finish(State.CLOSED);
        }
    }

    /** Stores what is buffered as a part; the buffer is empty after, so a retried commit never stores it twice. */
    private void flush() {
        if (buffered > 0) {
            storePart(buffer, buffered);
            buffered = 0;
        }
    }

    private void ensureCapacity(int needed) {
        if (buffer.length < needed) {
            // grow geometrically up to one chunk: small objects never hold a whole chunk of memory
            int size = Math.max(needed, Math.min(chunkSize, Math.max(64 * 1024, buffer.length * 2)));
            buffer = Arrays.copyOf(buffer, size);
        }
    }

    private void mapped(String op, Runnable work) {
        try {
            work.run();
        } catch (RuntimeException e) {
            throw failure(op, e);
        }
    }

    private void finish(State end) {
        state = end;
        buffer = new byte[0];
        buffered = 0;
    }

    private void ensureOpen() {
        if (state != State.OPEN) {
            throw new IllegalStateException("writer to " + path + " is " + state.name().toLowerCase());
        }
    }
}
