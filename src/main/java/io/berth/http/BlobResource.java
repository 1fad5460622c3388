package io.berth.http;

import io.berth.events.RegistryEvent.Action;
import io.berth.events.RegistryEvent.Target;
import io.berth.registry.BlobContent;
import io.berth.oci.Digest;
import io.berth.oci.ErrorCode;
import io.berth.registry.Registry;
import io.berth.oci.RegistryException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.Callback;

import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GET, HEAD and DELETE of /v2/&lt;name&gt;/blobs/&lt;digest&gt;, with single byte ranges for resumed pulls.
 * With redirects on (registry:2's {@code storage.redirect}), a GET of a blob in an object store is
 * answered 307 to a short-lived signed URL, so the bytes flow from the store, not through Berth.
 */
final class BlobResource {
    private static final String OCTET_STREAM = "application/octet-stream";
    private static final Pattern SINGLE_RANGE = Pattern.compile("^bytes=(\\d*)-(\\d*)$");
    /** registry:2's lifetime for redirect URLs: long enough for a slow pull to start, short enough to leak little. */
    static final Duration REDIRECT_LIFETIME = Duration.ofMinutes(20);

    private final Registry registry;
    private final ByteBufferPool.Sized buffers;
    private final Metrics metrics;
    private final boolean redirects;

    BlobResource(Registry registry, ByteBufferPool pool, Metrics metrics, boolean redirects) {
        this.registry = registry;
        this.buffers = new ByteBufferPool.Sized(pool, true, 128 * 1024);
        this.metrics = metrics;
        this.redirects = redirects;
    }

    void handle(Exchange ex, Route route) {
        Digest digest = Digest.parse(route.reference());
        switch (ex.method) {
            case "GET", "HEAD" -> get(ex, route.repository(), digest);
            case "DELETE" -> {
                registry.deleteBlob(route.repository(), digest);
                ex.happened(Action.DELETE, Target.BLOB, digest, OCTET_STREAM, -1, null, null);
                ex.sendEmpty(202);
            }
            default -> throw Api.methodNotAllowed(ex);
        }
    }

    private void get(Exchange ex, String repository, Digest digest) {
        BlobContent blob = registry.blob(repository, digest, ex.access);
        String etag = "\"" + digest + "\"";
        ex.setHeader("Docker-Content-Digest", digest.toString());
        if (redirect(ex, blob, etag)) {
            return;
        }
        ex.setHeader(HttpHeader.ETAG, etag);
        ex.setHeader(HttpHeader.ACCEPT_RANGES, "bytes");
        ex.setHeader(HttpHeader.CACHE_CONTROL, "max-age=31536000");
        ex.setHeader(HttpHeader.CONTENT_TYPE, OCTET_STREAM);
        if (etag.equals(ex.header(HttpHeader.IF_NONE_MATCH))) {
            ex.sendEmpty(304);
            return;
        }
        long size = blob.size();
        long start = 0;
        long length = size;
        int status = 200;
        String range = ex.header(HttpHeader.RANGE);
        if (range != null) {
            Matcher m = SINGLE_RANGE.matcher(range.trim());
            if (m.matches() && !(m.group(1).isEmpty() && m.group(2).isEmpty())) {
                long[] r = resolveRange(m.group(1), m.group(2), size);
                if (r == null) {
                    ex.setHeader(HttpHeader.CONTENT_RANGE, "bytes */" + size);
                    throw new RegistryException(ErrorCode.RANGE_INVALID, "range " + range + " is outside the blob's " + size + " bytes");
                }
                start = r[0];
                length = r[1] - r[0] + 1;
                status = 206;
                ex.setHeader(HttpHeader.CONTENT_RANGE, "bytes " + r[0] + "-" + r[1] + "/" + size);
            }
            // Multiple ranges or other units: RFC 9110 lets a server ignore Range and send it all.
        }
        ex.response.setStatus(status);
        ex.response.getHeaders().put(HttpHeader.CONTENT_LENGTH, length);
        if (ex.isHead()) {
            ex.response.write(true, null, ex.callback);
            return;
        }
        if (status == 200) { // a resumed pull (206) is the same pull continuing
            ex.happened(Action.PULL, Target.BLOB, digest, OCTET_STREAM, size, null, null);
        }
        send(ex, blob, start, length);
    }

    /**
     * Answers a GET with 307 to the store's signed URL when redirects are on and the driver can sign.
     * Only stored blobs qualify: manifests (inline), local files and blobs still being fetched from an
     * upstream are served here. As registry:2 does, a Range request is redirected too (clients resend
     * Range to the store, which answers 206). HEAD is answered here, from metadata, so it costs no
     * round trip to the store.
     */
    private boolean redirect(Exchange ex, BlobContent blob, String etag) {
        if (!redirects || ex.isHead() || !(blob instanceof BlobContent.Stored stored)
                || etag.equals(ex.header(HttpHeader.IF_NONE_MATCH))) {
            return false;
        }
        Optional<URI> url = stored.redirect(REDIRECT_LIFETIME);
        if (url.isEmpty()) {
            return false;
        }
        ex.setHeader(HttpHeader.LOCATION, url.get().toString());
        ex.setHeader(HttpHeader.CACHE_CONTROL, "no-store"); // the URL expires; never cache the redirect itself
        ex.happened(Action.PULL, Target.BLOB, stored.digest(), OCTET_STREAM, blob.size(), null, null);
        ex.sendEmpty(307);
        return true;
    }

    /** [first, last] inclusive, or null when unsatisfiable. */
    private static long[] resolveRange(String first, String last, long size) {
        try {
            if (first.isEmpty()) {
                long suffix = Long.parseLong(last);
                if (suffix == 0 || size == 0) {
                    return null;
                }
                return new long[]{Math.max(0, size - suffix), size - 1};
            }
            long a = Long.parseLong(first);
            long b = last.isEmpty() ? size - 1 : Math.min(Long.parseLong(last), size - 1);
            if (a >= size || b < a) {
                return null;
            }
            return new long[]{a, b};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * The blob's bytes failed before any reached the client (a cache fill the upstream answered with
     * wrong bytes, a store that stopped answering): a spec error the client can retry, not Jetty's 500.
     * Once bytes were sent, only cutting the connection tells the client.
     */
    private static void failed(Exchange ex, Throwable failure) {
        if (ex.response.isCommitted()) {
            ex.callback.failed(failure);
            return;
        }
        ex.response.getHeaders().remove(HttpHeader.CONTENT_LENGTH);
        Api.sendError(ex, new RegistryException(ErrorCode.UNAVAILABLE, "the blob could not be read; try again shortly"));
    }

    private void send(Exchange ex, BlobContent blob, long start, long length) {
        long began = System.nanoTime();
        Callback done = Callback.from(() -> {
            metrics.pulled(length, System.nanoTime() - began);
            ex.callback.succeeded();
        }, failure -> failed(ex, failure));
        switch (blob) {
            case BlobContent.LocalFile f -> {
                if (FileRegionSender.trySend(ex, f.path(), start, length, done)) {
                    return; // sendfile: page cache to socket, no copy through Berth
                }
                // TLS, HTTP/2 or small: pooled direct buffers, never through the Java heap.
                Content.copy(Content.Source.from(buffers, f.path(), start, length), ex.response, done);
            }
            case BlobContent.Stored o -> Content.copy(Content.Source.from(buffers, o.open(start), 0, length), ex.response, done);
            case BlobContent.Inline i -> ex.response.write(true, ByteBuffer.wrap(i.bytes(), (int) start, (int) length), done);
            case BlobContent.Filling f -> Content.copy(Content.Source.from(buffers, f.open(start), 0, length), ex.response, done);
        }
    }
}
