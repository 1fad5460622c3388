package io.berth.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.admin.LifecycleAdmin;
import io.berth.auth.Principal;
import io.berth.webhooks.WebhookStore.Delivery;
import io.berth.webhooks.Webhooks;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.berth.http.AdminHttp.body;
import static io.berth.http.AdminHttp.client;
import static io.berth.http.AdminHttp.text;

/**
 * {@code /api/v1/namespaces/{ns}/webhooks[/{id}[/test|/deliveries]]}: the namespace's webhooks, the HTTP face
 * of {@link LifecycleAdmin}'s. The secret is in the answer to the creation only.
 */
final class WebhookResource implements AdminHttp.Resource {
    private final LifecycleAdmin lifecycle;

    WebhookResource(LifecycleAdmin lifecycle) {
        this.lifecycle = lifecycle;
    }

    @Override
    public void handle(Exchange ex, Principal caller, List<String> path) {
        String ns = path.get(1);
        if (path.size() == 3) {
            switch (ex.method) {
                case "GET" -> ex.sendJson(200, lifecycle.webhooks(caller, ns).stream().map(WebhookResource::json).toList());
                case "POST" -> {
                    JsonNode body = body(ex);
                    String url = text(body, "url", true);
                    List<String> events = AdminHttp.strings(body, "events", true);
                    Webhooks.Created created = lifecycle.createWebhook(caller, client(ex), ns, url, events);
                    Map<String, Object> out = json(created.webhook());
                    out.put("secret", created.secret());
                    ex.sendJson(201, out);
                }
                default -> throw Api.methodNotAllowed(ex);
            }
            return;
        }
        String id = path.get(3);
        if (path.size() == 4) {
            switch (ex.method) {
                case "GET" -> {
                    Map<String, Object> out = json(lifecycle.webhook(caller, ns, id));
                    out.put("pending", lifecycle.pending(caller, ns, id));
                    ex.sendJson(200, out);
                }
                case "DELETE" -> {
                    lifecycle.deleteWebhook(caller, client(ex), ns, id);
                    ex.sendEmpty(204);
                }
                default -> throw Api.methodNotAllowed(ex);
            }
            return;
        }
        if (path.size() != 5) {
            throw AdminHttp.noEndpoint(path);
        }
        switch (path.get(4)) {
            case "test" -> {
                AdminHttp.requireMethod(ex, "POST");
                ex.sendJson(200, json(lifecycle.testWebhook(caller, ns, id)));
            }
            case "deliveries" -> {
                AdminHttp.requireMethod(ex, "GET");
                ex.sendJson(200, lifecycle.deliveries(caller, ns, id, before(ex), limit(ex)).stream().map(WebhookResource::json).toList());
            }
            default -> throw AdminHttp.noEndpoint(path);
        }
    }

    /** {@code ?limit=} (1 to 1000, default 100). */
    static int limit(Exchange ex) {
        String limit = ex.query("limit");
        if (limit == null) {
            return 100;
        }
        try {
            int n = Integer.parseInt(limit);
            if (n >= 1 && n <= 1000) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException("limit must be a whole number from 1 to 1000");
    }

    /** {@code ?before=}: a delivery id, for the page after it. */
    static Long before(Exchange ex) {
        String before = ex.query("before");
        if (before == null) {
            return null;
        }
        try {
            return Long.parseLong(before);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("before must be a delivery id");
        }
    }

    private static Map<String, Object> json(Webhooks.Hook h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", h.id());
        m.put("namespace", h.namespace());
        m.put("url", h.url());
        m.put("events", h.events());
        m.put("createdBy", h.createdBy());
        m.put("created", h.created().toString());
        return m;
    }

    static Map<String, Object> json(Delivery d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", d.id());
        m.put("eventId", d.eventId());
        m.put("kind", d.kind());
        m.put("attempt", d.attempt());
        m.put("at", Instant.ofEpochMilli(d.at()).toString());
        m.put("status", d.status());
        m.put("error", d.error());
        m.put("durationMillis", d.durationMillis());
        m.put("outcome", d.outcome().wire());
        return m;
    }
}
