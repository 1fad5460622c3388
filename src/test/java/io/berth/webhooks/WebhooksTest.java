package io.berth.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.auth.Action;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import io.berth.testing.Http;
import io.berth.testing.Receiver;
import io.berth.testing.TestServer;
import io.berth.webhooks.WebhookStore.Delivery;
import io.berth.webhooks.WebhookStore.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Per-namespace webhooks end to end: a real Berth, real receivers on loopback (which the operator's
 * berth.webhooks.allowprivate lets these tests reach), the outbox in the server's SQLite database.
 */
class WebhooksTest {
    static final Set<Action> OWNER = Action.ALL;
    static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";

    static Map<String, String> env(String... more) {
        Map<String, String> env = new HashMap<>(Map.of("BERTH_WEBHOOKS_ALLOWPRIVATE", "true", "BERTH_WEBHOOKS_BACKOFF", "100ms",
                "BERTH_WEBHOOKS_TIMEOUT", "2s"));
        for (int i = 0; i < more.length; i += 2) {
            env.put(more[i], more[i + 1]);
        }
        return env;
    }

    static String hmac(String secret, byte[] body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
    }

    static List<Delivery> awaitLog(Webhooks hooks, String ns, String id, Predicate<List<Delivery>> until) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        List<Delivery> log;
        do {
            log = hooks.deliveries(ns, OWNER, id, null, 100);
            if (until.test(log)) {
                return log;
            }
            NotificationsTest.sleep(20);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("delivery log never got there: " + log);
    }

    static Predicate<List<Delivery>> has(Outcome outcome, int n) {
        return log -> log.stream().filter(d -> d.outcome() == outcome).count() >= n;
    }

    @Test
    void pushesAndDeletesArriveSignedAndAreLogged() throws Exception {
        try (Receiver receiver = Receiver.start(); TestServer server = TestServer.start(env())) {
            Webhooks hooks = server.server().webhooks();
            Webhooks.Created created = hooks.create("team", OWNER, receiver.url("/hook?x=1"), List.of("push", "delete"), "admin");
            String id = created.webhook().id();
            assertThat(created.secret()).startsWith("whsec_").hasSizeGreaterThan(40);
            assertThat(created.toString()).doesNotContain(created.secret());
            assertThat(hooks.list("team", OWNER)).singleElement().satisfies(h -> {
                assertThat(h.url()).isEqualTo(receiver.url("/hook?x=1"));
                assertThat(h.events()).containsExactly("push", "delete");
                assertThat(h.createdBy()).isEqualTo("admin");
                assertThat(h.toString()).doesNotContain(created.secret());
            });

            Http http = server.http();
            String digest = http.pushImage("team/app", "v1", "{}".getBytes(), "layer".getBytes());
            http.get("/v2/team/app/manifests/v1", "Accept", MANIFEST); // not subscribed
            http.pushImage("other/app", "v1", "{}".getBytes(), "layer".getBytes()); // another namespace
            assertThat(http.method("DELETE", "/v2/team/app/manifests/v1", null).statusCode()).isEqualTo(202);

            List<Receiver.Received> got = receiver.await(2, Duration.ofSeconds(20));
            server.server().webhooks().flush();
            NotificationsTest.sleep(300);
            assertThat(receiver.all()).as("one push (not each layer), one delete; no pull, nothing of other/").hasSize(2);

            Receiver.Received push = got.getFirst();
            JsonNode body = push.json();
            assertThat(push.path()).isEqualTo("/hook?x=1");
            assertThat(push.header("Content-Type")).startsWith("application/json");
            assertThat(push.header("User-Agent")).isEqualTo("Berth-Webhooks");
            assertThat(push.header("X-Berth-Event")).isEqualTo("push");
            assertThat(push.header("X-Berth-Webhook")).isEqualTo(id);
            assertThat(push.header("X-Berth-Delivery")).isEqualTo(body.path("id").asText()).isNotEmpty();
            assertThat(push.header("X-Berth-Signature")).as("HMAC-SHA256 of the body under the secret")
                    .isEqualTo(hmac(created.secret(), push.body()));
            assertThat(body.path("kind").asText()).isEqualTo("push");
            assertThat(body.path("namespace").asText()).isEqualTo("team");
            assertThat(body.path("repository").asText()).isEqualTo("team/app");
            assertThat(body.path("actor").asText()).isEqualTo("admin");
            assertThat(body.path("target").path("digest").asText()).isEqualTo(digest);
            assertThat(body.path("target").path("tag").asText()).isEqualTo("v1");
            assertThat(body.path("target").path("mediaType").asText()).isEqualTo(MANIFEST);
            assertThat(body.path("target").path("size").isIntegralNumber()).isTrue();
            assertThat(body.path("target").path("url").asText()).isEqualTo(server.url() + "/v2/team/app/manifests/" + digest);
            assertThat(body.path("request").path("method").asText()).isEqualTo("PUT");
            assertThat(java.time.Instant.parse(body.path("timestamp").asText())).isNotNull();

            JsonNode delete = got.get(1).json();
            assertThat(delete.path("kind").asText()).isEqualTo("delete");
            assertThat(delete.path("target").path("tag").asText()).isEqualTo("v1");
            assertThat(got.get(1).header("X-Berth-Signature")).isEqualTo(hmac(created.secret(), got.get(1).body()));

            List<Delivery> log = awaitLog(hooks, "team", id, has(Outcome.DELIVERED, 2));
            assertThat(log).extracting(Delivery::kind).containsExactly("delete", "push"); // newest first
            assertThat(log).allSatisfy(d -> {
                assertThat(d.status()).isEqualTo(200);
                assertThat(d.attempt()).isEqualTo(1);
                assertThat(d.error()).isNull();
                assertThat(d.at()).isPositive();
            });
            assertThat(log.get(1).eventId()).isEqualTo(body.path("id").asText());
            assertThat(hooks.deliveries("team", OWNER, id, log.getFirst().id(), 10)).as("paged by id").extracting(Delivery::kind)
                    .containsExactly("push");
            assertThat(hooks.pending("team", OWNER, id)).isZero();
            assertThat(server.metric("berth_webhook_deliveries_total{destination=\"webhook\",outcome=\"delivered\"}")).isEqualTo(2);
            assertThat(server.metric("berth_webhook_events_dropped_total")).isZero();
        }
    }

