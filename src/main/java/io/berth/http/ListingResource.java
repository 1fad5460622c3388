package io.berth.http;

import io.berth.oci.ManifestRecord;
import io.berth.oci.Digest;
import io.berth.oci.MediaTypes;
import io.berth.registry.Registry;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** /v2/, the catalog, tags lists and the referrers API. */
final class ListingResource {
    static final int CATALOG_PAGE = 1000;
    static final int MAX_PAGE = 10_000;
    static final int REFERRERS_PAGE = 1000;

    private final Registry registry;
    private final Guard guard;

    ListingResource(Registry registry, Guard guard) {
        this.registry = registry;
        this.guard = guard;
    }

    void base(Exchange ex) {
        requireGet(ex);
        ex.sendBytes(200, "application/json", "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    void catalog(Exchange ex) {
        requireGet(ex);
        int limit = Pagination.limit(ex, CATALOG_PAGE, MAX_PAGE);
        List<String> fetched = visibleRepositories(ex, ex.query("last"), limit == 0 ? 0 : limit + 1);
        List<String> page = Pagination.page(ex, fetched, limit, "/v2/_catalog", s -> s);
        ex.sendJson(200, Map.of("repositories", page));
    }

    /** Up to {@code want} repositories after {@code last} that the caller may read, skipping the others. */
    private List<String> visibleRepositories(Exchange ex, String last, int want) {
        if (!guard.enabled() || want == 0) {
            return registry.catalog(last, want);
        }
        List<String> out = new ArrayList<>();
        String cursor = last;
        while (out.size() < want) {
            List<String> batch = registry.catalog(cursor, Math.max(want, 100));
            for (String r : batch) {
                if (out.size() < want && guard.canList(ex, r)) {
                    out.add(r);
                }
            }
            if (batch.size() < Math.max(want, 100)) {
                break;
            }
            cursor = batch.getLast();
        }
        return out;
    }

    void tags(Exchange ex, Route route) {
        requireGet(ex);
        int limit = Pagination.limit(ex, Integer.MAX_VALUE - 1, Integer.MAX_VALUE - 1);
        List<String> fetched = registry.tags(route.repository(), ex.query("last"), limit == 0 ? 0 : limit + 1, ex.access);
        List<String> page = Pagination.page(ex, fetched, limit, "/v2/" + route.repository() + "/tags/list", s -> s);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", route.repository());
        body.put("tags", page);
        ex.sendJson(200, body);
    }

    void referrers(Exchange ex, Route route) {
        requireGet(ex);
        Digest subject = Digest.parse(route.reference());
        String artifactType = ex.query("artifactType");
        if (artifactType != null && artifactType.isEmpty()) {
            artifactType = null;
        }
        List<ManifestRecord> all = registry.referrers(route.repository(), subject, artifactType);
        String last = ex.query("last");
        List<ManifestRecord> after = new ArrayList<>();
        for (ManifestRecord m : all) {
            if (last == null || m.digest().toString().compareTo(last) > 0) {
                after.add(m);
            }
        }
        int limit = Pagination.limit(ex, REFERRERS_PAGE, REFERRERS_PAGE);
        List<ManifestRecord> page = Pagination.page(ex, after, limit, "/v2/" + route.repository() + "/referrers/" + subject,
                m -> m.digest().toString());
        if (artifactType != null) {
            ex.setHeader("OCI-Filters-Applied", "artifactType");
        }
        List<Map<String, Object>> descriptors = new ArrayList<>();
        for (ManifestRecord m : page) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("mediaType", m.mediaType());
            d.put("digest", m.digest().toString());
            d.put("size", m.size());
            if (m.artifactType() != null) {
                d.put("artifactType", m.artifactType());
            }
            if (m.annotations() != null) {
                d.put("annotations", readJson(m.annotations()));
            }
            descriptors.add(d);
        }
        Map<String, Object> index = new LinkedHashMap<>();
        index.put("schemaVersion", 2);
        index.put("mediaType", MediaTypes.OCI_INDEX);
        index.put("manifests", descriptors);
        try {
            ex.sendBytes(200, MediaTypes.OCI_INDEX, Exchange.JSON.writeValueAsBytes(index));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Object readJson(String json) {
        try {
            return Exchange.JSON.readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("stored annotations are not JSON", e);
        }
    }

    private static void requireGet(Exchange ex) {
        if (!"GET".equals(ex.method) && !"HEAD".equals(ex.method)) {
            throw Api.methodNotAllowed(ex);
        }
    }
}
