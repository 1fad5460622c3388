package io.berth.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.admin.LifecycleAdmin;
import io.berth.auth.Principal;
import io.berth.lifecycle.RetentionPlan;
import io.berth.lifecycle.RetentionReport;
import io.berth.lifecycle.RetentionRule;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static io.berth.http.AdminHttp.body;
import static io.berth.http.AdminHttp.client;

/**
 * {@code /api/v1/namespaces/{ns}/retention[/preview|/run]} and, for admins, {@code /api/v1/retention/preview|run}
 * over every namespace: the HTTP face of {@link LifecycleAdmin}'s retention.
 */
final class RetentionResource implements AdminHttp.Resource {
    private final LifecycleAdmin lifecycle;

    RetentionResource(LifecycleAdmin lifecycle) {
        this.lifecycle = lifecycle;
    }

    @Override
    public void handle(Exchange ex, Principal caller, List<String> path) {
        if (path.getFirst().equals("retention")) { // /retention/preview|run: every namespace
            if (path.size() != 2) {
                throw AdminHttp.noEndpoint(path);
            }
            switch (path.get(1)) {
                case "preview" -> {
                    AdminHttp.requireMethod(ex, "GET");
                    ex.sendJson(200, json(lifecycle.previewAllRetention(caller)));
                }
                case "run" -> {
                    AdminHttp.requireMethod(ex, "POST");
                    ex.sendJson(200, json(lifecycle.runAllRetention(caller, client(ex))));
                }
                default -> throw AdminHttp.noEndpoint(path);
            }
            return;
        }
        String ns = path.get(1);
        if (path.size() == 3) {
            switch (ex.method) {
                case "GET" -> ex.sendJson(200, rules(lifecycle.retentionRules(caller, ns)));
                case "PUT" -> ex.sendJson(200, rules(lifecycle.setRetentionRules(caller, client(ex), ns, parse(body(ex)))));
                default -> throw Api.methodNotAllowed(ex);
            }
            return;
        }
        if (path.size() != 4) {
            throw AdminHttp.noEndpoint(path);
        }
        switch (path.get(3)) {
            case "preview" -> {
                AdminHttp.requireMethod(ex, "GET");
                ex.sendJson(200, json(lifecycle.previewRetention(caller, ns)));
            }
            case "run" -> {
                AdminHttp.requireMethod(ex, "POST");
                ex.sendJson(200, json(lifecycle.runRetention(caller, client(ex), ns)));
            }
            default -> throw AdminHttp.noEndpoint(path);
        }
    }

    private static List<RetentionRule> parse(JsonNode body) {
        JsonNode rules = body.get("rules");
        if (rules == null || !rules.isArray()) {
            throw new IllegalArgumentException("rules is required: an array of rules");
        }
        List<RetentionRule> out = new ArrayList<>();
        for (int i = 0; i < rules.size(); i++) {
            JsonNode r = rules.get(i);
            if (!r.isObject()) {
                throw new IllegalArgumentException("rule " + (i + 1) + " must be an object");
            }
            Boolean untagged = AdminHttp.bool(r, "deleteUntagged");
            out.add(new RetentionRule(AdminHttp.strings(r, "repositories", false), AdminHttp.integer(r, "keepLast"),
                    AdminHttp.integer(r, "keepDays"), AdminHttp.strings(r, "keepTags", false), untagged != null && untagged));
        }
        return out;
    }

    private static Map<String, Object> rules(List<RetentionRule> rules) {
        return Map.of("rules", rules.stream().map(RetentionResource::json).toList());
    }

    private static Map<String, Object> json(RetentionRule r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("repositories", r.repositories());
        m.put("keepLast", r.keepLast());
        m.put("keepDays", r.keepDays());
        m.put("keepTags", r.keepTags());
        m.put("deleteUntagged", r.deleteUntagged());
        return m;
    }

    private static Map<String, Object> json(RetentionPlan plan) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("namespace", plan.namespace());
        m.put("at", plan.at().toString());
        m.put("repositories", plan.repositories());
        m.put("tagsKept", plan.tagsKept());
        m.put("manifestsKept", plan.manifestsKept());
        m.put("items", plan.items().stream().map(i -> json(i, null)).toList());
        return m;
    }

    private static Map<String, Object> json(RetentionReport report) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("namespace", report.plan().namespace());
        m.put("finished", report.finished().toString());
        m.put("deletedTags", report.deletedTags());
        m.put("deletedManifests", report.deletedManifests());
        m.put("items", report.results().stream().map(r -> json(r.item(), r.outcome().name().toLowerCase(Locale.ROOT))).toList());
        return m;
    }

    private static Map<String, Object> json(RetentionPlan.Item i, String outcome) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("repository", i.repository());
        m.put("tag", i.tag());
        m.put("digest", i.digest().toString());
        m.put("reason", i.reason());
        if (outcome != null) {
            m.put("outcome", outcome);
        }
        return m;
    }
}
