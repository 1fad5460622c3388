package io.berth.stats;

import java.time.Instant;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The usage statistics at one moment: the registry's totals, the last {@value UsageStatistics#DAYS} days'
 * pushes and pulls, and the namespaces a caller may read. {@link #toJson()} is the one wire form, for the
 * admin API ({@code GET /api/v1/stats}) and {@code berth stats --json} alike.
 *
 * @param at         when it was read
 * @param totals     the whole registry
 * @param days       one entry per day, oldest first, ending today (UTC); days without activity count 0
 * @param namespaces the namespaces shown (all, or those the caller may read), by name
 * @param whole      whether this is the whole registry (an admin's view); when false, {@code totals} and {@code days}
 *                   count only the namespaces shown, and the registry's users, API tokens and permission grants are
 *                   not told (zero here, absent from {@link #toJson()})
 */
public record Snapshot(Instant at, Totals totals, List<Day> days, List<NamespaceUsage> namespaces, boolean whole) {

    /** Manifests by kind. */
    public record Images(long total, long image, long index, long artifact) {
        static Images of(Counts c) {
            return new Images(c.manifests(), c.get(Counter.IMAGE_MANIFESTS), c.get(Counter.INDEX_MANIFESTS), c.get(Counter.ARTIFACT_MANIFESTS));
        }

        Map<String, Object> toJson() {
            return json("total", total, "image", image, "index", index, "artifact", artifact);
        }
    }

    /**
     * Storage two ways: {@code logicalBytes} as each repository sees it (every blob it links, plus its
     * manifests), {@code physicalBytes} as stored (each blob once, plus the manifests); their ratio is what
     * deduplication saves (1.0 for an empty registry). Blobs no repository links any more count as
     * stored until garbage collection deletes them.
     */
    public record Storage(long logicalBytes, long physicalBytes, double dedupRatio) {
        static Storage of(long logical, long physical) {
            return new Storage(logical, physical, physical == 0 ? 1.0 : Math.round(logical * 1000.0 / physical) / 1000.0);
        }
    }

    public record Totals(long repositories, Images images, long tags, long users, long namespaces, long permissionGrants,
                         long apiTokens, Storage storage, long blobs) {
    }

    public record Day(LocalDate date, long pushes, long pulls) {
    }

    /**
     * One namespace: {@code uniqueBytes} counts each blob once however many of its repositories link it (what
     * quotas count), plus its manifests; {@code pushes} and {@code pulls} are of the last {@value UsageStatistics#DAYS} days.
     */
    public record NamespaceUsage(String namespace, long repositories, Images images, long tags, long permissionGrants,
                                 long logicalBytes, long uniqueBytes, long pushes, long pulls) {
    }

    /** The wire form: maps and lists of JSON values, in a fixed order. */
    public Map<String, Object> toJson() {
        List<Map<String, Object>> daily = days.stream()
                .map(d -> json("date", d.date().toString(), "pushes", d.pushes(), "pulls", d.pulls())).toList();
        List<Map<String, Object>> byNamespace = namespaces.stream()
                .map(n -> json("namespace", n.namespace(), "repositories", n.repositories(), "images", n.images().toJson(),
                        "tags", n.tags(), "permissionGrants", n.permissionGrants(), "logicalBytes", n.logicalBytes(),
                        "uniqueBytes", n.uniqueBytes(), "pushes", n.pushes(), "pulls", n.pulls())).toList();
        Storage storage = totals.storage();
        Map<String, Object> out = json("at", at.toString(), "repositories", totals.repositories(), "images", totals.images().toJson(),
                "tags", totals.tags(), "users", totals.users(), "namespaces", totals.namespaces(),
                "permissionGrants", totals.permissionGrants(), "apiTokens", totals.apiTokens(),
                "storage", json("logicalBytes", storage.logicalBytes(), "physicalBytes", storage.physicalBytes(),
                        "dedupRatio", storage.dedupRatio(), "blobs", totals.blobs()),
                "activity", json("days", days.size(), "pushes", days.stream().mapToLong(Day::pushes).sum(),
                        "pulls", days.stream().mapToLong(Day::pulls).sum(), "daily", daily),
                "byNamespace", byNamespace);
        if (!whole) { // the registry's accounts are an admin's to know
            out.remove("users");
            out.remove("permissionGrants");
            out.remove("apiTokens");
        }
        return out;
    }

    /** An object of the given keys and values, in that order. */
    private static Map<String, Object> json(Object... keysAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }
}
