package io.berth.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.testing.Http;
import io.berth.testing.Receiver;
import io.berth.testing.TestServer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.berth.webhooks.WebhooksTest.env;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Retention and garbage-collection runs reach each namespace's webhooks, created through the admin API, with
 * that namespace's share only: what was deleted there, never another namespace's names or registry-wide figures.
 */
class LifecycleWebhooksTest {
    private static final Duration WITHIN = Duration.ofSeconds(10);

    private static void namespaceWithHook(Http admin, String namespace, Receiver receiver, String... events) {
        assertThat(admin.method("POST", "/api/v1/namespaces", ("{\"name\":\"" + namespace + "\",\"visibility\":\"private\"}").getBytes())
                .statusCode()).isEqualTo(201);
        String kinds = String.join("\",\"", events);
        var created = admin.method("POST", "/api/v1/namespaces/" + namespace + "/webhooks",
                ("{\"url\":\"" + receiver.url("/" + namespace) + "\",\"events\":[\"" + kinds + "\"]}").getBytes());
        assertThat(created.statusCode()).as(new String(created.body())).isEqualTo(201);
    }

    private static void keepLast(Http admin, String namespace, int n) {
        assertThat(admin.method("PUT", "/api/v1/namespaces/" + namespace + "/retention",
                ("{\"rules\":[{\"keepLast\":" + n + "}]}").getBytes()).statusCode()).isEqualTo(200);
    }

    /** Waits until everything published is in the outbox and a moment for deliveries, then what arrived. */
    private static List<Receiver.Received> settled(TestServer server, Receiver receiver) throws InterruptedException {
        server.server().webhooks().flush();
        Thread.sleep(500);
        return receiver.all();
    }

    @Test
    void retentionRunsTellEachNamespaceWhatTheyDeletedThereWhyAndWhoAsked() throws Exception {
        try (Receiver ra = Receiver.start(); Receiver rb = Receiver.start(); TestServer server = TestServer.start(env())) {
            Http admin = server.http();
            namespaceWithHook(admin, "a", ra, "retention_run");
            namespaceWithHook(admin, "b", rb, "retention_run");
            String oldA = admin.pushImage("a/app", "old", "{\"a\":1}".getBytes(), "a1".getBytes());
            admin.pushImage("a/app", "new", "{\"a\":2}".getBytes(), "a2".getBytes());
            admin.pushImage("b/secret-project", "old", "{\"b\":1}".getBytes(), "b1".getBytes());
            admin.pushImage("b/secret-project", "new", "{\"b\":2}".getBytes(), "b2".getBytes());
            keepLast(admin, "a", 1);
            keepLast(admin, "b", 1);

            assertThat(admin.method("POST", "/api/v1/namespaces/a/retention/run", null).statusCode()).isEqualTo(200);
            JsonNode a = ra.await(1, WITHIN).getFirst().json();
            assertThat(a.path("kind").asText()).isEqualTo("retention_run");
            assertThat(a.path("namespace").asText()).isEqualTo("a");
            assertThat(a.path("trigger").asText()).isEqualTo("request");
            assertThat(a.path("requestedBy").asText()).isEqualTo("admin");
            assertThat(a.path("deletedTags").asInt()).isEqualTo(1);
            assertThat(a.path("deletedManifests").asInt()).isZero();
            assertThat(a.path("deleted")).singleElement().satisfies(d -> {
                assertThat(d.path("repository").asText()).isEqualTo("a/app");
                assertThat(d.path("tag").asText()).isEqualTo("old");
                assertThat(d.path("digest").asText()).isEqualTo(oldA);
                assertThat(d.path("reason").asText()).contains("rule 1: not among the 1 most recently pushed");
            });
            assertThat(settled(server, rb)).as("b's rules did not run").isEmpty();

            // Every namespace's rules at once (an admin's run, then the schedule's): each hears of its own deletions.
            admin.pushImage("a/app", "newer", "{\"a\":3}".getBytes(), "a3".getBytes());
            assertThat(admin.method("POST", "/api/v1/retention/run", null).statusCode()).isEqualTo(200);
            JsonNode all = ra.await(2, WITHIN).get(1).json();
            assertThat(all.path("deleted")).singleElement().satisfies(d -> assertThat(d.path("tag").asText()).isEqualTo("new"));
            assertThat(all.toString()).doesNotContain("secret-project");
            JsonNode b = rb.await(1, WITHIN).getFirst().json();
            assertThat(b.path("namespace").asText()).isEqualTo("b");
            assertThat(b.path("deleted")).singleElement().satisfies(d -> assertThat(d.path("repository").asText()).isEqualTo("b/secret-project"));
            assertThat(b.toString()).doesNotContain("a/app");

            admin.pushImage("a/app", "newest", "{\"a\":4}".getBytes(), "a4".getBytes());
            assertThat(server.server().retention().runScheduled()).isPresent();
            JsonNode scheduled = ra.await(3, WITHIN).get(2).json();
            assertThat(scheduled.path("trigger").asText()).isEqualTo("schedule");
            assertThat(scheduled.has("requestedBy")).isFalse();
            assertThat(scheduled.path("deleted").path(0).path("tag").asText()).isEqualTo("newer");
            assertThat(settled(server, rb)).as("nothing deleted in b: no event").hasSize(1);
        }
    }

