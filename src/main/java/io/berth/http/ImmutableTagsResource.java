package io.berth.http;

import io.berth.admin.LifecycleAdmin;
import io.berth.auth.Principal;

import java.util.List;
import java.util.Map;

import static io.berth.http.AdminHttp.body;
import static io.berth.http.AdminHttp.client;

/** {@code /api/v1/namespaces/{ns}/immutable-tags}: the namespace's immutable tag patterns, the HTTP face of {@link LifecycleAdmin}. */
final class ImmutableTagsResource implements AdminHttp.Resource {
    private final LifecycleAdmin lifecycle;

    ImmutableTagsResource(LifecycleAdmin lifecycle) {
        this.lifecycle = lifecycle;
    }

    @Override
    public void handle(Exchange ex, Principal caller, List<String> path) {
        if (path.size() != 3) {
            throw AdminHttp.noEndpoint(path);
        }
        String ns = path.get(1);
        switch (ex.method) {
            case "GET" -> ex.sendJson(200, json(lifecycle.immutablePatterns(caller, ns)));
            case "PUT" -> {
                List<String> patterns = AdminHttp.strings(body(ex), "patterns", true);
                ex.sendJson(200, json(lifecycle.setImmutablePatterns(caller, client(ex), ns, patterns)));
            }
            default -> throw Api.methodNotAllowed(ex);
        }
    }

    private static Map<String, Object> json(List<String> patterns) {
        return Map.of("patterns", patterns);
    }
}
