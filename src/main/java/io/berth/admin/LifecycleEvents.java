package io.berth.admin;

import io.berth.oci.Names;
import io.berth.gc.GcResult;
import io.berth.lifecycle.RetentionPlan.Item;
import io.berth.lifecycle.RetentionReport;
import io.berth.webhooks.EventKind;
import io.berth.webhooks.WebhookEvent;
import io.berth.webhooks.Webhooks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Retention and garbage-collection runs as webhook events, one per namespace and with that namespace's share
 * only: a webhook's owner may read their namespace, nothing else, so an event never carries a registry-wide
 * figure or another namespace's repository names. {@code BerthServer} hands it every run
 * ({@code Retention.tellEachRun}, {@code GarbageCollector.tellEachResult}).
 */
public final class LifecycleEvents {
    /** At most this many deletions are listed in one event (the counts are always complete). */
    static final int MAX_LISTED = 1_000;

    private final Webhooks webhooks;

    public LifecycleEvents(Webhooks webhooks) {
        this.webhooks = webhooks;
    }

    /**
     * A retention run: to each namespace it planned deletions in (a run of one namespace: to it, whatever it did),
     * what it deleted there, why (the rule), how many it left alone, and what started it.
     *
     * @param requestedBy who asked for the run ("" someone unnamed), or null when the schedule ran it
     */
    public void retentionRan(RetentionReport report, String requestedBy) {
        Map<String, List<RetentionReport.Result>> byNamespace = new TreeMap<>();
        if (report.plan().namespace() != null) {
            byNamespace.put(report.plan().namespace(), new ArrayList<>());
        }
        for (RetentionReport.Result r : report.results()) {
            byNamespace.computeIfAbsent(Names.namespaceOf(r.item().repository()), k -> new ArrayList<>()).add(r);
        }
        byNamespace.forEach((namespace, results) -> webhooks.publish(WebhookEvent.of(EventKind.RETENTION_RUN, namespace,
                retentionFields(results, requestedBy))));
    }

    private static Map<String, Object> retentionFields(List<RetentionReport.Result> results, String requestedBy) {
        Map<String, Object> fields = trigger(requestedBy == null ? "schedule" : "request");
        if (requestedBy != null && !requestedBy.isEmpty()) {
            fields.put("requestedBy", requestedBy);
        }
        List<Item> deleted = results.stream().filter(r -> r.outcome() == io.berth.lifecycle.LifecycleStore.Outcome.DELETED)
                .map(RetentionReport.Result::item).toList();
        fields.put("deletedTags", deleted.stream().filter(Item::isTag).count());
        fields.put("deletedManifests", deleted.stream().filter(i -> !i.isTag()).count());
        fields.put("skipped", results.size() - deleted.size());
        List<Map<String, Object>> listed = new ArrayList<>();
        for (Item i : deleted.subList(0, Math.min(MAX_LISTED, deleted.size()))) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("repository", i.repository());
            if (i.isTag()) {
                one.put("tag", i.tag());
            }
            one.put("digest", i.digest().toString());
            one.put("reason", i.reason());
            listed.add(one);
        }
        return listing(fields, listed, deleted.size() > MAX_LISTED);
    }

    /**
     * A collection (not a dry run): to each namespace it deleted something in, the manifests and tags its policies
     * deleted there and the blob links it removed there. Blobs and bytes freed are the registry's, never told.
     */
    public void gcRan(GcResult result) {
        if (result.dryRun()) {
            return;
        }
        Map<String, List<GcResult.Item>> listed = new TreeMap<>();
        for (GcResult.Item i : result.items()) {
            if (i.repository() != null) {
                List<GcResult.Item> mine = listed.computeIfAbsent(Names.namespaceOf(i.repository()), k -> new ArrayList<>());
                if (mine.size() < MAX_LISTED) {
                    mine.add(i);
                }
            }
        }
        result.shares().forEach((namespace, share) -> {
            List<GcResult.Item> items = listed.getOrDefault(namespace, List.of());
            webhooks.publish(WebhookEvent.of(EventKind.GC_RUN, namespace, gcFields(result, share, items)));
        });
    }

    private static Map<String, Object> gcFields(GcResult result, GcResult.Share share, List<GcResult.Item> items) {
        Map<String, Object> fields = trigger(result.trigger());
        fields.put("run", result.runId());
        fields.put("deletedManifests", share.manifests());
        fields.put("deletedTags", share.tags());
        fields.put("removedLinks", share.links());
        List<Map<String, Object>> deleted = new ArrayList<>();
        for (GcResult.Item i : items) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("kind", i.kind().name().toLowerCase(java.util.Locale.ROOT));
            one.put("repository", i.repository());
            one.put(i.kind() == GcResult.Kind.TAG ? "tag" : "digest", i.name());
            deleted.add(one);
        }
        return listing(fields, deleted, items.size() < share.manifests() + share.tags() + share.links());
    }

    private static Map<String, Object> trigger(String trigger) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("trigger", trigger);
        return fields;
    }

    private static Map<String, Object> listing(Map<String, Object> fields, List<Map<String, Object>> deleted, boolean truncated) {
        fields.put("deleted", deleted);
        fields.put("truncated", truncated);
        return fields;
    }

}
