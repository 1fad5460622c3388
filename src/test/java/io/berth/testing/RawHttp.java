package io.berth.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * HTTP/1.1 over a plain socket, byte for byte as written: java.net.http normalises or refuses odd
 * paths and never sends broken framing, so tests of those need the request line and body verbatim.
 */
public final class RawHttp {
    private RawHttp() {
    }

    /** What came back: the status (0 when the server closed without answering), head and body as text. */
    public record Answer(int status, String head, String body) {
        public String header(String name) {
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            return null;
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    /**
     * Writes {@code request}, optionally half-closes (the client says it has nothing more to send), and
     * reads until the server closes. Requests should carry "Connection: close" unless they are meant to
     * be cut short by the server.
     */
    public static Answer send(int port, String request, boolean halfClose) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            if (halfClose) {
                s.shutdownOutput();
            }
            return parse(readAll(s.getInputStream()));
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server neither answered nor closed the connection: " + request.lines().findFirst().orElse(""));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A request with Connection: close, the given headers ("Name: value" lines) and body. */
    public static String request(String method, String target, String authorization, String body, String... headers) {
        StringBuilder b = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
        if (authorization != null) {
            b.append("Authorization: ").append(authorization).append("\r\n");
        }
        for (String h : headers) {
            b.append(h).append("\r\n");
        }
        return b.append("\r\n").append(body == null ? "" : body).toString();
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try {
            for (int n; (n = in.read(buf)) > 0; ) {
                out.write(buf, 0, n);
            }
        } catch (java.net.SocketException reset) {
            // a reset after (or instead of) an answer: keep what arrived
        }
        return out.toByteArray();
    }

    private static Answer parse(byte[] bytes) {
        String all = new String(bytes, StandardCharsets.ISO_8859_1);
        if (!all.startsWith("HTTP/")) {
            return new Answer(0, "", all);
        }
        int end = all.indexOf("\r\n\r\n");
        String head = end < 0 ? all : all.substring(0, end);
        String body = end < 0 ? "" : all.substring(end + 4);
        int status = Integer.parseInt(head.substring(9, 12));
        return new Answer(status, head, body);
    }
}
