package io.berth.server;

import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.OptionalSslConnectionFactory;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The first factory of the TLS connector: TLS goes on to the handshake; a plain HTTP request gets Go's (and
 * so registry:2's) answer instead of a dropped connection, so that `curl http://` on the TLS port says
 * what is wrong. Other bytes close the connection, as Go does.
 */
final class PlainHttpOnTlsPort extends OptionalSslConnectionFactory {
    private static final byte[] ANSWER = "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n"
            .getBytes(StandardCharsets.US_ASCII);
    /** Go's tlsRecordHeaderLooksLikeHTTP: the five bytes a TLS record header would occupy. */
    private static final List<String> HTTP_STARTS = List.of("GET /", "HEAD ", "POST ", "PUT /", "OPTIO");

    PlainHttpOnTlsPort(SslConnectionFactory ssl) {
        super(ssl, null);
    }

    @Override
    protected void otherProtocol(ByteBuffer buffer, EndPoint endPoint) {
        if (looksLikeHttp(buffer)) {
            endPoint.write(Callback.from(endPoint::close, x -> endPoint.close()), ByteBuffer.wrap(ANSWER));
        } else {
            endPoint.close();
        }
    }

    private static boolean looksLikeHttp(ByteBuffer buffer) {
        int n = Math.min(5, buffer.remaining());
        byte[] start = new byte[n];
        buffer.duplicate().get(start);
        String s = new String(start, StandardCharsets.ISO_8859_1);
        return n >= 2 && HTTP_STARTS.stream().anyMatch(h -> h.startsWith(s));
    }
}
