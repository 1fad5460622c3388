package io.berth.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.admin.LifecycleAdmin;
import io.berth.auth.Principal;
import io.berth.stats.Quota;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.berth.http.AdminHttp.body;
import static io.berth.http.AdminHttp.client;

/**
 * {@code /api/v1/namespaces/{ns}/quota}: the namespace's limits and usage (GET, its readers), set (PUT) or removed
 * (DELETE) by admins; the HTTP face of {@link LifecycleAdmin}'s quotas.
 */
final class QuotaResource implements AdminHttp.Resource {
    private static final Set<String> FIELDS = Set.of("maxBytes", "maxRepositories", "maxTags");

    private final LifecycleAdmin lifecycle;

    QuotaResource(LifecycleAdmin lifecycle) {
        this.lifecycle = lifecycle;
    }

    @Override
    public void handle(Exchange ex, Principal caller, List<String> path) {
        if (path.size() != 3) {
            throw AdminHttp.noEndpoint(path);
        }
        String ns = path.get(1);
        switch (ex.method) {
            case "GET" -> ex.sendJson(200, json(lifecycle.quota(caller, ns)));
            case "PUT" -> {
                Quota limits = parse(body(ex));
                ex.sendJson(200, json(lifecycle.setQuota(caller, client(ex), ns, limits)));
            }
            case "DELETE" -> {
                lifecycle.setQuota(caller, client(ex), ns, Quota.NONE);
                ex.sendEmpty(204);
            }
            default -> throw Api.methodNotAllowed(ex);
        }
    }

    /** The whole quota: a field left out or null is no limit of that kind; any other field is refused (a typo would lift a limit). */
    static Quota parse(JsonNode body) {
        AdminHttp.onlyFields(body, FIELDS, "a quota has maxBytes, maxRepositories and maxTags");
        return new Quota(limit(body, "maxBytes"), limit(body, "maxRepositories"), limit(body, "maxTags"));
    }

    private static Long limit(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
            throw new IllegalArgumentException(field + " must be a non-negative whole number, or null for no limit");
        }
        return v.longValue();
    }

    static Map<String, Object> json(LifecycleAdmin.QuotaStatus q) {
        Map<String, Object> limits = new LinkedHashMap<>();
        limits.put("maxBytes", q.limits().maxBytes());
        limits.put("maxRepositories", q.limits().maxRepositories());
        limits.put("maxTags", q.limits().maxTags());
        Map<String, Object> usage = new LinkedHashMap<>();
        usage.put("bytes", q.bytes());
        usage.put("repositories", q.repositories());
        usage.put("tags", q.tags());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("namespace", q.namespace());
        m.put("limits", limits);
        m.put("usage", usage);
        return m;
    }
}
