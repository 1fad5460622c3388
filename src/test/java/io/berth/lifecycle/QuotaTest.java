package io.berth.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.gc.GcResult;
import io.berth.metadata.jdbc.JdbcMetadataStore;
import io.berth.registry.BlobLayout;
import io.berth.oci.Digest;
import io.berth.stats.UsageStore;
import io.berth.testing.Http;
import io.berth.testing.UsageRecount;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Namespace quotas over real HTTP against a real database: a push over a limit is refused at the upload, mount or
 * manifest that crosses it with 403 DENIED naming used and limit, and nothing of it is written; what the namespace
 * holds already is never counted twice nor refused; lowering a limit below the usage only stops growth; GC gives
 * the room back; concurrent pushes never pass the limit together; and the counters equal a recount after. On
 * SQLite here, on PostgreSQL in {@link QuotaOnPostgresTest}.
 */
class QuotaTest extends LifecycleServer {

    @Override
    Map<String, String> settings() {
        return Map.of("BERTH_GC_GRACE", "2s", "BERTH_GC_ENABLED", "false");
    }

    @AfterEach
    void countersEqualARecount() {
        UsageStore.Stored counters = ((JdbcMetadataStore) server.server().metadata()).usageStore().counters();
        assertThat(counters).isEqualTo(UsageRecount.of(jdbcUrl()));
    }

    @Test
    void anUploadOverTheByteLimitIsRefusedWithUsedAndLimitAndLeavesNothing() throws Exception {
        createNamespace("team");
        push("team/app", "v1", image("team/app", "one"));
        long used = usage("team").path("bytes").asLong();
        assertThat(used).isBetween(300L, 800L);
        setQuota("team", "{\"maxBytes\":900}");

        byte[] big = random(1, 2_000);
        String digest = Http.sha256(big);
        HttpResponse<byte[]> monolithic = monolithic("team/app", big);
        assertThat(monolithic.statusCode()).isEqualTo(403);
        JsonNode error = Http.json(monolithic).path("errors").path(0);
        assertThat(error.path("code").asText()).isEqualTo("DENIED");
        assertThat(error.path("message").asText()).isEqualTo("quota exceeded: namespace team uses " + used + " B of 900 B "
                + "(storage, each blob counted once per namespace); this push to team/app would add 2.0 KB");
        assertThat(error.path("detail").path("quota").asText()).isEqualTo("storage");
        assertThat(error.path("detail").path("used").asLong()).isEqualTo(used);
        assertThat(error.path("detail").path("limit").asLong()).isEqualTo(900);

        HttpResponse<byte[]> chunked = chunked("team/app", big);
        assertThat(chunked.statusCode()).isEqualTo(403);
        assertThat(Http.errorCode(chunked)).isEqualTo("DENIED");
        assertThat(text(chunked)).contains("quota exceeded: namespace team uses " + used + " B of 900 B");

        // Nothing half-written: not linked, its bytes never moved under the digest, no upload data left behind.
        assertThat(http.head("/v2/team/app/blobs/" + digest).statusCode()).isEqualTo(404);
        assertThat(server.dataDir().resolve(BlobLayout.blobPath(Digest.parse(digest)))).doesNotExist();
        java.nio.file.Path uploads = server.dataDir().resolve("berth/uploads");
        if (Files.exists(uploads)) {
            try (var left = Files.walk(uploads)) {
                assertThat(left.toList()).containsExactly(uploads);
            }
        }
        assertThat(usage("team").path("bytes").asLong()).isEqualTo(used);
    }

