package io.berth.webhooks;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * One event for per-namespace webhooks. Pushes, pulls and deletes come from the registry's
 * {@code RegistryEvent}s; other capabilities publish theirs through {@link Webhooks#publish(WebhookEvent)}.
 * The payload a receiver gets is {@code {"id", "kind", "timestamp", "namespace", ...fields}}.
 *
 * @param id        unique per event; every webhook it goes to, and every retry, carries the same
 *                  (also as the {@code X-Berth-Delivery} header), so receivers can drop duplicates
 * @param kind      what happened
 * @param namespace the namespace whose webhooks get it; null for a registry-wide event (a GC run), which
 *                  goes to every webhook subscribed to its kind
 * @param at        when it happened
 * @param fields    the rest of the payload (strings, numbers, booleans, lists and maps of them)
 */
public record WebhookEvent(String id, EventKind kind, String namespace, Instant at, Map<String, Object> fields) {

    public WebhookEvent {
        fields = Map.copyOf(fields);
    }

    /** A new event happening now. */
    public static WebhookEvent of(EventKind kind, String namespace, Map<String, Object> fields) {
        return new WebhookEvent(UUID.randomUUID().toString(), kind, namespace, Instant.now(), fields);
    }
}
