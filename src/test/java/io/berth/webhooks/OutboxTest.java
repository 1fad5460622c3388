package io.berth.webhooks;

import io.berth.metadata.jdbc.JdbcMetadataStore;
import io.berth.testing.Http;
import io.berth.testing.Postgres;
import io.berth.testing.Receiver;
import io.berth.testing.TestServer;
import io.berth.webhooks.WebhookStore.Claimed;
import io.berth.webhooks.WebhookStore.Outgoing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The outbox's claims on both databases: concurrent claimers never take the same row (PostgreSQL: FOR
 * UPDATE SKIP LOCKED; SQLite: one writer), leases keep a row from others until they expire, and two
 * Berth nodes on one PostgreSQL database deliver each event once.
 */
class OutboxTest {
    private static final String NODE_A = "node-a";

    @Test
    void claimsOnSqliteAreExclusiveAndLeased(@TempDir Path dir) throws Exception {
        try (JdbcMetadataStore db = JdbcMetadataStore.sqlite(dir.resolve("berth.db"))) {
            contract(db.webhookStore());
        }
    }

    @Test
    void claimsOnPostgresAreExclusiveAndLeased() throws Exception {
        Postgres.require();
        String database = Postgres.createDatabase();
        try (JdbcMetadataStore db = JdbcMetadataStore.postgres(Postgres.jdbcUrl(database), 8)) {
            contract(db.webhookStore());
        } finally {
            Postgres.dropDatabase(database);
        }
    }

    private static void contract(WebhookStore store) throws Exception {
        long now = System.currentTimeMillis();
        List<Outgoing> rows = new ArrayList<>();
        for (int d = 0; d < 30; d++) {
            for (int i = 0; i < 10; i++) {
                rows.add(new Outgoing("w:hook" + d, "event-" + d + "-" + i, "push", "{}", now));
            }
        }
        rows.add(new Outgoing("e:known", "env-1", "events", "{\"events\":[]}", now));
        rows.add(new Outgoing("e:elsewhere", "env-2", "events", "{\"events\":[]}", now));
        store.enqueue(rows);

        // Four claimers at once, each until nothing is left: every row is claimed once, by one of them.
        ConcurrentLinkedQueue<Long> claimed = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> claimers = new ArrayList<>();
        for (int n = 0; n < 4; n++) {
            String node = "node-" + n;
            claimers.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                    List<Claimed> got;
                    do {
                        got = store.claim(node, now, now + 60_000, 20, 3, Set.of(), Set.of("e:known"));
                        got.forEach(c -> claimed.add(c.id()));
                    } while (!got.isEmpty());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        start.countDown();
        for (Thread t : claimers) {
            t.join(60_000);
        }
        assertThat(claimed).as("no row claimed twice").doesNotHaveDuplicates();
        assertThat(claimed).as("every webhook row, and the endpoint rows of this node only").hasSize(301);
        assertThat(store.pending("e:elsewhere")).isEqualTo(1);

        // Leased rows are nobody else's until the lease ends; released ones are due at once.
        assertThat(store.claim(NODE_A, now + 1_000, now + 120_000, 500, 500, Set.of(), Set.of("e:known"))).isEmpty();
        List<Claimed> expired = store.claim(NODE_A, now + 61_000, now + 120_000, 500, 1, Set.of("w:hook0"), Set.of());
        assertThat(expired).as("one per destination, the busy one skipped, endpoints not named skipped")
                .hasSize(29).extracting(Claimed::destination).doesNotContain("w:hook0", "e:known").doesNotHaveDuplicates();
        store.release(expired.stream().map(Claimed::id).toList());
        assertThat(store.claim("node-b", now + 61_000, now + 120_000, 500, 1, Set.of(), Set.of())).hasSize(30);

        // A retry waits for its time; a delivery leaves the outbox.
        Claimed one = store.claim(NODE_A, now + 130_000, now + 200_000, 1, 1, Set.of(), Set.of()).getFirst();
        store.retry(one, now + 500_000, delivery(one, WebhookStore.Outcome.RETRYING));
        assertThat(store.claim(NODE_A, now + 210_000, now + 300_000, 1000, 1000, Set.of(), Set.of()))
                .extracting(Claimed::id).doesNotContain(one.id());
        Claimed again = store.claim(NODE_A, now + 500_000, now + 600_000, 1000, 1000, Set.of(), Set.of()).stream()
                .filter(c -> c.id() == one.id()).findFirst().orElseThrow();
        assertThat(again.attempts()).isEqualTo(1);
        store.delivered(again, delivery(again, WebhookStore.Outcome.DELIVERED));
        assertThat(store.deliveries(one.destination(), null, 10)).extracting(WebhookStore.Delivery::outcome)
                .containsExactly(WebhookStore.Outcome.DELIVERED, WebhookStore.Outcome.RETRYING);
        assertThat(store.pending(one.destination())).isEqualTo(9);
    }

    private static WebhookStore.Delivery delivery(Claimed c, WebhookStore.Outcome outcome) {
        return new WebhookStore.Delivery(0, c.destination(), c.eventId(), c.kind(), c.attempts() + 1, System.currentTimeMillis(),
                outcome == WebhookStore.Outcome.DELIVERED ? 200 : null, outcome == WebhookStore.Outcome.DELIVERED ? null : "x", 1, outcome);
    }

    @Test
    void twoNodesOnOnePostgresDatabaseDeliverEachEventOnce(@TempDir Path a, @TempDir Path b) {
        Postgres.require();
        String database = Postgres.createDatabase();
        Map<String, String> env = Map.of("BERTH_DATABASE_URL", Postgres.jdbcUrl(database), "BERTH_WEBHOOKS_ALLOWPRIVATE", "true",
                "BERTH_WEBHOOKS_BACKOFF", "100ms");
        try (Receiver receiver = Receiver.start(); TestServer first = TestServer.start(a, env)) {
            Webhooks.Created hook = first.server().webhooks().create("team", io.berth.auth.Action.ALL, receiver.url("/"), List.of("push", "pull"), "admin");
            try (TestServer second = TestServer.start(b, env)) {
                List<Supplier<Http>> nodes = List.of(first::http, second::http);
                int pushes = 12;
                for (int i = 0; i < pushes; i++) {
                    Http http = nodes.get(i % 2).get();
                    http.pushImage("team/app", "v" + i, "{}".getBytes(), ("layer on " + (i % 2)).getBytes());
                    http.get("/v2/team/app/manifests/v" + i, "Accept", WebhooksTest.MANIFEST);
                }
                receiver.await(2 * pushes, Duration.ofSeconds(30));
                first.server().webhooks().flush();
                second.server().webhooks().flush();
                NotificationsTest.sleep(1_000);
                List<String> ids = receiver.all().stream().map(r -> r.header("X-Berth-Delivery")).toList();
                assertThat(ids).as("each event once, whichever node delivered it").hasSize(2 * pushes).doesNotHaveDuplicates();
                Set<String> tags = new HashSet<>();
                receiver.all().forEach(r -> tags.add(r.json().path("kind").asText() + " " + r.json().path("target").path("tag").asText()));
                assertThat(tags).hasSize(2 * pushes);
                assertThat(second.server().webhooks().deliveries("team", io.berth.auth.Action.ALL, hook.webhook().id(), null, 100))
                        .as("one log, shared by the nodes").hasSize(2 * pushes);
            }
        } finally {
            Postgres.dropDatabase(database);
        }
    }
}
