package io.berth.webhooks;

import io.berth.oci.Names;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.events.RegistryEvent;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The bodies Berth sends: registry:2's event envelope for the operator's endpoints, field for field as
 * distribution 2.8's {@code notifications.Event} marshals (Go's {@code omitempty} included), and Berth's
 * own payload for namespaces' webhooks.
 */
final class Payloads {
    static final ObjectMapper JSON = new ObjectMapper();
    /** registry:2's (distribution 2.x) envelope media type; registry:3 renamed it events.v2+json with the same fields. */
    static final String ENVELOPE_TYPE = "application/vnd.docker.distribution.events.v1+json";

    /** Who generates events: registry:2's SourceRecord, and the scheme the registry's own URLs use. */
    record Source(String scheme, String addr, String instanceId) {
    }

    private Payloads() {
    }

    /** One event in registry:2's form; {@code id} is the event's, a new request id is made (one event per request here). */
    static ObjectNode registry2(RegistryEvent e, String id, Source source) {
        ObjectNode event = JSON.createObjectNode();
        event.put("id", id);
        event.put("timestamp", e.at().toString());
        event.put("action", e.action().wireName());
        ObjectNode target = event.putObject("target");
        boolean delete = e.action() == RegistryEvent.Action.DELETE;
        // registry:2's delete events carry the digest (or the tag) and the repository only.
        if (!delete) {
            putIfPresent(target, "mediaType", e.mediaType());
            if (e.size() > 0) {
                target.put("size", e.size());
            }
        }
        if (e.digest() != null) {
            target.put("digest", e.digest().toString());
        }
        if (!delete && e.size() > 0) {
            target.put("length", e.size());
        }
        target.put("repository", e.repository());
        putIfPresent(target, "fromRepository", e.from());
        if (!delete && e.digest() != null && e.request() != null && e.request().host() != null) {
            target.put("url", source.scheme() + "://" + e.request().host() + "/v2/" + e.repository()
                    + (e.isManifest() ? "/manifests/" : "/blobs/") + e.digest());
        }
        putIfPresent(target, "tag", e.tag());
        ObjectNode request = event.putObject("request");
        request.put("id", UUID.randomUUID().toString());
        RegistryEvent.RequestInfo r = e.request();
        putIfPresent(request, "addr", r == null ? null : r.addr());
        putIfPresent(request, "host", r == null ? null : r.host());
        request.put("method", r == null || r.method() == null ? "" : r.method());
        request.put("useragent", r == null || r.userAgent() == null ? "" : r.userAgent());
        ObjectNode actor = event.putObject("actor");
        putIfPresent(actor, "name", e.actor());
        ObjectNode src = event.putObject("source");
        putIfPresent(src, "addr", source.addr());
        putIfPresent(src, "instanceID", source.instanceId());
        return event;
    }

    /** {@code {"events": [...]}}. */
    static String envelope(List<ObjectNode> events) {
        ObjectNode envelope = JSON.createObjectNode();
        ArrayNode list = envelope.putArray("events");
        list.addAll(events);
        return write(envelope);
    }

    /**
     * The webhook event of a registry event, or null when webhooks hear nothing of it: they get what
     * namespace owners act on — manifests pushed, pulled and deleted (tags included) — not each layer.
     */
    static WebhookEvent webhookEvent(RegistryEvent e, Source source) {
        if (!e.isManifest() || e.action() == RegistryEvent.Action.MOUNT) {
            return null;
        }
        EventKind kind = switch (e.action()) {
            case PUSH -> EventKind.PUSH;
            case PULL -> EventKind.PULL;
            default -> EventKind.DELETE;
        };
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("repository", e.repository());
        if (e.actor() != null) {
            fields.put("actor", e.actor());
        }
        Map<String, Object> target = new LinkedHashMap<>();
        putIfPresent(target, "mediaType", e.action() == RegistryEvent.Action.DELETE ? null : e.mediaType());
        putIfPresent(target, "digest", e.digest() == null ? null : e.digest().toString());
        if (e.size() >= 0 && e.action() != RegistryEvent.Action.DELETE) {
            target.put("size", e.size());
        }
        putIfPresent(target, "tag", e.tag());
        if (e.digest() != null && e.request() != null && e.request().host() != null && e.action() != RegistryEvent.Action.DELETE) {
            target.put("url", source.scheme() + "://" + e.request().host() + "/v2/" + e.repository() + "/manifests/" + e.digest());
        }
        fields.put("target", target);
        RegistryEvent.RequestInfo r = e.request();
        if (r != null) {
            Map<String, Object> request = new LinkedHashMap<>();
            putIfPresent(request, "addr", r.addr());
            putIfPresent(request, "host", r.host());
            putIfPresent(request, "method", r.method());
            putIfPresent(request, "useragent", r.userAgent());
            fields.put("request", request);
        }
        return new WebhookEvent(UUID.randomUUID().toString(), kind, Names.namespaceOf(e.repository()), e.at(), fields);
    }

    /** Berth's webhook payload: {@code {"id", "kind", "timestamp", "namespace", ...fields}}. */
    static String webhookBody(WebhookEvent e) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", e.id());
        body.put("kind", e.kind().wire());
        body.put("timestamp", e.at().toString());
        if (e.namespace() != null) {
            body.put("namespace", e.namespace());
        }
        e.fields().forEach(body::putIfAbsent);
        return write(body);
    }


    private static void putIfPresent(ObjectNode node, String field, String value) {
        if (value != null && !value.isEmpty()) {
            node.put(field, value);
        }
    }

    private static void putIfPresent(Map<String, Object> node, String field, String value) {
        if (value != null && !value.isEmpty()) {
            node.put(field, value);
        }
    }

    private static String write(Object tree) {
        try {
            return JSON.writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
