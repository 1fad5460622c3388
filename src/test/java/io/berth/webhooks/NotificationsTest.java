package io.berth.webhooks;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.berth.testing.Http;
import io.berth.testing.Receiver;
import io.berth.testing.TestServer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * registry:2's notifications, end to end: a real Berth pushes, pulls, mounts and deletes, a real HTTP
 * receiver gets the envelopes, and they are read as registry:2's consumers read them — into the Go
 * structs of distribution's notifications package (here records of the same fields and types, with no
 * coercion: Go's encoding/json refuses a string where a number belongs, and so does this parse).
 */
class NotificationsTest {
    static final String LAYER = "application/vnd.oci.image.layer.v1.tar";

    /** distribution's notifications.Envelope and Event, field for field (v1.Descriptor's urls/annotations included). */
    record Envelope(List<Event> events) {
    }

    record Event(String id, String timestamp, String action, Target target, RequestRecord request, ActorRecord actor,
                 SourceRecord source) {
    }

    record Target(String mediaType, Long size, String digest, List<String> urls, Map<String, String> annotations, Long length,
                  String repository, String fromRepository, String url, String tag, List<Object> references) {
    }

    record RequestRecord(String id, String addr, String host, String method, String useragent) {
    }

    record ActorRecord(String name) {
    }

    record SourceRecord(String addr, String instanceID) {
    }

    /** As strict as Go: unknown fields fail too (stricter than Go, so Berth sends nothing registry:2 does not). */
    static final JsonMapper GO = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .withCoercionConfig(LogicalType.Textual, c -> c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail).setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .build();

    static List<Event> events(List<Receiver.Received> requests) throws Exception {
        List<Event> out = new ArrayList<>();
        for (Receiver.Received r : requests) {
            out.addAll(GO.readValue(r.body(), Envelope.class).events());
        }
        return out;
    }

    static int eventCount(Receiver receiver) {
        return receiver.all().stream().mapToInt(r -> r.json().path("events").size()).sum();
    }

    static List<Receiver.Received> awaitEvents(Receiver receiver, int n) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (eventCount(receiver) < n && System.nanoTime() < deadline) {
            sleep(20);
        }
        assertThat(eventCount(receiver)).as("events received").isGreaterThanOrEqualTo(n);
        return receiver.all();
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static Map<String, String> endpoint(int i, String name, String url) {
        Map<String, String> env = new HashMap<>();
        env.put("REGISTRY_NOTIFICATIONS_ENDPOINTS_" + i + "_NAME", name);
        env.put("REGISTRY_NOTIFICATIONS_ENDPOINTS_" + i + "_URL", url);
        return env;
    }

