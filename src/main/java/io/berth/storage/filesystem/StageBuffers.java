package io.berth.storage.filesystem;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Aligned direct buffers for {@link DirectFileWriter}s. At most {@link #MAX_IN_USE} exist: past that,
 * writers fall back to the page cache rather than growing off-heap memory with the number of uploads.
 * Buffers are kept for reuse, never dropped: a dropped direct buffer is freed only when the garbage
 * collector happens to run, and a push makes too little heap garbage for that to be soon.
 */
final class StageBuffers {
    /** One direct write: large enough for the disk to stream (4 MiB writes beat 1 MiB ones clearly). */
    static final int SIZE = 4 << 20;
    /** 64 MiB in all: two stages each for eight large uploads at once. */
    static final int MAX_IN_USE = 16;

    private final int align;
    private final ConcurrentLinkedQueue<ByteBuffer> free = new ConcurrentLinkedQueue<>();
    private final AtomicInteger handedOut = new AtomicInteger();

    StageBuffers(int align) {
        this.align = align;
    }

    /** The alignment direct I/O needs here: the file system's block size. */
    int align() {
        return align;
    }

    /** A cleared buffer of {@link #SIZE} bytes at an aligned address, or null when all are in use. */
    ByteBuffer take() {
        if (handedOut.incrementAndGet() > MAX_IN_USE) {
            handedOut.decrementAndGet();
            return null;
        }
        ByteBuffer b = free.poll();
        return b != null ? b.clear()
                : ByteBuffer.allocateDirect(SIZE + align).alignedSlice(align).limit(SIZE).slice();
    }

    void give(ByteBuffer b) {
        if (b != null) {
            free.offer(b.clear());
            handedOut.decrementAndGet();
        }
    }
}
