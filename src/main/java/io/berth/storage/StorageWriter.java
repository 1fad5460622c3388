package io.berth.storage;

import java.nio.ByteBuffer;

/**
 * Streams bytes into an object. {@link #commit()} makes what was written durable; {@link #cancel()}
 * discards it; {@link #close()} without either keeps the partial object so a later writer can append.
 * After commit, cancel or close, the writer takes no more bytes ({@link IllegalStateException}); close
 * is then a no-op.
 */
public interface StorageWriter extends AutoCloseable {

    /** Writes all remaining bytes of the buffer. */
    void write(ByteBuffer buffer);

    /** Bytes in the object so far, including those written before this writer was opened. */
    long size();

    /** Flushes and makes the content durable (fsync on disks, completes multipart uploads on object stores). */
    void commit();

    /** Discards the object. */
    void cancel();

    @Override
    void close();
}