    @Test
    void whatTheNamespaceHoldsIsNotCountedTwiceNorRefused() {
        createNamespace("team");
        byte[] layer = random(2, 3_000);
        push("team/app", "v1", imageWith("team/app", layer));
        long used = usage("team").path("bytes").asLong();
        setQuota("team", "{\"maxBytes\":" + used + "}"); // full

        // The same layer again, into another repository of the namespace: by upload and by mount; and its manifest.
        assertThat(monolithic("team/copy", layer).statusCode()).isEqualTo(201);
        assertThat(mount("team/mounted", Http.sha256(layer), "team/app").statusCode()).isEqualTo(201);
        assertThat(chunked("team/app", layer).statusCode()).isEqualTo(201);
        assertThat(usage("team").path("bytes").asLong()).isEqualTo(used);
        assertThat(usage("team").path("repositories").asLong()).isEqualTo(3);

        // Re-pushing what is there is never refused, even at the limit.
        assertThat(put("team/app", "v1", imageWith("team/app", layer)).statusCode()).isEqualTo(201);

        // A blob of another namespace is new to this one: its mount is refused (the client would upload it and be refused too).
        byte[] foreign = random(3, 1_500);
        http.pushBlob("other/app", foreign);
        HttpResponse<byte[]> mount = mount("team/app", Http.sha256(foreign), "other/app");
        assertThat(mount.statusCode()).isEqualTo(403);
        assertThat(text(mount)).contains("quota exceeded: namespace team uses", "would add 1.5 KB");
        assertThat(http.head("/v2/team/app/blobs/" + Http.sha256(foreign)).statusCode()).isEqualTo(404);

        // A new manifest of blobs it holds still adds its own bytes: refused at the limit.
        HttpResponse<byte[]> manifest = put("team/app", "v2", imageWith("team/app", layer, "another"));
        assertThat(manifest.statusCode()).isEqualTo(403);
        assertThat(text(manifest)).contains("quota exceeded: namespace team uses 3.4 KB of 3.4 KB (storage");
        assertThat(Http.json(manifest).path("errors").path(0).path("detail").path("limit").asLong()).isEqualTo(used);
        assertThat(tagDigest("team/app", "v2")).isNull();
    }

    @Test
    void repositoryAndTagCountsAreLimited() {
        createNamespace("team");
        setQuota("team", "{\"maxRepositories\":1,\"maxTags\":2}");
        byte[] one = image("team/app", "one");
        push("team/app", "v1", one);
        push("team/app", "v2", image("team/app", "two"));

        HttpResponse<byte[]> third = put("team/app", "v3", image("team/app", "three"));
        assertThat(third.statusCode()).isEqualTo(403);
        assertThat(Http.errorCode(third)).isEqualTo("DENIED");
        assertThat(text(third)).contains("quota exceeded: namespace team uses 2 of 2 tags; this push to team/app would add 1 tag");
        // At the limit: re-pushing a tag, moving one, pushing by digest add no tag.
        push("team/app", "v1", one);
        push("team/app", "v2", one);
        push("team/app", null, image("team/app", "untagged"));

        HttpResponse<byte[]> blob = monolithic("team/second", random(4, 100));
        assertThat(blob.statusCode()).as("the upload that would create the repository").isEqualTo(403);
        assertThat(text(blob)).contains("quota exceeded: namespace team uses 1 of 1 repositories; team/second would be a new one");
        assertThat(http.get("/v2/team/second/tags/list").statusCode()).isEqualTo(404);

        // Deleting a tag makes room; other namespaces have their own quotas (none).
        assertThat(http.method("DELETE", "/v2/team/app/manifests/v1", null).statusCode()).isEqualTo(202);
        push("team/app", "v3", image("team/app", "three"));
        push("elsewhere/app", "v1", image("elsewhere/app", "one"));
        push("elsewhere/second", "v1", image("elsewhere/second", "one"));
        assertThat(usage("team").path("tags").asLong()).isEqualTo(2);
    }

    @Test
    void aLimitBelowTheUsageStopsGrowthAndGcGivesTheRoomBack() throws Exception {
        createNamespace("team");
        byte[] layer = random(5, 5_000);
        byte[] manifest = imageWith("team/app", layer);
        String digest = push("team/app", "v1", manifest);
        setQuota("team", "{\"maxBytes\":1000}"); // below the usage: allowed
        JsonNode quota = http("GET", "/api/v1/namespaces/team/quota", null, 200);
        assertThat(quota.path("limits").path("maxBytes").asLong()).isEqualTo(1000);
        assertThat(quota.path("usage").path("bytes").asLong()).isGreaterThan(5_000);

        assertThat(put("team/app", "v1", manifest).statusCode()).as("a re-push").isEqualTo(201);
        byte[] next = random(6, 500);
        assertThat(monolithic("team/app", next).statusCode()).isEqualTo(403);

        // Deleting frees nothing until garbage collection has taken the unreferenced links.
        assertThat(http.method("DELETE", "/v2/team/app/manifests/" + digest, null).statusCode()).isEqualTo(202);
        assertThat(monolithic("team/app", next).statusCode()).isEqualTo(403);
        Thread.sleep(2_500);
        GcResult r = server.server().garbageCollector().run(false, "test");
        assertThat(r.errors()).isEmpty();
        assertThat(usage("team").path("bytes").asLong()).isZero();
        assertThat(monolithic("team/app", next).statusCode()).isEqualTo(201);
        assertThat(usage("team").path("bytes").asLong()).isEqualTo(500);
    }

