package io.berth.storage.filesystem;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Aligned direct buffers for {@link DirectFileWriter}s, reused so that a small blob's upload does not
 * allocate (and zero) a megabyte. At most {@link #MAX_IN_USE} are handed out at once: past that, writers
 * fall back to the page cache rather than growing off-heap memory with the number of uploads.
 */
final class StageBuffers {
    /** One direct write: large enough for the disk to stream, small enough to keep many uploads in memory. */
    static final int SIZE = 4 << 20;
    static final int MAX_IN_USE = 16;
    private static final int MAX_KEPT = 4;

    private final int align;
    private final ConcurrentLinkedQueue<ByteBuffer> free = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inUse = new AtomicInteger();
    private final AtomicInteger kept = new AtomicInteger();

    StageBuffers(int align) {
        this.align = align;
    }

    /** The alignment direct I/O needs here: the file system's block size. */
    int align() {
        return align;
    }

    /** A cleared buffer of {@link #SIZE} bytes at an aligned address, or null when too many are in use. */
    ByteBuffer take() {
        if (inUse.incrementAndGet() > MAX_IN_USE) {
            inUse.decrementAndGet();
            return null;
        }
        ByteBuffer b = free.poll();
        if (b != null) {
            kept.decrementAndGet();
            return b.clear();
        }
        return ByteBuffer.allocateDirect(SIZE + align).alignedSlice(align).limit(SIZE).slice();
    }

    void give(ByteBuffer b) {
        if (b == null) {
            return;
        }
        inUse.decrementAndGet();
        if (kept.incrementAndGet() <= MAX_KEPT) {
            free.offer(b.clear());
        } else {
            kept.decrementAndGet();
        }
    }
}
