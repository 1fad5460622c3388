package io.berth.bench;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A minimal HTTP/1.1 client connection on a blocking socket channel: keep-alive, Content-Length and chunked
 * bodies, direct buffers (bodies are not copied into the heap unless asked), request heads built once.
 */
final class Conn implements Closeable {
    final InetSocketAddress address;
    SocketChannel ch;
    final ByteBuffer in = ByteBuffer.allocateDirect(256 * 1024);
    int status;
    long contentLength;
    boolean chunked;
    boolean close;
    String location;
    String link;
    /** The name=value of the last Set-Cookie header of the last answer (attributes cut), or null. */
    String setCookie;
    /** The Server-Timing header of the last answer (Berth's web interface, for admins), or null. */
    String serverTiming;
    byte[] body;
    long bodyBytes;

    Conn(InetSocketAddress address) throws IOException {
        this.address = address;
        open();
    }

    void open() throws IOException {
        ch = SocketChannel.open(address);
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        in.clear().flip();
    }

    void reconnect() {
        try {
            ch.close();
        } catch (IOException ignored) {
            // reopening anyway
        }
        try {
            open();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            ch.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    /** A request head (and Content-Length when {@code length >= 0}) as a direct buffer. */
    static ByteBuffer request(String method, String target, Server s, long length, String... headers) {
        StringBuilder b = new StringBuilder(256).append(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1:")
                .append(s.port).append("\r\nUser-Agent: berth-bench\r\n");
        if (s.authorization != null) {
            b.append("Authorization: ").append(s.authorization).append("\r\n");
        }
        for (String h : headers) {
            b.append(h).append("\r\n");
        }
        if (length >= 0) {
            b.append("Content-Length: ").append(length).append("\r\n");
        }
        byte[] bytes = b.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
        return ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
    }

    /** Sends a request and reads the whole answer; returns the status. The body is kept when asked. */
    int exchange(ByteBuffer head, ByteBuffer payload, boolean isHead, boolean keep) throws IOException {
        try {
            send(head.duplicate(), payload == null ? null : payload.duplicate());
            readHead();
            readBody(isHead, keep);
        } catch (IOException | RuntimeException e) {
            reconnect();
            throw e;
        }
        if (close) {
            reconnect();
        }
        return status;
    }

    void send(ByteBuffer head, ByteBuffer payload) throws IOException {
        if (payload == null) {
            while (head.hasRemaining()) {
                ch.write(head);
            }
            return;
        }
        ByteBuffer[] both = {head, payload};
        while (head.hasRemaining() || payload.hasRemaining()) {
            ch.write(both);
        }
    }

    private void fill() throws IOException {
        in.compact();
        int n = ch.read(in);
        in.flip();
        if (n < 0) {
            throw new EOFException("server closed the connection");
        }
    }

    void readHead() throws IOException {
        int scanned = 0;
        int end;
        while (true) {
            end = -1;
            int p = in.position();
            for (int i = p + Math.max(0, scanned - 3); i + 3 < in.limit(); i++) {
                if (in.get(i) == '\r' && in.get(i + 1) == '\n' && in.get(i + 2) == '\r' && in.get(i + 3) == '\n') {
                    end = i + 4;
                    break;
                }
            }
            if (end >= 0) {
                break;
            }
            scanned = in.remaining();
            if (scanned > 64 * 1024) {
                throw new IOException("response head too large");
            }
            fill();
        }
        byte[] h = new byte[end - in.position()];
        in.get(h);
        String text = new String(h, StandardCharsets.ISO_8859_1);
        status = Integer.parseInt(text.substring(9, 12));
        contentLength = -1;
        chunked = false;
        close = false;
        location = null;
        link = null;
        setCookie = null;
        serverTiming = null;
        int from = text.indexOf("\r\n") + 2;
        while (from < text.length() - 2) {
            int eol = text.indexOf("\r\n", from);
            int colon = text.indexOf(':', from);
            if (colon > 0 && colon < eol) {
                String name = text.substring(from, colon).toLowerCase(Locale.ROOT);
                String value = text.substring(colon + 1, eol).trim();
                switch (name) {
                    case "content-length" -> contentLength = Long.parseLong(value);
                    case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                    case "connection" -> close = value.equalsIgnoreCase("close");
                    case "location" -> location = value;
                    case "link" -> link = value;
                    case "server-timing" -> serverTiming = value;
                    case "set-cookie" -> setCookie = value.indexOf(';') < 0 ? value : value.substring(0, value.indexOf(';'));
                    default -> {
                    }
                }
            }
            from = eol + 2;
        }
    }

    void readBody(boolean isHead, boolean keep) throws IOException {
        body = null;
        bodyBytes = 0;
        if (isHead || status == 204 || status == 304 || status < 200) {
            return;
        }
        java.io.ByteArrayOutputStream out = keep ? new java.io.ByteArrayOutputStream() : null;
        if (chunked) {
            while (true) {
                String line = readLine();
                int semi = line.indexOf(';');
                long size = Long.parseLong((semi >= 0 ? line.substring(0, semi) : line).trim(), 16);
                if (size == 0) {
                    while (!readLine().isEmpty()) {
                        // trailers
                    }
                    break;
                }
                consume(size, out);
                readLine();
            }
        } else if (contentLength >= 0) {
            consume(contentLength, out);
        } else {
            close = true;
            try {
                consume(Long.MAX_VALUE, out);
            } catch (EOFException end) {
                // body delimited by the end of the connection
            }
        }
        if (out != null) {
            body = out.toByteArray();
        }
    }

    private void consume(long n, java.io.ByteArrayOutputStream out) throws IOException {
        byte[] tmp = out == null ? null : new byte[8192];
        while (n > 0) {
            if (!in.hasRemaining()) {
                fill();
            }
            int k = (int) Math.min(n, in.remaining());
            if (out != null) {
                int left = k;
                while (left > 0) {
                    int m = Math.min(left, tmp.length);
                    in.get(tmp, 0, m);
                    out.write(tmp, 0, m);
                    left -= m;
                }
            } else {
                in.position(in.position() + k);
            }
            bodyBytes += k;
            n -= k;
        }
    }

    private String readLine() throws IOException {
        StringBuilder b = new StringBuilder();
        while (true) {
            if (!in.hasRemaining()) {
                fill();
            }
            char c = (char) (in.get() & 0xff);
            if (c == '\n') {
                int len = b.length();
                return len > 0 && b.charAt(len - 1) == '\r' ? b.substring(0, len - 1) : b.toString();
            }
            b.append(c);
            if (b.length() > 8192) {
                throw new IOException("line too long");
            }
        }
    }

    /**
     * GETs a blob and reads it until the deadline, adding what arrives to {@code bytes}. True when the
     * whole body arrived or the deadline cut it (the connection is then closed and reopened); false on
     * an unexpected answer.
     */
    boolean pull(ByteBuffer head, long deadline, AtomicLong bytes) throws IOException {
        send(head.duplicate(), null);
        readHead();
        if (status != 200 || contentLength < 0) {
            readBody(false, false);
            return false;
        }
        long left = contentLength;
        long local = 0;
        while (left > 0) {
            if (!in.hasRemaining()) {
                if (System.nanoTime() >= deadline) {
                    bytes.addAndGet(local);
                    reconnect();
                    return true; // cut by the end of the run, not an error
                }
                in.clear();
                int n = ch.read(in);
                in.flip();
                if (n < 0) {
                    throw new EOFException("server closed the connection");
                }
            }
            int k = (int) Math.min(left, in.remaining());
            in.position(in.position() + k);
            local += k;
            left -= k;
        }
        bytes.addAndGet(local);
        return true;
    }

    /** The path (and query) of a Location header, which distribution gives as an absolute URL. */
    static String pathOf(String location) {
        if (location == null) {
            throw new IllegalStateException("no Location header");
        }
        if (location.startsWith("http://") || location.startsWith("https://")) {
            int slash = location.indexOf('/', location.indexOf("//") + 2);
            return slash < 0 ? "/" : location.substring(slash);
        }
        return location;
    }

    static String withQuery(String path, String param) {
        return path + (path.indexOf('?') >= 0 ? "&" : "?") + param;
    }
}
