package io.berth.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.admin.LifecycleAdmin;
import io.berth.lifecycle.RetentionPlan;
import io.berth.lifecycle.RetentionReport;
import io.berth.lifecycle.RetentionRule;
import io.berth.oci.RegistryException;
import io.berth.stats.Quota;
import io.berth.webhooks.EventKind;
import io.berth.webhooks.WebhookStore.Delivery;
import io.berth.webhooks.WebhookStore.Outcome;
import io.berth.webhooks.Webhooks;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A namespace's immutable tag patterns, retention rules (with the preview of the next run, and running it now)
 * and webhooks (with their delivery logs), on its page: readers see the rules, owners and admins change them
 * and manage the webhooks. Every read and change is a call of {@link LifecycleAdmin}, which holds the rules
 * of who may; a malformed pattern or rule is shown on the page, the namespace's sections as they were typed.
 */
final class LifecyclePages {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final int DELIVERIES = 50;

    /** What the namespace page shows of the lifecycle: null parts are not shown to this viewer. */
    record Sections(boolean manage, List<String> patterns, String patternsText, List<RetentionRule> rules, String rulesText,
                    RetentionPlan preview, List<Webhooks.Hook> webhooks, List<String> kinds, QuotaSection quota) {
    }

    /** The quota and its usage; {@code admin}: the viewer may set it (the form is shown). */
    record QuotaSection(LifecycleAdmin.QuotaStatus status, boolean admin) {
        /** The limit as the form shows it: blank for none. */
        static String field(Long limit) {
            return limit == null ? "" : limit.toString();
        }
    }

    private final WebUi ui;
    private final LifecycleAdmin lifecycle;

    LifecyclePages(WebUi ui, LifecycleAdmin lifecycle) {
        this.ui = ui;
        this.lifecycle = lifecycle;
    }

    /** The sections for the viewer, with what they typed in place of the stored value after a refusal; null without lifecycle. */
    Sections sections(Web web, String ns) {
        if (lifecycle == null) {
            return null;
        }
        LifecycleAdmin.Rights rights = lifecycle.rights(web.principal(), ns);
        boolean manage = rights.manage() && web.mayChange();
        List<String> patterns = lifecycle.immutablePatterns(web.principal(), ns);
        List<RetentionRule> rules = lifecycle.retentionRules(web.principal(), ns);
        String typedPatterns = web.isPost() ? web.form("patterns") : null;
        String typedRules = web.isPost() ? web.form("rules") : null;
        return new Sections(manage, patterns, typedPatterns != null ? typedPatterns : String.join("\n", patterns),
                rules, typedRules != null ? typedRules : rulesJson(rules), lifecycle.previewRetention(web.principal(), ns),
                manage ? lifecycle.webhooks(web.principal(), ns) : List.of(),
                EventKind.subscribable().stream().map(EventKind::wire).toList(),
                new QuotaSection(lifecycle.quota(web.principal(), ns), lifecycle.maySetQuota(web.principal()) && web.mayChange()));
    }

