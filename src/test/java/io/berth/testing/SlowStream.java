package io.berth.testing;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.CountDownLatch;

/** A request body that trickles: {@code chunk} bytes every {@code delayMillis}, for in-flight tests. */
public final class SlowStream extends InputStream {
    private final byte[] data;
    private final int chunk;
    private final long delayMillis;
    private final CountDownLatch started;
    private int pos;

    public SlowStream(byte[] data, int chunk, long delayMillis, CountDownLatch started) {
        this.data = data;
        this.chunk = chunk;
        this.delayMillis = delayMillis;
        this.started = started;
    }

    @Override
    public int read() {
        throw new UnsupportedOperationException("read in chunks");
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (pos >= data.length) {
            return -1;
        }
        started.countDown();
        try {
            Thread.sleep(delayMillis);
        } catch (InterruptedException e) {
            throw new IOException(e);
        }
        int n = Math.min(Math.min(len, chunk), data.length - pos);
        System.arraycopy(data, pos, b, off, n);
        pos += n;
        return n;
    }
}
