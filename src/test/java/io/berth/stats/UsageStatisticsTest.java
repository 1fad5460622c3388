package io.berth.stats;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.metadata.jdbc.JdbcMetadataStore;
import io.berth.testing.Http;
import io.berth.testing.Postgres;
import io.berth.testing.TestServer;
import io.berth.testing.UsageRecount;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;

import static io.berth.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The usage statistics of a real server, driven over HTTP: the counters equal the test's own recount of the
 * rows after pushes, mounts, tag moves, deletes and namespace force-deletes (on SQLite and on PostgreSQL);
 * manifest GETs are counted per day and set last-pulled times (HEADs do not); the gauges on /metrics.
 */
class UsageStatisticsTest {
    private static final String OCI = "application/vnd.oci.image.manifest.v1+json";
    private String database;

    @AfterEach
    void dropDatabase() {
        if (database != null) {
            Postgres.dropDatabase(database);
        }
    }

    /** A server on SQLite (in its data directory) or on a fresh PostgreSQL database; {@code jdbc[0]} receives the database's URL. */
    private TestServer start(String dialect, String[] jdbc) {
        Map<String, String> env = new HashMap<>();
        if (dialect.equals("postgresql")) {
            Postgres.require();
            database = Postgres.createDatabase();
            env.put("BERTH_DATABASE_URL", Postgres.jdbcUrl(database));
            jdbc[0] = Postgres.jdbcUrl(database);
        }
        TestServer server = TestServer.start(env);
        if (jdbc[0] == null) {
            jdbc[0] = "jdbc:sqlite:" + server.dataDir().resolve("berth.db");
        }
        return server;
    }

    private static UsageStore usageStore(TestServer server) {
        return ((JdbcMetadataStore) server.server().metadata()).usageStore();
    }

    private static void ok(HttpResponse<byte[]> r, int status) {
        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(status);
    }