    @Test
    void pushPullMountAndDeleteArriveAsRegistry2Events() throws Exception {
        try (Receiver receiver = Receiver.start()) {
            Map<String, String> env = endpoint(0, "listener", receiver.url("/callback"));
            env.put("REGISTRY_NOTIFICATIONS_ENDPOINTS_0_HEADERS", "{Authorization: [Bearer s3cret]}");
            try (TestServer server = TestServer.start(env)) {
                Http http = server.http();
                byte[] config = "{\"architecture\":\"amd64\"}".getBytes();
                byte[] layer = "layer bytes".getBytes();
                String manifest = http.pushImage("team/app", "v1", config, layer);
                String layerDigest = Http.sha256(layer);
                String accept = "application/vnd.oci.image.manifest.v1+json";
                assertThat(http.get("/v2/team/app/manifests/v1", "Accept", accept).statusCode()).isEqualTo(200);
                assertThat(http.head("/v2/team/app/manifests/v1", "Accept", accept).statusCode()).as("HEAD: no event").isEqualTo(200);
                assertThat(http.get("/v2/team/app/blobs/" + layerDigest).statusCode()).isEqualTo(200);
                assertThat(http.get("/v2/team/app/blobs/" + layerDigest, "Range", "bytes=2-").statusCode())
                        .as("a resumed pull (206): no event").isEqualTo(206);
                assertThat(http.method("POST", "/v2/team/copy/blobs/uploads/?mount=" + layerDigest + "&from=team/app", null)
                        .statusCode()).isEqualTo(201);
                assertThat(http.method("DELETE", "/v2/team/app/manifests/" + manifest, null).statusCode()).isEqualTo(202);

                List<Event> events = events(awaitEvents(receiver, 7));
                sleep(300); // nothing more comes (HEAD, 206)
                events = events(receiver.all());
                assertThat(events).extracting(e -> e.action() + " " + (e.target().url() == null ? "" : e.target().url()
                                .replaceAll(".*/(manifests|blobs)/.*", "$1")) + " " + e.target().repository())
                        .containsExactly("push blobs team/app", "push blobs team/app", "push manifests team/app",
                                "pull manifests team/app", "pull blobs team/app", "mount blobs team/copy", "delete  team/app");

                Receiver.Received first = receiver.all().getFirst();
                assertThat(first.method()).isEqualTo("POST");
                assertThat(first.path()).isEqualTo("/callback");
                assertThat(first.header("Content-Type")).isEqualTo("application/vnd.docker.distribution.events.v1+json");
                assertThat(first.header("Authorization")).as("the endpoint's static headers").isEqualTo("Bearer s3cret");

                Event push = events.get(2);
                assertThat(push.target().mediaType()).isEqualTo("application/vnd.oci.image.manifest.v1+json");
                assertThat(push.target().digest()).isEqualTo(manifest);
                assertThat(push.target().size()).isEqualTo(push.target().length()).isPositive();
                assertThat(push.target().tag()).isEqualTo("v1");
                assertThat(push.target().url()).isEqualTo(server.url() + "/v2/team/app/manifests/" + manifest);
                assertThat(push.request().method()).isEqualTo("PUT");
                assertThat(push.request().host()).isEqualTo(server.host());
                assertThat(push.request().addr()).startsWith("127.0.0.1");
                assertThat(push.request().useragent()).isNotEmpty();
                assertThat(push.request().id()).isNotEmpty();
                assertThat(push.actor().name()).isEqualTo("admin");
                assertThat(push.source().addr()).isNotEmpty();
                assertThat(push.source().instanceID()).isNotEmpty();
                assertThat(OffsetDateTime.parse(push.timestamp())).as("RFC 3339, as Go's time.Time").isNotNull();
                assertThat(events).extracting(Event::id).doesNotHaveDuplicates();
                assertThat(events).extracting(e -> e.source().instanceID()).containsOnly(push.source().instanceID());

                Event layerPush = events.get(1);
                assertThat(layerPush.target().mediaType()).isEqualTo("application/octet-stream");
                assertThat(layerPush.target().digest()).isEqualTo(layerDigest);
                assertThat(layerPush.target().size()).isEqualTo(layer.length);
                assertThat(layerPush.target().tag()).isNull();

                Event pull = events.get(3);
                assertThat(pull.target().tag()).as("pulled by tag").isEqualTo("v1");
                assertThat(pull.request().method()).isEqualTo("GET");
                Event blobPull = events.get(4);
                assertThat(blobPull.target().url()).isEqualTo(server.url() + "/v2/team/app/blobs/" + layerDigest);
                Event mount = events.get(5);
                assertThat(mount.target().fromRepository()).isEqualTo("team/app");
                assertThat(mount.target().digest()).isEqualTo(layerDigest);

                Event delete = events.get(6);
                assertThat(delete.target()).as("deletes carry the digest and repository only")
                        .isEqualTo(new Target(null, null, manifest, null, null, null, "team/app", null, null, null, null));

                // The JSON types, as the spec's example has them.
                List<JsonNode> rawEvents = new ArrayList<>();
                receiver.all().forEach(r -> r.json().path("events").forEach(rawEvents::add));
                JsonNode raw = rawEvents.get(2);
                assertThat(raw.path("target").path("digest").asText()).isEqualTo(manifest);
                assertThat(raw.path("target").path("size").isIntegralNumber()).isTrue();
                assertThat(raw.path("target").path("length").isIntegralNumber()).isTrue();
                assertThat(raw.path("timestamp").isTextual()).isTrue();
                assertThat(raw.path("actor").isObject()).isTrue();
            }
        }
    }

    @Test
    void anonymousPullsHaveAnEmptyActorAsInTheSpec() throws Exception {
        try (Receiver receiver = Receiver.start();
             TestServer server = TestServer.start(merge(endpoint(0, "l", receiver.url("/")), Map.of("BERTH_AUTH", "none")))) {
            Http http = server.http();
            http.pushImage("lib/app", "v1", "{}".getBytes(), "l".getBytes());
            List<Event> events = events(awaitEvents(receiver, 3));
            assertThat(events).extracting(e -> e.actor().name()).containsOnlyNulls();
            assertThat(receiver.all().getFirst().json().path("events").path(0).path("actor").toString()).isEqualTo("{}");
        }
    }

