package io.berth.ui;

import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.Utf8ByteOutput;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.Map;

/**
 * The web interface, for browsers, on the registry's own port: every path that the registry API
 * ({@code /v2/}), the admin API ({@code /api/v1/}), the token endpoint and the health and metrics
 * endpoints do not claim. Pages are rendered on the server from compiled templates (src/main/jte);
 * the one script of its own and the vendored htmx only enhance them.
 */
public final class WebUi extends Handler.Abstract {
    private static final Logger LOG = LoggerFactory.getLogger(WebUi.class);
    /**
     * No inline script or style, nothing from elsewhere, no framing: an injected string can neither run
     * nor restyle the page, and the UI cannot be clickjacked.
     */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private final Assets assets = new Assets();
    private final TemplateEngine templates = TemplateEngine.createPrecompiled(null, ContentType.Html, null, "io.berth.ui");

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String path = Request.getPathInContext(request);
        securityHeaders(response);
        try {
            if (path.startsWith(Assets.PREFIX)) {
                asset(request, response, callback, path);
                return true;
            }
            Page page = new Page("Not found", "", null, "", assets, null);
            render(response, callback, 404, "notfound.jte", Map.of("page", page, "message", "There is no page at this address."));
        } catch (RuntimeException e) {
            LOG.error("{} {} failed", request.getMethod(), path, e);
            send(response, callback, 500, "text/plain; charset=utf-8", "internal error; see the server log\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        return true;
    }

    private static void securityHeaders(Response response) {
        var h = response.getHeaders();
        h.put("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        h.put("X-Content-Type-Options", "nosniff");
        h.put("X-Frame-Options", "DENY");
        h.put("Referrer-Policy", "same-origin");
        h.put("Cross-Origin-Opener-Policy", "same-origin");
    }

    private void asset(Request request, Response response, Callback callback, String path) {
        Assets.Asset a = assets.find(path);
        if (a == null) {
            send(response, callback, 404, "text/plain; charset=utf-8", "no such file\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return;
        }
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "public, max-age=31536000, immutable");
        response.getHeaders().put(HttpHeader.ETAG, a.etag());
        if (a.etag().equals(request.getHeaders().get(HttpHeader.IF_NONE_MATCH))) {
            response.setStatus(304);
            response.write(true, null, callback);
            return;
        }
        send(response, callback, 200, a.contentType(), "HEAD".equals(request.getMethod()) ? null : a.bytes());
    }

    void render(Response response, Callback callback, int status, String template, Map<String, Object> params) {
        Utf8ByteOutput out = new Utf8ByteOutput();
        templates.render(template, params, out);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        byte[] body = new byte[out.getContentLength()];
        ByteBuffer buf = ByteBuffer.wrap(body);
        try {
            out.writeTo((data, offset, length) -> buf.put(data, offset, length)); // copied once: pages are small
        } catch (java.io.IOException impossible) { // the consumer above cannot fail
            throw new java.io.UncheckedIOException(impossible);
        }
        send(response, callback, status, "text/html; charset=utf-8", body);
    }

    private static void send(Response response, Callback callback, int status, String contentType, byte[] body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        if (body != null) {
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        }
        response.write(true, body == null ? null : ByteBuffer.wrap(body), callback);
    }
}
