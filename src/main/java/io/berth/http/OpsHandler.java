package io.berth.http;

import io.berth.registry.Registry;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** /healthz (the process answers), /readyz (storage and database reachable) and /metrics (Prometheus). */
public final class OpsHandler extends Handler.Abstract {
    private final Registry registry;
    private final Metrics metrics;

    public OpsHandler(Registry registry, Metrics metrics) {
        this.registry = registry;
        this.metrics = metrics;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String path = Request.getPathInContext(request);
        switch (path) {
            case "/healthz" -> write(response, callback, 200, "text/plain", "ok\n".getBytes(StandardCharsets.UTF_8));
            case "/readyz" -> ready(response, callback);
            case "/metrics" -> write(response, callback, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape());
            default -> {
                return false;
            }
        }
        return true;
    }

    private void ready(Response response, Callback callback) throws Exception {
        Map<String, String> checks = new LinkedHashMap<>();
        checks.put("storage", check(() -> registry.storage().checkHealth()));
        checks.put("database", check(() -> registry.metadata().checkHealth()));
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