    /**
     * A lifecycle change POSTed to /namespaces/NS/ACTION, or a webhook's page; false when the path is not one of
     * these. {@code refused} shows the namespace page again with the refusal in its flash.
     */
    boolean handle(Web web, String ns, String[] parts, Refused refused) {
        if (lifecycle == null || parts.length < 2) {
            return false;
        }
        String action = String.join("/", Arrays.asList(parts).subList(1, parts.length));
        if (!web.isPost()) {
            if (parts.length == 3 && parts[1].equals("webhooks")) {
                webhook(web, ns, parts[2]);
                return true;
            }
            return false;
        }
        try {
            switch (action) {
                case "immutable-tags" -> {
                    lifecycle.setImmutablePatterns(web.principal(), web.client(), ns, lines(web.form("patterns")));
                    web.redirect("/namespaces/" + ns + Format.query("done", "patterns") + "#immutable-tags");
                }
                case "retention" -> {
                    lifecycle.setRetentionRules(web.principal(), web.client(), ns, parseRules(web.form("rules")));
                    web.redirect("/namespaces/" + ns + Format.query("done", "rules") + "#retention");
                }
                case "retention/run" -> {
                    RetentionReport r = lifecycle.runRetention(web.principal(), web.client(), ns);
                    web.redirect("/namespaces/" + ns + Format.query("done", "ran", "tags", Long.toString(r.deletedTags()),
                            "manifests", Long.toString(r.deletedManifests())) + "#retention");
                }
                case "quota" -> {
                    lifecycle.setQuota(web.principal(), web.client(), ns, new Quota(limit(web, "maxBytes"), limit(web, "maxRepositories"),
                            limit(web, "maxTags")));
                    web.redirect("/namespaces/" + ns + Format.query("done", "quota") + "#quota");
                }
                case "quota/delete" -> {
                    lifecycle.setQuota(web.principal(), web.client(), ns, Quota.NONE);
                    web.redirect("/namespaces/" + ns + Format.query("done", "quota-removed") + "#quota");
                }
                case "webhooks" -> created(web, ns, lifecycle.createWebhook(web.principal(), web.client(), ns, web.field("url"), web.forms("events")));
                default -> {
                    if (parts.length == 4 && parts[1].equals("webhooks") && parts[3].equals("test")) {
                        Delivery d = lifecycle.testWebhook(web.principal(), ns, parts[2]);
                        web.redirect("/namespaces/" + ns + "/webhooks/" + parts[2]
                                + Format.query("done", d.outcome() == Outcome.DELIVERED ? "delivered" : "failed"));
                    } else if (parts.length == 4 && parts[1].equals("webhooks") && parts[3].equals("delete")) {
                        lifecycle.deleteWebhook(web.principal(), web.client(), ns, parts[2]);
                        web.redirect("/namespaces/" + ns + Format.query("done", "webhook-deleted") + "#webhooks");
                    } else {
                        return false;
                    }
                }
            }
        } catch (IllegalArgumentException e) {
            refused.show(400, new Page.Flash(true, e.getMessage()));
        } catch (RegistryException e) {
            if (!WebUi.fixable(e)) {
                throw e;
            }
            refused.show(WebUi.status(e), new Page.Flash(true, e.getMessage()));
        }
        return true;
    }

    /** Shows the namespace page again, with a refusal. */
    interface Refused {
        void show(int status, Page.Flash flash);
    }

    /** "1 tag", "2 tags": a count with its noun ({@code one} the singular; the plural adds an s). */
    static String count(long n, String one) {
        return n + " " + (n == 1 ? one : one + "s");
    }

    /** The confirmations of the namespace page's lifecycle changes, by a fixed code; null for other codes. */
    static Page.Flash flash(Web web, String done) {
        return switch (done) {
            case "patterns" -> new Page.Flash(false, "Immutable tag patterns saved.");
            case "rules" -> new Page.Flash(false, "Retention rules saved.");
            case "ran" -> {
                String tags = web.query("tags");
                String manifests = web.query("manifests");
                yield tags != null && manifests != null && tags.matches("\\d{1,9}") && manifests.matches("\\d{1,9}")
                        ? new Page.Flash(false, "Retention ran: " + count(Long.parseLong(tags), "tag") + " and "
                                + count(Long.parseLong(manifests), "untagged manifest") + " deleted.")
                        : new Page.Flash(false, "Retention ran.");
            }
            case "quota" -> new Page.Flash(false, "Quota saved.");
            case "quota-removed" -> new Page.Flash(false, "Quota removed: no limits.");
            case "webhook-deleted" -> new Page.Flash(false, "Webhook deleted.");
            case "delivered" -> new Page.Flash(false, "The ping was delivered.");
            case "failed" -> new Page.Flash(true, "The ping failed: see the delivery log below.");
            default -> null;
        };
    }

    private void created(Web web, String ns, Webhooks.Created created) {
        Map<String, Object> params = new HashMap<>();
        params.put("page", ui.page(web, "Webhook created", "namespaces", null));
        params.put("webhook", created.webhook());
        params.put("secret", created.secret());
        ui.render(web, 201, "webhook-created.jte", params);
    }

    private void webhook(Web web, String ns, String id) {
        Webhooks.Hook hook = lifecycle.webhook(web.principal(), ns, id);
        String done = web.query("done");
        Map<String, Object> params = new HashMap<>();
        params.put("page", ui.page(web, "Webhook " + hook.url(), "namespaces", done == null ? null : flash(web, done)));
        params.put("webhook", hook);
        params.put("pending", lifecycle.pending(web.principal(), ns, id));
        params.put("deliveries", lifecycle.deliveries(web.principal(), ns, id, null, DELIVERIES));
        params.put("manage", web.mayChange());
        ui.render(web, 200, "webhook.jte", params);
    }