    @Test
    void redeliveredAfterTheReceiverFailedAndAfterItWasDown() throws Exception {
        try (Receiver receiver = Receiver.start(); TestServer server = TestServer.start(env())) {
            Webhooks hooks = server.server().webhooks();
            String id = hooks.create("team", OWNER, receiver.url("/"), List.of("push"), "admin").webhook().id();
            receiver.answer(500);
            server.http().pushImage("team/app", "v1", "{}".getBytes(), "a".getBytes());
            awaitLog(hooks, "team", id, has(Outcome.RETRYING, 2));
            receiver.answer(200);
            List<Delivery> log = awaitLog(hooks, "team", id, has(Outcome.DELIVERED, 1));
            assertThat(log.getFirst().attempt()).isGreaterThanOrEqualTo(3);
            assertThat(log).filteredOn(d -> d.outcome() == Outcome.RETRYING).allSatisfy(d -> {
                assertThat(d.status()).isEqualTo(500);
                assertThat(d.error()).isEqualTo("HTTP 500");
            });
            assertThat(receiver.all()).extracting(r -> r.header("X-Berth-Delivery")).as("one event, retried").containsOnly(
                    log.getFirst().eventId());

            receiver.stop(); // connections refused
            server.http().pushImage("team/app", "v2", "{}".getBytes(), "b".getBytes());
            List<Delivery> refused = awaitLog(hooks, "team", id, l -> l.getFirst().outcome() == Outcome.RETRYING);
            assertThat(refused.getFirst().status()).isNull();
            assertThat(refused.getFirst().error()).containsIgnoringCase("connect");
            receiver.restart();
            receiver.await(1, r -> r.json().path("target").path("tag").asText().equals("v2") && r.status() == 200, Duration.ofSeconds(20));
            assertThat(awaitLog(hooks, "team", id, has(Outcome.DELIVERED, 2)).getFirst().attempt()).isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void theOutboxSurvivesARestartOfBerth(@TempDir Path data) throws Exception {
        try (Receiver receiver = Receiver.start()) {
            receiver.stop();
            String id;
            String logged;
            try (TestServer server = TestServer.start(data, env())) {
                Webhooks hooks = server.server().webhooks();
                id = hooks.create("team", OWNER, receiver.url("/"), List.of("push"), "admin").webhook().id();
                server.http().pushImage("team/app", "v1", "{}".getBytes(), "a".getBytes());
                logged = awaitLog(hooks, "team", id, has(Outcome.RETRYING, 1)).getFirst().eventId();
                // Pushed and acknowledged just before the stop: close writes the queue to the outbox first.
                server.http().pushImage("team/app", "v2", "{}".getBytes(), "b".getBytes());
            }
            receiver.restart();
            try (TestServer again = TestServer.start(data, env())) {
                List<Receiver.Received> got = receiver.await(2, Duration.ofSeconds(20));
                assertThat(got).extracting(r -> r.json().path("target").path("tag").asText()).containsExactlyInAnyOrder("v1", "v2");
                assertThat(got).extracting(r -> r.header("X-Berth-Delivery")).contains(logged);
                List<Delivery> log = awaitLog(again.server().webhooks(), "team", id, has(Outcome.DELIVERED, 2));
                assertThat(log).filteredOn(d -> d.eventId().equals(logged) && d.outcome() == Outcome.DELIVERED)
                        .singleElement().satisfies(d -> assertThat(d.attempt()).isGreaterThanOrEqualTo(2));
            }
        }
    }

    @Test
    void aDeliveryIsGivenUpAfterItsAttempts() {
        try (Receiver receiver = Receiver.start(); TestServer server = TestServer.start(env("BERTH_WEBHOOKS_ATTEMPTS", "3"))) {
            Webhooks hooks = server.server().webhooks();
            String id = hooks.create("team", OWNER, receiver.url("/"), List.of("push"), "admin").webhook().id();
            receiver.answer(404);
            server.http().pushImage("team/app", "v1", "{}".getBytes(), "a".getBytes());
            List<Delivery> log = awaitLog(hooks, "team", id, has(Outcome.FAILED, 1));
            assertThat(log).extracting(Delivery::outcome).containsExactly(Outcome.FAILED, Outcome.RETRYING, Outcome.RETRYING);
            assertThat(log.getFirst().error()).isEqualTo("HTTP 404; given up after 3 attempts");
            assertThat(hooks.pending("team", OWNER, id)).isZero();
            NotificationsTest.sleep(500);
            assertThat(receiver.all()).hasSize(3);
        }
    }

    @Test
    void redirectsAreNotFollowed() {
        try (Receiver receiver = Receiver.start(); TestServer server = TestServer.start(env("BERTH_WEBHOOKS_ATTEMPTS", "1"))) {
            Webhooks hooks = server.server().webhooks();
            String id = hooks.create("team", OWNER, receiver.url("/"), List.of("push"), "admin").webhook().id();
            receiver.answer(307); // a redirect could lead anywhere, past the address check
            server.http().pushImage("team/app", "v1", "{}".getBytes(), "a".getBytes());
            assertThat(awaitLog(hooks, "team", id, has(Outcome.FAILED, 1)).getFirst().error())
                    .isEqualTo("HTTP 307: webhooks do not follow redirects; given up after 1 attempt");
        }
    }

    @Test
    void aReceiverThatNeverAnswersHoldsUpOnlyItself() {
        try (Receiver slow = Receiver.start(); Receiver fast = Receiver.start();
             TestServer server = TestServer.start(env("BERTH_WEBHOOKS_TIMEOUT", "10s"))) {
            Webhooks hooks = server.server().webhooks();
            slow.hang();
            String slowId = hooks.create("team", OWNER, slow.url("/"), List.of("push"), "admin").webhook().id();
            hooks.create("team", OWNER, fast.url("/"), List.of("push"), "admin");
            Http http = server.http();
            for (int i = 0; i < 3; i++) {
                http.pushImage("team/app", "v" + i, "{}".getBytes(), ("layer" + i).getBytes());
            }
            // Each request to the hanging receiver takes its 10 s timeout (30 s for the three); the other
            // webhook gets all three meanwhile, long before the first of those timeouts.
            fast.await(3, Duration.ofSeconds(8));
            assertThat(hooks.deliveries("team", OWNER, slowId, null, 10)).as("the hanging one is still on its first").isEmpty();
            List<Delivery> timedOut = awaitLog(hooks, "team", slowId, has(Outcome.RETRYING, 1));
            assertThat(timedOut.getFirst().error()).isEqualTo("timed out after 10000 ms");
            assertThat(timedOut.getFirst().durationMillis()).isBetween(9_900L, 30_000L);
            slow.release();
        }
    }

    @Test
    void aTestSendsASignedPingNow() throws Exception {
        try (Receiver receiver = Receiver.start(); TestServer server = TestServer.start(env())) {
            Webhooks hooks = server.server().webhooks();
            Webhooks.Created created = hooks.create("team", OWNER, receiver.url("/"), List.of("push", "gc_run"), "admin");
            Delivery d = hooks.test("team", OWNER, created.webhook().id());
            assertThat(d.outcome()).isEqualTo(Outcome.DELIVERED);
            assertThat(d.status()).isEqualTo(200);
            Receiver.Received ping = receiver.all().getFirst();
            assertThat(ping.header("X-Berth-Event")).isEqualTo("ping");
            assertThat(ping.header("X-Berth-Signature")).isEqualTo(hmac(created.secret(), ping.body()));
            assertThat(ping.json().path("webhook").asText()).isEqualTo(created.webhook().id());
            assertThat(hooks.deliveries("team", OWNER, created.webhook().id(), null, 10)).singleElement()
                    .satisfies(l -> assertThat(l.kind()).isEqualTo("ping"));
            receiver.answer(503);
            assertThat(hooks.test("team", OWNER, created.webhook().id())).satisfies(f -> {
                assertThat(f.outcome()).isEqualTo(Outcome.FAILED);
                assertThat(f.status()).isEqualTo(503);
            });
        }
    }

    @Test
    void otherCapabilitiesPublishTheirOwnKinds() {
        try (Receiver gcA = Receiver.start(); Receiver quotaB = Receiver.start(); Receiver pushOnly = Receiver.start();
             TestServer server = TestServer.start(env())) {
            Webhooks hooks = server.server().webhooks();
            hooks.create("a", OWNER, gcA.url("/"), List.of("gc_run"), "admin");
            hooks.create("b", OWNER, quotaB.url("/"), List.of("quota_exceeded", "gc_run"), "admin");
            hooks.create("c", OWNER, pushOnly.url("/"), List.of("push"), "admin");
            hooks.publish(WebhookEvent.of(EventKind.GC_RUN, null, Map.of("swept", 12, "bytesFreed", 4096L)));
            hooks.publish(WebhookEvent.of(EventKind.QUOTA_EXCEEDED, "b", Map.of("repository", "b/app", "used", 10, "limit", 5)));
            hooks.publish(WebhookEvent.of(EventKind.QUOTA_EXCEEDED, "a", Map.of("repository", "a/app"))); // a does not subscribe
            JsonNode gc = gcA.await(1, Duration.ofSeconds(10)).getFirst().json();
            assertThat(gc.path("kind").asText()).isEqualTo("gc_run");
            assertThat(gc.has("namespace")).as("registry-wide").isFalse();
            assertThat(gc.path("bytesFreed").asLong()).isEqualTo(4096);
            assertThat(quotaB.await(2, Duration.ofSeconds(10))).extracting(r -> r.json().path("kind").asText())
                    .containsExactlyInAnyOrder("gc_run", "quota_exceeded");
            server.server().webhooks().flush();
            NotificationsTest.sleep(300);
            assertThat(gcA.all()).hasSize(1);
            assertThat(pushOnly.all()).isEmpty();
            assertThat(EventKind.register("retention_run")).isEqualTo(EventKind.RETENTION_RUN);
        }
    }

    @Test
    void deletingTheWebhookOrItsNamespaceEndsItsDeliveries() {
        try (Receiver receiver = Receiver.start(); TestServer server = TestServer.start(env())) {
            Webhooks hooks = server.server().webhooks();
            String id = hooks.create("team", OWNER, receiver.url("/"), List.of("push"), "admin").webhook().id();
            hooks.delete("team", OWNER, id);
            assertThat(hooks.list("team", OWNER)).isEmpty();
            assertThatThrownBy(() -> hooks.delete("team", OWNER, id)).isInstanceOf(RegistryException.class)
                    .satisfies(e -> assertThat(((RegistryException) e).code()).isEqualTo(ErrorCode.NOT_FOUND));
            server.http().pushImage("team/app", "v1", "{}".getBytes(), "a".getBytes());

            // A namespace deleted takes its webhooks along: one made again under the name never reaches the old URLs.
            assertThat(server.http().method("POST", "/api/v1/namespaces", "{\"name\":\"gone\",\"visibility\":\"private\"}".getBytes())
                    .statusCode()).isEqualTo(201);
            String goneId = hooks.create("gone", OWNER, receiver.url("/"), List.of("push"), "admin").webhook().id();
            assertThat(server.http().method("DELETE", "/api/v1/namespaces/gone", null).statusCode()).isEqualTo(204);
            assertThat(hooks.list("gone", OWNER)).isEmpty();
            assertThatThrownBy(() -> hooks.deliveries("gone", OWNER, goneId, null, 10)).isInstanceOf(RegistryException.class);
            server.server().webhooks().flush();
            NotificationsTest.sleep(300);
            assertThat(receiver.all()).isEmpty();
        }
    }

    @Test
    void onlyTheNamespacesOwnersManageItsWebhooks() {
        try (TestServer server = TestServer.start(env())) {
            Webhooks hooks = server.server().webhooks();
            String url = "http://127.0.0.1:9/";
            assertThatThrownBy(() -> hooks.create("team", Set.of(Action.PULL, Action.PUSH, Action.DELETE), url, List.of("push"), "w"))
                    .isInstanceOf(RegistryException.class).hasMessageContaining("owner")
                    .satisfies(e -> assertThat(((RegistryException) e).code()).isEqualTo(ErrorCode.DENIED));
            assertThatThrownBy(() -> hooks.list("team", Set.of())).isInstanceOf(RegistryException.class)
                    .satisfies(e -> assertThat(((RegistryException) e).code()).isEqualTo(ErrorCode.NOT_FOUND));
            String id = hooks.create("team", OWNER, url, List.of("push"), "admin").webhook().id();
            assertThatThrownBy(() -> hooks.get("other", OWNER, id)).as("another namespace's webhook is not found")
                    .isInstanceOf(RegistryException.class).satisfies(e -> assertThat(((RegistryException) e).code()).isEqualTo(ErrorCode.NOT_FOUND));
            assertThatThrownBy(() -> hooks.deliveries("team", Set.of(Action.PULL), id, null, 10)).isInstanceOf(RegistryException.class);
        }
    }

    @Test
    void badUrlsAndEventsAreRefused() {
        try (TestServer server = TestServer.start(env())) {
            Webhooks hooks = server.server().webhooks();
            Map<String, String> refused = Map.of(
                    "ftp://example.com/hook", "must be http:// or https://",
                    "file:///etc/passwd", "must be http:// or https://",
                    "http:///nohost", "names no host",
                    "http://user:pw@127.0.0.1/", "may not hold credentials",
                    "http://127.0.0.1/#x", "fragment",
                    "not a url at all", "not a valid URL",
                    "http://no-such-host.invalid/", "does not resolve");
            refused.forEach((url, why) -> assertThatThrownBy(() -> hooks.create("team", OWNER, url, List.of("push"), "a"))
                    .as(url).isInstanceOf(RegistryException.class).hasMessageContaining(why));
            assertThatThrownBy(() -> hooks.create("team", OWNER, "http://127.0.0.1/", List.of(), "a")).hasMessageContaining("needs events");
            assertThatThrownBy(() -> hooks.create("team", OWNER, "http://127.0.0.1/", List.of("pushed"), "a"))
                    .hasMessageContaining("unknown webhook event pushed");
            assertThatThrownBy(() -> hooks.create("team", OWNER, "http://127.0.0.1/", List.of("ping"), "a"))
                    .hasMessageContaining("unknown webhook event ping");
            assertThatThrownBy(() -> hooks.create("Team", OWNER, "http://127.0.0.1/", List.of("push"), "a")).isInstanceOf(RegistryException.class)
                    .satisfies(e -> assertThat(((RegistryException) e).code()).isEqualTo(ErrorCode.NAME_INVALID));
            for (int i = 0; i < Webhooks.MAX_PER_NAMESPACE; i++) {
                hooks.create("full", OWNER, "http://127.0.0.1/" + i, List.of("push"), "a");
            }
            assertThatThrownBy(() -> hooks.create("full", OWNER, "http://127.0.0.1/x", List.of("push"), "a"))
                    .hasMessageContaining("already has " + Webhooks.MAX_PER_NAMESPACE);
        }
    }

    @Test
    void privateTargetsAreRefusedUnlessTheOperatorAllowsThem(@TempDir Path data) {
        try (Receiver receiver = Receiver.start()) {
            String id;
            try (TestServer allowing = TestServer.start(data, env())) {
                id = allowing.server().webhooks().create("team", OWNER, receiver.url("/"), List.of("push"), "admin").webhook().id();
            }
            try (TestServer server = TestServer.start(data, Map.of())) {
                Webhooks hooks = server.server().webhooks();
                Map<String, String> refused = new java.util.LinkedHashMap<>();
                refused.put("http://127.0.0.1:8080/", "loopback");
                refused.put("http://localhost/", "does not resolve to public addresses only");
                refused.put("http://[::1]/", "loopback");
                refused.put("http://169.254.169.254/latest/meta-data/", "link-local (cloud metadata)");
                refused.put("http://[fd00:ec2::254]/", "unique-local");
                refused.put("http://[fe80::1]/", "link-local");
                refused.put("http://10.1.2.3/", "private");
                refused.put("http://172.16.0.1/", "private");
                refused.put("https://192.168.1.1/", "private");
                refused.put("http://100.64.0.1/", "carrier-grade NAT");
                refused.put("http://0.0.0.0:5000/", "wildcard");
                refused.put("http://[::ffff:127.0.0.1]/", "loopback");
                refused.put("http://[64:ff9b::a9fe:a9fe]/", "link-local");
                refused.put("http://[2002:7f00:1::]/", "loopback");
                refused.put("http://2130706433/", "loopback"); // 127.0.0.1 as one number
                refused.put("http://no-such-host.invalid/", "does not resolve to public addresses only");
                refused.forEach((url, why) -> assertThatThrownBy(() -> hooks.create("team", OWNER, url, List.of("push"), "a"))
                        .as(url).isInstanceOf(RegistryException.class).hasMessageContaining(why)
                        .hasMessageContaining("berth.webhooks.allowprivate"));
                // A name is never told apart from one that does not resolve: no mapping of internal DNS through errors.
                assertThatThrownBy(() -> hooks.create("team", OWNER, "http://localhost/", List.of("push"), "a"))
                        .hasMessageNotContaining("127.0.0.1").hasMessageNotContaining("a loopback address");
                assertThat(hooks.create("team", OWNER, "https://203.0.113.7/hook", List.of("push"), "a").webhook().url())
                        .as("a public address is fine").isEqualTo("https://203.0.113.7/hook");

                // Checked again at every connection: the webhook made while loopback was allowed no longer reaches it.
                server.http().pushImage("team/app", "v1", "{}".getBytes(), "a".getBytes());
                List<Delivery> log = awaitLog(hooks, "team", id, l -> !l.isEmpty());
                assertThat(log.getFirst().status()).isNull();
                assertThat(log.getFirst().error()).contains("127.0.0.1, a loopback address, which webhooks may not reach");
                assertThat(receiver.all()).isEmpty();
            }
        }
    }
}
