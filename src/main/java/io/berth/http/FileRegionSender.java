package io.berth.http;

import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.util.Callback;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Sends a file region as a response body with {@code sendfile(2)} where the connection allows it: plain
 * HTTP/1.x on a {@link SendfileConnector} (TLS must encrypt in user space, and HTTP/2 frames the bytes
 * itself, so those keep Jetty's buffered copy). The region is handed to Jetty as read-only memory maps
 * of at most {@link #window} bytes — never touched by Berth, so they add nothing to its resident memory —
 * which {@link SendfileEndPoint} recognises and sends from the page cache.
 */
final class FileRegionSender {
    /** Below this a buffered copy costs no more than setting up a map. */
    static final long MIN_LENGTH = 128 * 1024;
    /** A ByteBuffer holds at most 2 GiB; larger blobs go as several windows (tests make them smaller). */
    static volatile long window = 1L << 30;

    private final Exchange ex;
    private final SendfileEndPoint endPoint;
    private final FileChannel file;
    private final Callback done;

    private FileRegionSender(Exchange ex, SendfileEndPoint endPoint, FileChannel file, Callback done) {
        this.ex = ex;
        this.endPoint = endPoint;
        this.file = file;
        this.done = done;
    }

    /**
     * Starts sending {@code length} bytes of {@code path} from {@code start}, completing {@code done};
     * false (nothing sent) when this connection or file cannot take the zero-copy path.
     */
    static boolean trySend(Exchange ex, Path path, long start, long length, Callback done) {
        if (length < MIN_LENGTH) {
            return false;
        }
        ConnectionMetaData meta = ex.request.getConnectionMetaData();
        HttpVersion version = meta.getHttpVersion();
        if (meta.isSecure() || (version != HttpVersion.HTTP_1_1 && version != HttpVersion.HTTP_1_0)
                || !(meta.getConnection().getEndPoint() instanceof SendfileEndPoint endPoint)) {
            return false;
        }
        FileChannel file = null;
        SendfileEndPoint.Region first;
        try {
            file = FileChannel.open(path, StandardOpenOption.READ);
            if (file.size() < start + length) { // cannot happen to a stored blob; the buffered path reports it
                file.close();
                return false;
            }
            first = map(file, start, Math.min(length, window));
        } catch (IOException | RuntimeException e) { // a file system without maps, say: copy instead
            closeQuietly(file);
            return false;
        }
        new FileRegionSender(ex, endPoint, file, done).send(first, start, length);
        return true;
    }

    private static SendfileEndPoint.Region map(FileChannel file, long position, long size) throws IOException {
        MappedByteBuffer window = file.map(FileChannel.MapMode.READ_ONLY, position, size);
        return new SendfileEndPoint.Region(window, file, position);
    }

    /** Sends {@code region} (the window at {@code position}), then the windows after it, up to {@code remaining}. */
    private void send(SendfileEndPoint.Region region, long position, long remaining) {
        long size = region.buffer().remaining();
        boolean last = size == remaining;
        endPoint.expect(region);
        ex.response.write(last, region.buffer(), Callback.from(() -> {
            endPoint.forget(region);
            if (last) {
                finish(null);
                return;
            }
            long next = position + size;
            try {
                send(map(file, next, Math.min(remaining - size, window)), next, remaining - size);
            } catch (IOException | RuntimeException e) {
                finish(e);
            }
        }, failure -> {
            endPoint.forget(region);
            finish(failure);
        }));
    }

    private void finish(Throwable failure) {
        closeQuietly(file);
        if (failure == null) {
            done.succeeded();
        } else {
            done.failed(failure);
        }
    }

    private static void closeQuietly(FileChannel file) {
        if (file == null) {
            return;
        }
        try {
            file.close();
        } catch (IOException ignored) {
            // read-only: nothing to lose
        }
    }
}
