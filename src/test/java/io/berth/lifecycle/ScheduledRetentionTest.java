package io.berth.lifecycle;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Retention runs by itself every berth.retention.interval, once per interval however many nodes share the database. */
class ScheduledRetentionTest extends LifecycleServer {
    @Override
    Map<String, String> settings() {
        return Map.of("BERTH_RETENTION_INTERVAL", "1s");
    }

    @Test
    void theScheduleRunsTheRulesAndTheAuditSaysSo() throws InterruptedException {
        push("team/app", "old", image("team/app", "old"));
        tagPushedDaysAgo("team/app", "old", 3);
        push("team/app", "new", image("team/app", "new"));
        retention().setRules("team", List.of(new RetentionRule(List.of(), 1, null, List.of(), false)));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (tags("team/app").size() > 1 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(tags("team/app")).containsExactly("new");
        assertThat(text(http.get("/api/v1/audit?actor=retention"))).contains("\"target\":\"team/app:old\"", "; scheduled run");
    }

    @Test
    void oneScheduledRunPerIntervalAcrossNodes() {
        // Two nodes' services on one database, with a long interval: the first takes the lease, the second finds it held.
        RetentionSettings daily = new RetentionSettings(Duration.ofHours(24), Duration.ofHours(1));
        Retention nodeA = new Retention(lifecycleStore(), LastPulled.NOT_RECORDED, daily, Clock.systemUTC());
        Retention nodeB = new Retention(lifecycleStore(), LastPulled.NOT_RECORDED, daily, Clock.systemUTC());
        // The server's own 1 s schedule may hold the lease for up to a second: wait it out once.
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        boolean ran = false;
        while (!ran && System.nanoTime() < deadline) {
            ran = nodeA.runScheduled().isPresent();
        }
        assertThat(ran).isTrue();
        assertThat(nodeB.runScheduled()).isEmpty();
        assertThat(nodeA.runScheduled()).isEmpty();
    }
}
