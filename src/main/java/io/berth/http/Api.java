package io.berth.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.berth.auth.AccessService;
import io.berth.auth.Action;
import io.berth.auth.Principal;
import io.berth.events.EventSink;
import io.berth.events.QuotaExceeded;
import io.berth.events.RegistryEvent;
import io.berth.metadata.MetadataUnavailableException;
import io.berth.oci.ErrorCode;
import io.berth.registry.Registry;
import io.berth.registry.Access;
import io.berth.oci.RegistryException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.time.Instant;
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
    private final Guard guard;
    private final AccessService access;
    private final Registry registry;
    private final EventSink events;

    /** {@code access} null (or disabled) runs an open registry. */
    public Api(Registry registry, AccessService access, Metrics metrics, org.eclipse.jetty.io.ByteBufferPool pool, boolean redirects,
               EventSink events) {
        this.metrics = metrics;
        this.events = events;
        this.access = access;
        this.registry = registry;
        this.guard = new Guard(access);
        this.listings = new ListingResource(registry, guard);
        this.manifests = new ManifestResource(registry);
        this.blobs = new BlobResource(registry, pool, metrics, redirects);
        this.uploads = new UploadResource(registry, metrics, guard);
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
            RequestTarget.check(request);
            Route route = Route.match(path);
            if (route == null) {
                throw Route.notFound(path);
            }
            label = route.label();
            if (route.repository() != null && ex.hasQuery("ns")) {
                route = new Route(route.kind(), registry.resolve(route.repository(), ex.query("ns")), route.reference());
            }
            guard.check(ex, route);
            Action needed = route.repository() == null ? null : Guard.required(route, ex.method);
            if (needed == Action.PUSH || needed == Action.DELETE) {
                registry.checkWritable(route.repository());
            }
            ex.access = Access.of(route.repository() == null || !registry.upstreamFetchNeedsPush(route.repository())
                    || guard.canPush(ex, route.repository()));
            dispatch(ex, route);
            audit(ex, route);
            publish(ex, route);
        } catch (RegistryException e) {
            sendError(ex, e);
            publishQuotaExceeded(ex, e);
        } catch (MetadataUnavailableException e) {
            // The core answers its own outages as UNAVAILABLE; this is the caller's lookup (Guard, via auth).
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

    /** Pushes, pulls (manifest GETs) and deletes go to the audit log. */
    private void audit(Exchange ex, Route route) {
        if (!guard.enabled() || ex.response.getStatus() >= 400) {
            return;
        }
        String action = switch (route.kind()) {
            case MANIFEST -> switch (ex.method) {
                case "GET" -> access.settings().auditPulls() ? "pull" : null;
                case "PUT" -> "push";
                case "DELETE" -> "delete";
                default -> null;
            };
            case BLOB -> "DELETE".equals(ex.method) ? "delete" : null;
            default -> null;
        };
        if (action != null) {
            access.recordEvent(ex.caller.principal().name(), action, route.repository() + (route.kind() == Route.Kind.BLOB ? "@" : ":")
                    + route.reference(), Request.getRemoteAddr(ex.request), null);
        }
    }

    /** What the request did, for the event sinks (statistics, notifications, webhooks); only what succeeded. */
    private void publish(Exchange ex, Route route) {
        Exchange.Happened h = ex.happened;
        if (h == null || events == EventSink.NONE || ex.response.getStatus() >= 400) {
            return;
        }
        Request r = ex.request;
        Principal who = ex.caller.principal();
        events.publish(new RegistryEvent(h.action(), h.target(), route.repository(), h.digest(), h.mediaType(), h.size(), h.tag(),
                h.from(), ex.caller.isAnonymous() ? null : who.name(),
                new RegistryEvent.RequestInfo(Request.getRemoteAddr(r), r.getHttpURI().getAuthority(), ex.method,
                        ex.header(HttpHeader.USER_AGENT)), Instant.now()));
    }

    /** A push refused over its namespace's quota (the core's DENIED with the quota's figures as detail), for the webhooks. */
    private void publishQuotaExceeded(Exchange ex, RegistryException e) {
        if (events == EventSink.NONE || e.code() != ErrorCode.DENIED || !(e.detail() instanceof Map<?, ?> d) || !(d.get("quota") instanceof String limit)) {
            return;
        }
        Request r = ex.request;
        events.quotaExceeded(new QuotaExceeded((String) d.get("namespace"), (String) d.get("repository"), limit, (Long) d.get("used"),
                (Long) d.get("limit"), (Long) d.get("adding"), ex.caller.isAnonymous() ? null : ex.caller.principal().name(),
                new RegistryEvent.RequestInfo(Request.getRemoteAddr(r), r.getHttpURI().getAuthority(), ex.method,
                        ex.header(HttpHeader.USER_AGENT)), Instant.now()));
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
        Object detail = e.detail();
        if (detail != null && !(detail instanceof Long)) {
            error.put("detail", detail instanceof io.berth.oci.Digest d ? d.toString() : detail);
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