    /** A limit typed in the quota form: blank is none; a whole number, and bytes also with a unit (10 GB, 512 MiB). */
    private static Long limit(Web web, String field) {
        String text = web.form(field);
        if (text == null || text.isBlank()) {
            return null;
        }
        java.util.regex.Matcher m = LIMIT.matcher(text.trim());
        if (!m.matches() || (m.group(2) != null && !field.equals("maxBytes"))) {
            throw new IllegalArgumentException(field + " must be a non-negative whole number" + (field.equals("maxBytes")
                    ? ", optionally with a unit (KB, MB, GB, TB; KiB, MiB, GiB, TiB)" : "") + ", or empty for no limit, not " + text.trim());
        }
        try {
            return Math.multiplyExact(Long.parseLong(m.group(1)), unit(m.group(2)));
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException(field + " is too large: " + text.trim());
        }
    }

    private static final java.util.regex.Pattern LIMIT = java.util.regex.Pattern.compile("(\\d{1,19})\\s*([KMGT]i?B|B)?",
            java.util.regex.Pattern.CASE_INSENSITIVE);

    private static long unit(String unit) {
        if (unit == null || unit.equalsIgnoreCase("B")) {
            return 1;
        }
        long base = unit.length() == 3 ? 1024 : 1000;
        int power = "KMGT".indexOf(Character.toUpperCase(unit.charAt(0))) + 1;
        long factor = 1;
        for (int i = 0; i < power; i++) {
            factor *= base;
        }
        return factor;
    }

    private static List<String> lines(String text) {
        List<String> out = new ArrayList<>();
        if (text != null) {
            for (String line : text.split("[\\r\\n,]+")) {
                if (!line.isBlank()) {
                    out.add(line.trim());
                }
            }
        }
        return out;
    }

    /** The rules as the textarea shows them: the admin API's JSON, one rule a line. */
    static String rulesJson(List<RetentionRule> rules) {
        if (rules.isEmpty()) {
            return "";
        }
        StringBuilder out = new StringBuilder("[\n");
        for (int i = 0; i < rules.size(); i++) {
            RetentionRule r = rules.get(i);
            Map<String, Object> m = new LinkedHashMap<>();
            if (!r.repositories().isEmpty()) {
                m.put("repositories", r.repositories());
            }
            if (r.keepLast() != null) {
                m.put("keepLast", r.keepLast());
            }
            if (r.keepDays() != null) {
                m.put("keepDays", r.keepDays());
            }
            if (!r.keepTags().isEmpty()) {
                m.put("keepTags", r.keepTags());
            }
            if (r.deleteUntagged()) {
                m.put("deleteUntagged", true);
            }
            try {
                out.append("  ").append(JSON.writeValueAsString(m)).append(i + 1 < rules.size() ? ",\n" : "\n");
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return out.append("]").toString();
    }

    /** The textarea's rules: a JSON array of the admin API's rule objects (or nothing, for none); the service checks them. */
    static List<RetentionRule> parseRules(String text) {
        if (text == null || text.isBlank()) {
            return List.of();
        }
        JsonNode rules;
        try {
            rules = JSON.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("the rules are not valid JSON: " + e.getOriginalMessage());
        }
        if (rules.isObject() && rules.has("rules")) {
            rules = rules.get("rules");
        }
        if (!rules.isArray()) {
            throw new IllegalArgumentException("the rules must be a JSON array of rules: [{\"keepLast\": 10}]");
        }
        List<RetentionRule> out = new ArrayList<>();
        for (int i = 0; i < rules.size(); i++) {
            JsonNode r = rules.get(i);
            String where = "rule " + (i + 1);
            if (!r.isObject()) {
                throw new IllegalArgumentException(where + " must be an object");
            }
            for (var field : r.properties()) {
                if (!List.of("repositories", "keepLast", "keepDays", "keepTags", "deleteUntagged").contains(field.getKey())) {
                    throw new IllegalArgumentException(where + ": unknown field " + field.getKey());
                }
            }
            out.add(new RetentionRule(strings(r, "repositories", where), number(r, "keepLast", where), number(r, "keepDays", where),
                    strings(r, "keepTags", where), r.path("deleteUntagged").asBoolean(false)));
        }
        return out;
    }

    private static List<String> strings(JsonNode rule, String field, String where) {
        JsonNode v = rule.get(field);
        if (v == null || v.isNull()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : v.isArray() ? v : JSON.createArrayNode().add(v)) {
            if (!e.isTextual()) {
                throw new IllegalArgumentException(where + ": " + field + " must be a list of patterns");
            }
            out.add(e.asText());
        }
        return out;
    }

    private static Integer number(JsonNode rule, String field, String where) {
        JsonNode v = rule.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isInt()) {
            throw new IllegalArgumentException(where + ": " + field + " must be a whole number");
        }
        return v.intValue();
    }
}
