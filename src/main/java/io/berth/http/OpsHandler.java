package io.berth.http;

import io.berth.auth.AccessService;
import io.berth.auth.AuthException;

import io.berth.registry.Registry;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * /healthz (the process answers), /readyz (storage and database reachable) and /metrics (Prometheus).
 * With a debug listener (registry:2's http.debug.addr), /metrics is served there only, to whoever reaches
 * that listener (the operator's network, as registry:2's), and that listener serves nothing else; health
 * stays on both, since load balancers probe the public port. On the public port, with accounts, /metrics
 * answers admins only: its per-namespace figures name private namespaces (and, through their personal
 * namespaces, every user) and count their content.
 */
public final class OpsHandler extends Handler.Abstract {
    private final Registry registry;
    private final Metrics metrics;
    private final Connector debug;
    private final AccessService access;

    /**
     * {@code debug}: the debug listener's connector, or null to serve /metrics on the public port;
     * {@code access}: who may scrape there (null: a registry without accounts, where nothing is private).
     */
    public OpsHandler(Registry registry, Metrics metrics, Connector debug, AccessService access) {
        this.registry = registry;
        this.metrics = metrics;
        this.debug = debug;
        this.access = access;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String path = Request.getPathInContext(request);
        boolean onDebug = debug != null && request.getConnectionMetaData().getConnector() == debug;
        switch (path) {
            case "/healthz" -> write(response, callback, 200, "text/plain", "ok\n".getBytes(StandardCharsets.UTF_8));
            case "/readyz" -> ready(response, callback);
            case "/metrics" -> {
                if (debug != null && !onDebug) {
                    return false;
                }
                if (!onDebug && !mayScrape(request)) {
                    response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Basic realm=\"Berth metrics\"");
                    write(response, callback, 401, "text/plain",
                            "/metrics needs an admin's credentials (or a debug listener: REGISTRY_HTTP_DEBUG_ADDR)\n".getBytes(StandardCharsets.UTF_8));
                    return true;
                }
                write(response, callback, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape());
            }
            default -> {
                if (!onDebug) {
                    return false;
                }
                write(response, callback, 404, "text/plain", "not found\n".getBytes(StandardCharsets.UTF_8));
            }
        }
        return true;
    }

    private boolean mayScrape(Request request) {
        if (access == null) {
            return true;
        }
        try {
            return access.mayReadMetrics(access.authenticate(request.getHeaders().get(HttpHeader.AUTHORIZATION),
                    Request.getRemoteAddr(request)));
        } catch (AuthException e) {
            return false;
        }
    }

    private void ready(Response response, Callback callback) throws Exception {
        Map<String, String> checks = new LinkedHashMap<>();
        checks.put("storage", check(registry::checkStorage));
        checks.put("database", check(registry::checkDatabase));
        boolean ok = checks.values().stream().allMatch("ok"::equals);
        write(response, callback, ok ? 200 : 503, "application/json", Exchange.JSON.writeValueAsBytes(checks));
    }

    private static String check(Runnable probe) {
        try {
            probe.run();
            return "ok";
        } catch (RuntimeException e) {
            return "failing: " + e.getMessage();
        }
    }

    private static void write(Response response, Callback callback, int status, String type, byte[] body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}
