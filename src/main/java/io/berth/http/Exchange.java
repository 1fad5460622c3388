package io.berth.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.events.RegistryEvent;
import io.berth.oci.Digest;
import io.berth.registry.BodySource;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/** One request and its response, with the helpers every resource handler needs. */
final class Exchange {
    static final ObjectMapper JSON = new ObjectMapper();

    final Request request;
    final Response response;
    final Callback callback;
    final String method;
    private Fields query;
    /** Body bytes read so far, for metrics and the access log. */
    long bytesRead;
    /** Who is calling (set by the Guard; anonymous when authentication is off). */
    io.berth.auth.Caller caller = io.berth.auth.Caller.ANONYMOUS;
    /** What this request may make the core do (set by Api from the caller's rights). */
    io.berth.registry.Access access = io.berth.registry.Access.FETCH_ALLOWED;
    /** What the request made the registry do, recorded by its handler; Api publishes it as a RegistryEvent. */
    Happened happened;
    /** True once the body was read to its end: the connection can then be reused after any answer. */
    boolean bodyDone;
    /** True when reading the body failed: what follows it on the connection cannot be trusted. */
    private boolean bodyBroken;

    Exchange(Request request, Response response, Callback callback) {
        this.request = request;
        this.response = response;
        this.callback = callback;
        this.method = request.getMethod();
    }

    /** The part of a {@link io.berth.events.RegistryEvent} a handler knows; Api adds who asked and how. */
    record Happened(RegistryEvent.Action action, RegistryEvent.Target target,
                    Digest digest, String mediaType, long size, String tag, String from) {
    }

    void happened(RegistryEvent.Action action, RegistryEvent.Target target,
                  Digest digest, String mediaType, long size, String tag, String from) {
        this.happened = new Happened(action, target, digest, mediaType, size, tag, from);
    }

    boolean isHead() {
        return "HEAD".equals(method);
    }

    String header(HttpHeader h) {
        return request.getHeaders().get(h);
    }

    String header(String name) {
        return request.getHeaders().get(name);
    }

    /** A query parameter, or null. Malformed query strings are the client's error. */
    String query(String name) {
        if (query == null) {
            try {
                query = Request.extractQueryParameters(request);
            } catch (RuntimeException e) {
                throw new RegistryException(ErrorCode.BAD_REQUEST, "malformed query string");
            }
        }
        Fields.Field f = query.get(name);
        return f == null ? null : f.getValue();
    }

    boolean hasQuery(String name) {
        query(name);
        return query.get(name) != null;
    }

    void setHeader(String name, String value) {
        response.getHeaders().put(name, value);
    }

    void setHeader(HttpHeader h, String value) {
        response.getHeaders().put(h, value);
    }

    /** Completes with no body. Content-Length 0 unless a handler set it (HEAD answers carry the real size). */
    void sendEmpty(int status) {
        response.setStatus(status);
        if (!response.getHeaders().contains(HttpHeader.CONTENT_LENGTH)) {
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 0L);
        }
        response.write(true, null, callback);
    }

    void sendBytes(int status, String contentType, byte[] body) {
        response.setStatus(status);
        if (contentType != null) {
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        }
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, (long) body.length);
        response.write(true, isHead() ? null : ByteBuffer.wrap(body), callback);
    }

    void sendJson(int status, Object body) {
        try {
            sendBytes(status, "application/json", JSON.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads the whole (small) body, refusing more than {@code limit} bytes. */
    byte[] readBody(int limit, RegistryException tooLarge) {
        long declared = request.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
        if (declared > limit) {
            throw tooLarge;
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(declared > 0 ? (int) declared : 1024);
        body().forEachChunk(buf -> {
            if (out.size() + buf.remaining() > limit) {
                throw tooLarge;
            }
            byte[] b = new byte[buf.remaining()];
            buf.get(b);
            out.writeBytes(b);
        });
        return out.toByteArray();
    }

    /** The request body as chunks, read with blocking waits (handlers run on virtual threads). */
    BodySource body() {
        return consumer -> {
            while (true) {
                Content.Chunk chunk = request.read();
                if (chunk == null) {
                    CompletableFuture<Void> ready = new CompletableFuture<>();
                    request.demand(() -> ready.complete(null));
                    ready.join();
                    continue;
                }
                try {
                    if (Content.Chunk.isFailure(chunk)) {
                        throw brokenBody(chunk.getFailure());
                    }
                    if (chunk.hasRemaining()) {
                        bytesRead += chunk.remaining();
                        consumer.accept(chunk.getByteBuffer());
                    }
                    if (chunk.isLast()) {
                        bodyDone = true;
                        return;
                    }
                } finally {
                    chunk.release();
                }
            }
        };
    }

    /**
     * Before answering early (an error before the body was read): a small body is drained so the
     * connection stays usable; a large or unsized one is not worth reading, so the connection is closed.
     */
    void settleUnreadBody() {
        if (bodyDone) {
            return;
        }
        if (bodyBroken) {
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
            return;
        }
        long length = request.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
        boolean chunked = request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING);
        if (length == 0 || (length < 0 && !chunked)) {
            return;
        }
        if (length > 0 && length <= DRAIN_LIMIT && !request.getHeaders().contains(HttpHeader.EXPECT)) {
            try {
                body().forEachChunk(b -> b.position(b.limit()));
                return;
            } catch (RuntimeException e) {
                // fall through: close instead
            }
        }
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
    }

    private static final long DRAIN_LIMIT = 1024 * 1024;

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /**
     * A body that could not be read to its end is the client's fault, whatever Jetty saw: an early EOF
     * (fewer bytes than Content-Length, a chunked body cut off), bad chunk framing, a stalled or reset
     * connection. It is a 400 (a client that half-closed still reads it; one that left never does), and
     * the connection closes after it, as its framing is lost. An upload session keeps the bytes that did
     * arrive and rebuilds its offset from them, so the Range it reports is where the next chunk lands.
     */
    private RegistryException brokenBody(Throwable failure) {
        bodyBroken = true;
        // Jetty reports a framing error found after the headers as an early EOF too: one message for both.
        String why = failure instanceof EofException || failure instanceof java.util.concurrent.TimeoutException
                ? "the request body was cut short or badly framed (fewer bytes than its Content-Length, or broken chunked encoding)"
                : "the request body could not be read: " + reason(failure);
        return new RegistryException(ErrorCode.BAD_REQUEST, why);
    }

    /** Jetty's short reason for a framing error ("Bad chunking"), never a class name or a trace. */
    private static String reason(Throwable failure) {
        String m = failure instanceof HttpException h && h.getReason() != null ? h.getReason() : failure.getMessage();
        return m == null || m.isBlank() ? "broken framing" : (m.length() > 100 ? m.substring(0, 100) + "…" : m);
    }
}