    private static String manifest(String config, int configSize, String layer, int layerSize, String artifactType) {
        return "{\"schemaVersion\":2,\"mediaType\":\"" + OCI + "\"" + (artifactType == null ? "" : ",\"artifactType\":\"" + artifactType + "\"")
                + ",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + config + "\",\"size\":" + configSize
                + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" + layer + "\",\"size\":" + layerSize + "}]}";
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void theCountersEqualARecountAfterPushesMountsTagMovesDeletesAndForcedNamespaceDeletes(String dialect) {
        String[] jdbc = new String[1];
        try (TestServer server = start(dialect, jdbc)) {
            Http admin = server.http();
            ok(admin.method("POST", "/api/v1/users", "{\"name\":\"uma\",\"password\":\"uma-password-1\"}".getBytes()), 201);
            ok(admin.method("POST", "/api/v1/namespaces", "{\"name\":\"team\"}".getBytes()), 201);
            ok(admin.method("POST", "/api/v1/namespaces", "{\"name\":\"gone\"}".getBytes()), 201);
            ok(admin.method("PUT", "/api/v1/namespaces/team/members/uma", "{\"role\":\"writer\"}".getBytes()), 200);
            ok(new Http(server.url(), "uma", "uma-password-1").method("POST", "/api/v1/tokens",
                    "{\"name\":\"ci\",\"scopes\":[{\"namespace\":\"team\",\"actions\":[\"pull\"]}]}".getBytes()), 201);

            byte[] config = "{\"os\":\"linux\"}".getBytes();
            byte[] layer = "the shared layer".getBytes();
            String v1 = admin.pushImage("team/app", "v1", config, layer);
            String v2 = admin.pushImage("team/app", "v2", config, "another layer".getBytes());
            String configDigest = Http.sha256(config);
            String layerDigest = Http.sha256(layer);
            ok(admin.method("POST", "/v2/team/web/blobs/uploads/?mount=" + layerDigest + "&from=team/app", null), 201);
            ok(admin.method("POST", "/v2/team/web/blobs/uploads/?mount=" + configDigest + "&from=team/app", null), 201);
            admin.pushManifest("team/web", "latest", OCI, manifest(configDigest, config.length, layerDigest, layer.length, null).getBytes());
            admin.pushManifest("team/app", "chart", OCI, manifest(configDigest, config.length, layerDigest, layer.length,
                    "application/vnd.cncf.helm.chart.v1").getBytes());
            admin.pushManifest("team/app", "v1", OCI, admin.get("/v2/team/app/manifests/" + v2).body()); // v1 moves to v2's manifest
            admin.pushImage("gone/app", "v1", config, "gone's layer".getBytes());
            admin.pushImage("uma/tool", "v1", config, layer);
            assertThat(usageStore(server).counters()).as("after pushes and mounts").isEqualTo(UsageRecount.of(jdbc[0]));

            ok(admin.method("DELETE", "/v2/team/app/manifests/chart", null), 202); // a tag
            ok(admin.method("DELETE", "/v2/team/app/manifests/" + v1, null), 202); // a manifest no tag points at any more
            ok(admin.method("DELETE", "/v2/team/web/blobs/" + layerDigest, null), 202); // an unlink
            ok(admin.method("DELETE", "/api/v1/namespaces/gone?force=true", null), 204);
            ok(admin.method("DELETE", "/api/v1/namespaces/team/members/uma", null), 204);
            UsageStore.Stored stored = usageStore(server).counters();
            assertThat(stored).as("after deletes").isEqualTo(UsageRecount.of(jdbc[0]));

            Snapshot s = server.server().usage().snapshot();
            assertThat(s.totals().repositories()).isEqualTo(3); // team/app, team/web, uma/tool
            assertThat(s.totals().images()).isEqualTo(new Snapshot.Images(4, 3, 0, 1)); // the chart stays, untagged
            assertThat(s.totals().tags()).isEqualTo(4); // team/app v1 v2, team/web latest, uma/tool v1
            assertThat(s.totals().users()).isEqualTo(2);
            assertThat(s.totals().apiTokens()).isEqualTo(1);
            assertThat(s.namespaces()).extracting(Snapshot.NamespaceUsage::namespace).containsExactly("admin", "team", "uma");
            Snapshot.NamespaceUsage team = s.namespaces().get(1);
            long shared = layer.length;
            assertThat(team.logicalBytes() - team.uniqueBytes()).as("the config team/web mounted counts once in the namespace")
                    .isEqualTo(config.length);
            assertThat(s.totals().storage().logicalBytes() - s.totals().storage().physicalBytes())
                    .as("logical counts the config in 3 repositories and the layer in 2, physical once each, and also the "
                            + "deleted namespace's layer, stored until garbage collection")
                    .isEqualTo(2L * config.length + shared - "gone's layer".length());
            assertThat(s.totals().storage().dedupRatio()).isGreaterThan(1.0);
            assertThat(server.server().usage().snapshot(ns -> ns.equals("uma")).namespaces())
                    .extracting(Snapshot.NamespaceUsage::namespace).containsExactly("uma");
        }
    }

    @Test
    void manifestGetsArePullsPerDayWithLastPulledTimesAndHeadsAreNot() {
        String[] jdbc = new String[1];
        long before;
        String digest;
        try (TestServer server = start("sqlite", jdbc)) {
            Http http = server.http();
            digest = http.pushImage("team/app", "v1", "{}".getBytes(), "layer".getBytes());
            http.pushImage("team/app", "v2", "{}".getBytes(), "layer 2".getBytes());
            http.pushImage("other/app", "v1", "{}".getBytes(), "layer".getBytes());
            before = System.currentTimeMillis();
            for (int i = 0; i < 3; i++) {
                ok(http.get("/v2/team/app/manifests/v1", "Accept", OCI), 200);
                ok(http.head("/v2/team/app/manifests/v2", "Accept", OCI), 200);
            }
            ok(http.get("/v2/team/app/manifests/" + digest, "Accept", OCI), 200);
            ok(http.get("/v2/team/app/blobs/" + Http.sha256("layer".getBytes())), 200); // a blob: no manifest pull
            eventually(() -> { // the last pull reaches the statistics just after its answer
                server.server().usage().flush();
                assertThat(server.server().usage().snapshot().days().getLast().pulls()).isEqualTo(4);
            });

            UsageStore store = usageStore(server);
            long after = System.currentTimeMillis();
            assertThat(store.tagLastPulled("team/app", "v1").orElseThrow()).isBetween(before, after);
            assertThat(store.manifestLastPulled("team/app", io.berth.oci.Digest.parse(digest)).orElseThrow()).isBetween(before, after);
            assertThat(store.tagLastPulled("team/app", "v2")).as("HEAD is no pull").isEmpty();

            Snapshot s = server.server().usage().snapshot();
            Snapshot.Day today = s.days().getLast();
            assertThat(s.days()).hasSize(UsageStatistics.DAYS);
            assertThat(today.date()).isEqualTo(LocalDate.now(ZoneOffset.UTC));
            assertThat(today.pulls()).isEqualTo(4);
            assertThat(today.pushes()).isEqualTo(3);
            assertThat(s.namespaces()).filteredOn(n -> n.namespace().equals("team")).singleElement()
                    .satisfies(n -> assertThat(new long[]{n.pushes(), n.pulls()}).containsExactly(2, 4));

            // pulled once more and not flushed: the server's stop writes it
            ok(http.get("/v2/other/app/manifests/v1", "Accept", OCI), 200);
        }
        try (TestServer again = TestServer.start(java.nio.file.Path.of(jdbc[0].substring("jdbc:sqlite:".length())).getParent(), Map.of())) {
            Snapshot s = again.server().usage().snapshot();
            assertThat(s.days().getLast().pulls()).isEqualTo(5);
            assertThat(usageStore(again).tagLastPulled("other/app", "v1")).isPresent();
        }
    }

    @Test
    void theGaugesOnMetricsAreTheStatistics() {
        String[] jdbc = new String[1];
        try (TestServer server = start("sqlite", jdbc)) {
            Http http = server.http();
            http.pushImage("team/app", "v1", "{}".getBytes(), "layer".getBytes());
            http.pushImage("team/web", "v1", "{}".getBytes(), "layer".getBytes());
            ok(http.get("/v2/team/app/manifests/v1", "Accept", OCI), 200);
            eventually(() -> { // the pull reaches the statistics just after its answer
                server.server().usage().flush();
                assertThat(server.metric("berth_stats_pulls{window=\"today\"}")).isEqualTo(1);
            });
            Snapshot s = server.server().usage().snapshot();
            assertThat(server.metric("berth_stats_repositories")).isEqualTo(2);
            assertThat(server.metric("berth_stats_manifests{kind=\"image\"}")).isEqualTo(2); // the same manifest in two repositories
            assertThat(s.totals().images().image()).isEqualTo(2);
            assertThat(server.metric("berth_stats_tags")).isEqualTo(2);
            assertThat(server.metric("berth_stats_users")).isEqualTo(1);
            assertThat(server.metric("berth_stats_storage_bytes{kind=\"logical\"}")).isEqualTo(s.totals().storage().logicalBytes());
            assertThat(server.metric("berth_stats_storage_bytes{kind=\"physical\"}")).isEqualTo(s.totals().storage().physicalBytes());
            assertThat(server.metric("berth_stats_namespace_storage_bytes{kind=\"unique\",namespace=\"team\"}"))
                    .isEqualTo(s.namespaces().get(1).uniqueBytes()); // after admin's (a grant: the owner of their own namespace)
            assertThat(server.metric("berth_stats_namespace_repositories{namespace=\"team\"}")).isEqualTo(2);
            assertThat(server.metric("berth_stats_pulls{window=\"today\"}")).isEqualTo(1);
            assertThat(server.metric("berth_stats_pushes{window=\"30d\"}")).isEqualTo(2);
        }
    }

    @Test
    void theJsonFormHasEveryFigure() {
        String[] jdbc = new String[1];
        try (TestServer server = start("sqlite", jdbc)) {
            server.http().pushImage("team/app", "v1", "{}".getBytes(), "layer".getBytes());
            JsonNode json = Http.JSON.valueToTree(server.server().usage().snapshot().toJson());
            assertThat(json.fieldNames()).toIterable().containsExactly("at", "repositories", "images", "tags", "users", "namespaces",
                    "permissionGrants", "apiTokens", "storage", "activity", "byNamespace");
            assertThat(json.path("images").path("image").asLong()).isEqualTo(1);
            assertThat(json.path("storage").path("dedupRatio").isNumber()).isTrue();
            assertThat(json.path("activity").path("daily")).hasSize(UsageStatistics.DAYS);
            assertThat(json.path("byNamespace").path(1).path("namespace").asText()).isEqualTo("team");
            assertThat(json.path("byNamespace").path(1).path("uniqueBytes").asLong()).isPositive();
        }
    }
}