    @Test
    void ignoredMediaTypesAndActionsAreNotSent() throws Exception {
        try (Receiver all = Receiver.start(); Receiver pushes = Receiver.start(); Receiver noIndexes = Receiver.start()) {
            Map<String, String> env = merge(endpoint(0, "all", all.url("/")), endpoint(1, "pushes", pushes.url("/")),
                    endpoint(2, "no-blobs-by-ignore", noIndexes.url("/")));
            // registry:2's two spellings of media types to ignore, and actions
            env.put("REGISTRY_NOTIFICATIONS_ENDPOINTS_1_IGNOREDMEDIATYPES", "[application/octet-stream]");
            env.put("REGISTRY_NOTIFICATIONS_ENDPOINTS_1_IGNORE_ACTIONS", "[pull, mount]");
            env.put("REGISTRY_NOTIFICATIONS_ENDPOINTS_2_IGNORE_MEDIATYPES", "[application/octet-stream]");
            try (TestServer server = TestServer.start(env)) {
                Http http = server.http();
                String manifest = http.pushImage("team/app", "v1", "{}".getBytes(), "layer".getBytes());
                http.get("/v2/team/app/manifests/v1", "Accept", "application/vnd.oci.image.manifest.v1+json");
                http.get("/v2/team/app/blobs/" + Http.sha256("layer".getBytes()));
                http.method("DELETE", "/v2/team/app/manifests/" + manifest, null);

                awaitEvents(all, 6);
                awaitEvents(pushes, 2);
                awaitEvents(noIndexes, 3);
                server.server().webhooks().flush();
                sleep(500);
                assertThat(events(pushes.all())).extracting(e -> e.action() + " " + e.target().mediaType())
                        .containsExactly("push application/vnd.oci.image.manifest.v1+json", "delete null");
                assertThat(events(noIndexes.all())).extracting(Event::action).containsExactly("push", "pull", "delete");
                assertThat(events(all.all())).hasSize(6);
            }
        }
    }

    @Test
    void aDisabledEndpointGetsNothing() throws Exception {
        try (Receiver on = Receiver.start(); Receiver off = Receiver.start()) {
            Map<String, String> env = merge(endpoint(0, "on", on.url("/")), endpoint(1, "off", off.url("/")));
            env.put("REGISTRY_NOTIFICATIONS_ENDPOINTS_1_DISABLED", "true");
            try (TestServer server = TestServer.start(env)) {
                server.http().pushBlob("team/app", "x".getBytes());
                awaitEvents(on, 1);
                sleep(300);
                assertThat(off.all()).isEmpty();
            }
        }
    }

    @Test
    void eventsWaitForAReceiverThatIsDownAndArriveInOrderOnceItIsBack() throws Exception {
        try (Receiver receiver = Receiver.start()) {
            Map<String, String> env = endpoint(0, "l", receiver.url("/"));
            env.put("REGISTRY_NOTIFICATIONS_ENDPOINTS_0_THRESHOLD", "2");
            env.put("REGISTRY_NOTIFICATIONS_ENDPOINTS_0_BACKOFF", "200ms");
            try (TestServer server = TestServer.start(env)) {
                receiver.answer(503);
                Http http = server.http();
                String a = http.pushBlob("team/app", "a".getBytes());
                awaitAttempts(receiver, 3); // tried, tried again, then backed off and tried
                String b = http.pushBlob("team/app", "b".getBytes());
                receiver.answer(202);
                List<Receiver.Received> accepted = receiver.await(2, r -> r.status() == 202, Duration.ofSeconds(10));
                List<String> digests = new ArrayList<>();
                for (Receiver.Received r : accepted) {
                    r.json().path("events").forEach(e -> digests.add(e.path("target").path("digest").asText()));
                }
                assertThat(digests).as("both arrive, the one that waited first").containsExactly(a, b);
                List<WebhookStore.Delivery> log = server.server().webhooks().endpointDeliveries("l", null, 100);
                assertThat(log).filteredOn(d -> d.outcome() == WebhookStore.Outcome.RETRYING)
                        .hasSizeGreaterThanOrEqualTo(3).allSatisfy(d -> assertThat(d.status()).isEqualTo(503));
                assertThat(log.getFirst().outcome()).as("newest first").isEqualTo(WebhookStore.Outcome.DELIVERED);
            }
        }
    }

    static void awaitAttempts(Receiver receiver, int n) {
        receiver.await(n, r -> true, Duration.ofSeconds(10));
    }

    @SafeVarargs
    static Map<String, String> merge(Map<String, String>... maps) {
        Map<String, String> out = new HashMap<>();
        for (Map<String, String> m : maps) {
            out.putAll(m);
        }
        return out;
    }
}