    @Test
    void aCollectionTellsEachNamespaceItsOwnShareAndNothingElse() throws Exception {
        try (Receiver ra = Receiver.start(); Receiver rb = Receiver.start(); Receiver rc = Receiver.start();
             TestServer server = TestServer.start(env("BERTH_GC_ENABLED", "false", "BERTH_GC_GRACE", "1s", "BERTH_GC_UNTAGGED", "1s"))) {
            Http admin = server.http();
            namespaceWithHook(admin, "a", ra, "gc_run", "push");
            namespaceWithHook(admin, "b", rb, "gc_run");
            namespaceWithHook(admin, "c", rc, "gc_run", "retention_run");
            String untaggedA = admin.pushImage("a/app", "v1", "{\"a\":1}".getBytes(), "a1".getBytes());
            admin.pushImage("a/app", "v1", "{\"a\":2}".getBytes(), "a2".getBytes()); // the first is untagged now
            String untaggedB = admin.pushImage("b/hidden-name", "v1", "{\"b\":1}".getBytes(), "b1".getBytes());
            admin.pushImage("b/hidden-name", "v1", "{\"b\":2}".getBytes(), "b2".getBytes());
            admin.pushImage("c/app", "v1", "{\"c\":1}".getBytes(), "c1".getBytes());
            Thread.sleep(1_500);

            assertThat(server.server().garbageCollector().run(true, "api").manifestsDeleted()).isEqualTo(2);
            assertThat(settled(server, ra)).as("a dry run deletes nothing: no event").filteredOn(r -> r.json().path("kind").asText().equals("gc_run"))
                    .isEmpty();
            Thread.sleep(1_100); // the untagged layers' links past the grace too

            var result = server.server().garbageCollector().run(false, "api");
            assertThat(result.manifestsDeleted()).isEqualTo(2);
            JsonNode a = ra.await(1, r -> r.json().path("kind").asText().equals("gc_run"), WITHIN).getFirst().json();
            assertThat(a.path("namespace").asText()).isEqualTo("a");
            assertThat(a.path("trigger").asText()).isEqualTo("api");
            assertThat(a.path("run").asLong()).isEqualTo(result.runId());
            assertThat(a.path("deletedManifests").asInt()).isEqualTo(1);
            assertThat(a.path("deleted")).anySatisfy(d -> {
                assertThat(d.path("kind").asText()).isEqualTo("manifest");
                assertThat(d.path("repository").asText()).isEqualTo("a/app");
                assertThat(d.path("digest").asText()).isEqualTo(untaggedA);
            });
            assertThat(a.path("deleted")).allSatisfy(d -> assertThat(d.path("repository").asText()).isEqualTo("a/app"));
            assertThat(a.path("removedLinks").asInt()).isEqualTo(a.path("deleted").size() - 1);
            String aBody = a.toString();
            assertThat(aBody).doesNotContain("hidden-name").doesNotContain(untaggedB).doesNotContain("bytesFreed")
                    .doesNotContain("blobsSwept").doesNotContain("marked");

            JsonNode b = rb.await(1, WITHIN).getFirst().json();
            assertThat(b.path("namespace").asText()).isEqualTo("b");
            assertThat(b.path("deleted")).anySatisfy(d -> assertThat(d.path("digest").asText()).isEqualTo(untaggedB));
            assertThat(b.toString()).doesNotContain("a/app").doesNotContain(untaggedA);
            assertThat(settled(server, rc)).as("nothing of c's was deleted: c hears nothing").isEmpty();
        }
    }
}
