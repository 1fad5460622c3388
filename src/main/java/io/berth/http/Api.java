package io.berth.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.berth.metadata.MetadataUnavailableException;
import io.berth.registry.ErrorCode;
import io.berth.registry.Registry;
import io.berth.registry.RegistryException;
import io.berth.storage.StorageException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Distribution API under /v2: routes each request to the handler of its resource and turns
 * failures into the spec's JSON errors. Runs on virtual threads, so handlers block freely.
 */
public final class Api extends Handler.Abstract {
    private static final Logger LOG = LoggerFactory.getLogger(Api.class);

    private final ListingResource listings;
    private final ManifestResource manifests;
    private final BlobResource blobs;
    private final UploadResource uploads;
    private final Metrics metrics;

    public Api(Registry registry, Metrics metrics, org.eclipse.jetty.io.ByteBufferPool pool) {
        this.metrics = metrics;
        this.listings = new ListingResource(registry);
        this.manifests = new ManifestResource(registry);
        this.blobs = new BlobResource(registry, pool, metrics);
        this.uploads = new UploadResource(registry, metrics);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String path = Request.getPathInContext(request);
        if (!path.startsWith("/v2")) {
            return false;
        }
        Exchange ex = new Exchange(request, response, callback);
        response.getHeaders().put("Docker-Distribution-API-Version", "registry/2.0");
        String label = "unknown";
        long began = System.nanoTime();
        try {
            Route route = Route.match(path);
            if (route == null) {
                throw Route.notFound(path);
            }
            label = route.label();
            dispatch(ex, route);
        } catch (RegistryException e) {
            sendError(ex, e);
        } catch (Exchange.ClientGoneException e) {
            LOG.debug("client went away during {} {}: {}", ex.method, path, e.getMessage());
            callback.failed(e);
        } catch (StorageException | MetadataUnavailableException e) {
            LOG.warn("{} {} failed: {}", ex.method, path, e.getMessage());
            sendError(ex, new RegistryException(ErrorCode.UNAVAILABLE, "storage or database is unavailable; try again shortly"));
        } catch (RuntimeException e) {
            LOG.error("{} {} failed", ex.method, path, e);
            sendError(ex, new RegistryException(ErrorCode.INTERNAL, "internal error; see the server log"));
        } finally {
            metrics.request(label, ex.method, response.getStatus(), System.nanoTime() - began);
        }
        return true;
    }

    private void dispatch(Exchange ex, Route route) {
        switch (route.kind()) {
            case BASE -> listings.base(ex);
            case CATALOG -> listings.catalog(ex);
            case TAGS -> listings.tags(ex, route);
            case REFERRERS -> listings.referrers(ex, route);
            case MANIFEST -> manifests.handle(ex, route);
            case BLOB -> blobs.handle(ex, route);
            case UPLOADS -> uploads.start(ex, route);
            case UPLOAD -> uploads.session(ex, route);
        }
    }

    static RegistryException methodNotAllowed(Exchange ex) {
        return new RegistryException(ErrorCode.UNSUPPORTED, "method " + ex.method + " is not allowed on this endpoint");
    }

    /** Writes the spec's error body, unless a response was already committed (then the connection is cut). */
    static void sendError(Exchange ex, RegistryException e) {
        Response response = ex.response;
        if (response.isCommitted()) {
            ex.callback.failed(e);
            return;
        }
        ex.settleUnreadBody();
        int status = e.code().status();
        response.setStatus(status);
        response.getHeaders().remove(HttpHeader.CONTENT_LENGTH);
        if (status == 503) {
            response.getHeaders().put(HttpHeader.RETRY_AFTER, "5");
        }
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", e.code().wireName());
        error.put("message", e.getMessage());
        if (e.detail() != null && !(e.detail() instanceof Long)) {
            error.put("detail", String.valueOf(e.detail()));
        }
        byte[] body;
        try {
            body = Exchange.JSON.writeValueAsBytes(Map.of("errors", List.of(error)));
        } catch (JsonProcessingException impossible) {
            throw new IllegalStateException(impossible);
        }
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, (long) body.length);
        response.write(true, ex.isHead() ? null : ByteBuffer.wrap(body), ex.callback);
    }
}
