package io.berth.http;

import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.util.thread.Scheduler;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.function.LongConsumer;

/**
 * A socket end point that sends one registered buffer — a memory map of a file region — with
 * {@link FileChannel#transferTo} ({@code sendfile}) instead of writing its memory. Jetty hands the
 * response body down unchanged on HTTP/1.1, so the buffer that reaches {@link #flush} is the very one
 * registered; its position is advanced as the kernel sends, which is all Jetty's write loop and
 * Content-Length accounting look at. Any other buffer is written as usual. Because the buffer really
 * maps the file, a layer that read it instead would still send the right bytes.
 */
final class SendfileEndPoint extends SocketChannelEndPoint {
    /** A mapped window of {@code file} starting at {@code filePosition}, registered for one response. */
    record Region(ByteBuffer buffer, FileChannel file, long filePosition) {
    }

    private final LongConsumer sentBytes;
    private volatile Region region;

    SendfileEndPoint(SocketChannel channel, ManagedSelector selector, SelectionKey key, Scheduler scheduler, LongConsumer sentBytes) {
        super(channel, selector, key, scheduler);
        this.sentBytes = sentBytes;
    }

    void expect(Region r) {
        region = r;
    }

    void forget(Region r) {
        if (region == r) {
            region = null;
        }
    }

    @Override
    public boolean flush(ByteBuffer... buffers) throws IOException {
        Region r = region;
        if (r == null || !holds(buffers, r.buffer())) {
            return super.flush(buffers);
        }
        for (ByteBuffer b : buffers) {
            if (b == r.buffer()) {
                if (!transfer(r)) {
                    return false;
                }
            } else if (b != null && b.hasRemaining() && !super.flush(b)) {
                return false;
            }
        }
        return true;
    }

    /** Sends what remains of the region; false when the socket is full (Jetty waits until it is writable). */
    private boolean transfer(Region r) throws IOException {
        ByteBuffer b = r.buffer();
        while (b.hasRemaining()) {
            long sent;
            try {
                sent = r.file().transferTo(r.filePosition() + b.position(), b.remaining(), getChannel());
            } catch (IOException e) {
                throw new EofException(e);
            }
            if (sent <= 0) {
                return false;
            }
            b.position(b.position() + (int) sent);
            sentBytes.accept(sent);
            notIdle();
        }
        return true;
    }

    private static boolean holds(ByteBuffer[] buffers, ByteBuffer target) {
        for (ByteBuffer b : buffers) {
            if (b == target) {
                return true;
            }
        }
        return false;
    }
}