    /** The check runs in the transaction that links: of pushes racing for the last room, exactly as many as fit win. */
    @Test
    void concurrentPushesNeverPassTheLimitTogether() throws Exception {
        createNamespace("team");
        http.pushBlob("team/app", random(7, 10)); // the repository exists: only bytes count
        long used = usage("team").path("bytes").asLong();
        setQuota("team", "{\"maxBytes\":" + (used + 5 * 1_000) + "}");
        int pushers = 16;
        CountDownLatch start = new CountDownLatch(1);
        List<Future<HttpResponse<byte[]>>> answers = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(pushers)) {
            for (int i = 0; i < pushers; i++) {
                byte[] blob = random(100 + i, 1_000);
                boolean chunked = i % 2 == 0;
                answers.add(pool.submit(() -> {
                    start.await();
                    return chunked ? chunked("team/app", blob) : monolithic("team/app", blob);
                }));
            }
            start.countDown();
            int accepted = 0;
            for (Future<HttpResponse<byte[]>> a : answers) {
                HttpResponse<byte[]> r = a.get();
                if (r.statusCode() == 201) {
                    accepted++;
                } else {
                    assertThat(r.statusCode()).as(text(r)).isEqualTo(403);
                    assertThat(Http.errorCode(r)).isEqualTo("DENIED");
                }
            }
            assertThat(accepted).isEqualTo(5);
        }
        assertThat(usage("team").path("bytes").asLong()).isEqualTo(used + 5 * 1_000);
    }

    // --- helpers ------------------------------------------------------------------------------

    void createNamespace(String ns) {
        http("POST", "/api/v1/namespaces", "{\"name\":\"" + ns + "\",\"visibility\":\"private\"}", 201);
    }

    void setQuota(String ns, String json) {
        http("PUT", "/api/v1/namespaces/" + ns + "/quota", json, 200);
    }

    JsonNode usage(String ns) {
        return http("GET", "/api/v1/namespaces/" + ns + "/quota", null, 200).path("usage");
    }

    JsonNode http(String method, String path, String body, int status) {
        HttpResponse<byte[]> r = http.method(method, path, body == null ? null : body.getBytes(), "Content-Type", "application/json");
        assertThat(r.statusCode()).as(method + " " + path + ": " + text(r)).isEqualTo(status);
        return Http.json(r);
    }

    HttpResponse<byte[]> monolithic(String repository, byte[] data) {
        return http.method("POST", "/v2/" + repository + "/blobs/uploads/?digest=" + Http.sha256(data), data,
                "Content-Type", "application/octet-stream");
    }

    /** POST, PATCH with the bytes, then PUT ?digest=: the final PUT's answer. */
    HttpResponse<byte[]> chunked(String repository, byte[] data) {
        HttpResponse<byte[]> started = http.method("POST", "/v2/" + repository + "/blobs/uploads/", null);
        assertThat(started.statusCode()).isEqualTo(202);
        String location = started.headers().firstValue("Location").orElseThrow();
        HttpResponse<byte[]> patched = http.method("PATCH", location, data, "Content-Type", "application/octet-stream");
        assertThat(patched.statusCode()).isEqualTo(202);
        String at = patched.headers().firstValue("Location").orElseThrow();
        HttpResponse<byte[]> done = http.method("PUT", at + (at.contains("?") ? "&" : "?") + "digest=" + Http.sha256(data), null);
        if (done.statusCode() == 403) {
            assertThat(http.get(at).statusCode()).as("a refused upload's session ends").isEqualTo(404);
        }
        return done;
    }

    HttpResponse<byte[]> mount(String repository, String digest, String from) {
        return http.method("POST", "/v2/" + repository + "/blobs/uploads/?mount=" + digest + "&from=" + from, null);
    }

    /** An image whose one layer is {@code layer} (pushed here) with a small config. */
    byte[] imageWith(String repository, byte[] layer) {
        return imageWith(repository, layer, null);
    }

    /** The same, with an annotation (another manifest of the same blobs) when {@code annotation} is given. */
    byte[] imageWith(String repository, byte[] layer, String annotation) {
        byte[] config = "{}".getBytes();
        String configDigest = http.pushBlob(repository, config);
        String layerDigest = http.pushBlob(repository, layer);
        return ("{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST + "\",\"config\":{\"mediaType\":"
                + "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + configDigest + "\",\"size\":" + config.length
                + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" + layerDigest
                + "\",\"size\":" + layer.length + "}]"
                + (annotation == null ? "" : ",\"annotations\":{\"note\":\"" + annotation + "\"}") + "}").getBytes();
    }

    static byte[] random(long seed, int size) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }
}
