package io.berth.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.testing.Http;
import io.berth.testing.Receiver;
import io.berth.testing.Registry2;
import io.berth.testing.TestServer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The same requests against registry:2 (distribution 2.8, Debian's docker-registry) and Berth, each
 * notifying a real receiver: every event Berth sends has registry:2's counterpart with the same fields
 * of the same JSON types and the same values (ids, times and addresses aside). Where they differ on
 * purpose, the test says so: registry:2 also reports HEAD requests (manifests and blobs) and resumed (206) blob reads as pulls
 * and, on a manifest delete, a delete per tag the manifest had; Berth reports a pull only when content
 * was sent (manifest GET; blob GET 200 or 307), and the manifest delete alone.
 */
class Registry2ParityTest {
    private static final String ACCEPT = "application/vnd.oci.image.manifest.v1+json";

    @Test
    void berthsEventsHaveRegistry2sFieldsTypesAndValues() throws Exception {
        try (Receiver fromRegistry2 = Receiver.start(); Receiver fromBerth = Receiver.start();
             Registry2 registry2 = Registry2.start(null, """
                     notifications:
                       endpoints:
                         - name: parity
                           url: %s
                           timeout: 2s
                           threshold: 3
                           backoff: 1s
                     """.formatted(fromRegistry2.url("/events")));
             TestServer berth = TestServer.start(Map.of("BERTH_AUTH", "none",
                     "REGISTRY_NOTIFICATIONS_ENDPOINTS_0_NAME", "parity", "REGISTRY_NOTIFICATIONS_ENDPOINTS_0_URL", fromBerth.url("/events")))) {
            for (Http http : List.of(registry2.http(), berth.http())) {
                byte[] layer = "parity layer".getBytes();
                String manifest = http.pushImage("team/app", "v1", "{\"architecture\":\"amd64\"}".getBytes(), layer);
                assertThat(http.get("/v2/team/app/manifests/v1", "Accept", ACCEPT).statusCode()).isEqualTo(200);
                assertThat(http.get("/v2/team/app/blobs/" + Http.sha256(layer)).statusCode()).isEqualTo(200);
                assertThat(http.method("POST", "/v2/team/copy/blobs/uploads/?mount=" + Http.sha256(layer) + "&from=team/app", null)
                        .statusCode()).isEqualTo(201);
                // what registry:2 reports and Berth does not
                assertThat(http.head("/v2/team/app/manifests/" + manifest, "Accept", ACCEPT).statusCode()).isEqualTo(200);
                assertThat(http.head("/v2/team/app/blobs/" + Http.sha256(layer)).statusCode()).isEqualTo(200);
                assertThat(http.get("/v2/team/app/blobs/" + Http.sha256(layer), "Range", "bytes=1-").statusCode()).isEqualTo(206);
                assertThat(http.method("DELETE", "/v2/team/app/manifests/" + manifest, null).statusCode()).isEqualTo(202);
            }
            List<JsonNode> theirs = awaitEvents(fromRegistry2, 11);
            List<JsonNode> ours = awaitEvents(fromBerth, 7);
            Thread.sleep(500);
            theirs = events(fromRegistry2);
            ours = events(fromBerth);
            assertThat(ours).hasSize(7);
            assertThat(fromBerth.all().getFirst().header("Content-Type")).isEqualTo(fromRegistry2.all().getFirst().header("Content-Type"));

            List<JsonNode> unmatched = new ArrayList<>(theirs);
            for (JsonNode event : ours) {
                // Berth takes a blob in one POST where registry:2 wants POST then PUT: the same push by another request.
                JsonNode twin = unmatched.stream().filter(t -> sameEvent(t, event) && sameMethod(t, event)).findFirst()
                        .orElse(unmatched.stream().filter(t -> sameEvent(t, event)).findFirst().orElse(null));
                assertThat(twin).as("registry:2's counterpart of %s", event).isNotNull();
                unmatched.remove(twin);
                assertThat(shape(event)).as("fields and JSON types of %s", event.path("action")).isEqualTo(shape(twin));
                for (String field : List.of("mediaType", "size", "length", "digest", "repository", "fromRepository", "tag")) {
                    assertThat(event.path("target").path(field)).as(field + " of " + event.path("action")).isEqualTo(twin.path("target").path(field));
                }
                if (!event.path("action").asText().equals("push") || event.path("target").path("url").asText().contains("/manifests/")) {
                    assertThat(event.path("request").path("method")).isEqualTo(twin.path("request").path("method"));
                }
                assertThat(path(event.path("target").path("url").asText())).isEqualTo(path(twin.path("target").path("url").asText()));
            }
            // What is left is what Berth leaves out on purpose.
            assertThat(unmatched).extracting(e -> e.path("action").asText() + " " + e.path("request").path("method").asText() + " "
                            + (e.path("target").has("tag") && !e.path("target").has("digest") ? "tag" : e.path("target").path("mediaType").asText()))
                    .containsExactlyInAnyOrder(
                            "pull HEAD application/vnd.oci.image.manifest.v1+json",
                            "pull HEAD application/octet-stream",
                            "pull GET application/octet-stream", // the 206
                            "delete DELETE tag");
        }
    }

    private static boolean sameEvent(JsonNode theirs, JsonNode ours) {
        return theirs.path("action").equals(ours.path("action"))
                && theirs.path("target").path("digest").equals(ours.path("target").path("digest"))
                && theirs.path("target").path("repository").equals(ours.path("target").path("repository"))
                && theirs.path("target").path("tag").equals(ours.path("target").path("tag"));
    }

    private static boolean sameMethod(JsonNode theirs, JsonNode ours) {
        return theirs.path("request").path("method").equals(ours.path("request").path("method"));
    }

    /** Every field path and its JSON type: what a consumer's struct sees. */
    private static Map<String, String> shape(JsonNode node) {
        Map<String, String> out = new TreeMap<>();
        shape(node, "", out);
        return out;
    }

    private static void shape(JsonNode node, String at, Map<String, String> out) {
        out.put(at.isEmpty() ? "." : at, node.getNodeType().name());
        node.fields().forEachRemaining(f -> shape(f.getValue(), at + "/" + f.getKey(), out));
    }

    /** The URL without its host: each registry names its own. */
    private static String path(String url) {
        return url.replaceFirst("^https?://[^/]+", "");
    }

    private static List<JsonNode> events(Receiver r) {
        List<JsonNode> out = new ArrayList<>();
        r.all().forEach(req -> req.json().path("events").forEach(out::add));
        return out;
    }

    private static List<JsonNode> awaitEvents(Receiver r, int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (events(r).size() < n && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(events(r)).hasSizeGreaterThanOrEqualTo(n);
        return events(r);
    }
}
