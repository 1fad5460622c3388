package io.berth.gc;

import io.berth.config.BerthConfig;
import io.berth.config.ConfigException;
import io.berth.config.Settings;
import io.berth.metadata.jdbc.JdbcMetadataStore;
import io.berth.storage.filesystem.FilesystemDriver;
import io.berth.testing.Http;
import io.berth.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** When collections run, and the settings that say so. */
class GcScheduleTest {

    @TempDir
    Path dir;

    private static GcSettings settings(Map<String, String> env) {
        return BerthConfig.from(Settings.load(null, env)).gc();
    }

    @Test
    void settingsHaveSafeDefaultsAndRefuseNonsense() throws Exception {
        GcSettings d = settings(Map.of());
        assertThat(d).isEqualTo(GcSettings.defaults());
        assertThat(d.grace()).isEqualTo(Duration.ofHours(1));
        assertThat(d.interval()).isEqualTo(Duration.ofHours(24));
        assertThat(d.scheduled()).isTrue();
        assertThat(d.untaggedAge()).isNull();
        assertThat(d.referrers()).isFalse();
        assertThat(d.seenFlushInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(d.condemnDelay()).isEqualTo(Duration.ofMillis(10_500));
        GcSettings quick = settings(Map.of("BERTH_GC_GRACE", "1s", "BERTH_GC_UNTAGGED", "720h", "BERTH_GC_REFERRERS", "true",
                "BERTH_GC_SCHEDULE", "03:30", "BERTH_GC_ENABLED", "false"));
        assertThat(quick.seenFlushInterval()).isEqualTo(Duration.ofMillis(100));
        assertThat(quick.condemnDelay()).isEqualTo(Duration.ofMillis(700));
        assertThat(quick.untaggedAge()).isEqualTo(Duration.ofHours(720));
        assertThat(quick.dailyAt()).isEqualTo(LocalTime.of(3, 30));
        assertThat(quick.referrers()).isTrue();
        assertThat(quick.scheduled()).isFalse();
        assertThat(d.evictsCache()).as("the cache keeps what it holds unless told").isFalse();
        GcSettings evicting = settings(Map.of("BERTH_GC_CACHEEVICTAFTER", "720h", "REGISTRY_PROXY_REMOTEURL", "https://registry-1.docker.io"));
        assertThat(evicting.cacheEvictAfter()).isEqualTo(Duration.ofHours(720));
        assertThat(evicting.cacheNamespaces()).containsExactly("");
        assertThat(evicting.evictsCache()).isTrue();
        assertThat(settings(Map.of("BERTH_GC_CACHEEVICTAFTER", "0")).cacheEvictAfter()).isNull();
        assertThat(settings(Map.of("BERTH_GC_CACHEEVICTAFTER", "720h")).evictsCache()).as("no upstream, nothing to evict").isFalse();
        assertThatThrownBy(() -> settings(Map.of("BERTH_GC_CACHEEVICTAFTER", "30m"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("BERTH_GC_CACHEEVICTAFTER").hasMessageContaining("at least 1h");

        assertThatThrownBy(() -> settings(Map.of("BERTH_GC_GRACE", "500ms"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("BERTH_GC_GRACE");
        assertThatThrownBy(() -> settings(Map.of("BERTH_GC_SCHEDULE", "25:00"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("HH:MM");
        assertThatThrownBy(() -> settings(Map.of("BERTH_GC_SCHEDULE", "03:00", "BERTH_GC_INTERVAL", "12h")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("set one");
        Path yaml = dir.resolve("berth.yml");
        Files.writeString(yaml, "berth:\n  gc:\n    grace: 2h\n    untagged: 168h\n");
        assertThat(BerthConfig.from(Settings.load(yaml, Map.of())).gc().grace()).isEqualTo(Duration.ofHours(2));
        Files.writeString(yaml, "berth:\n  gc:\n    grase: 2h\n");
        assertThatThrownBy(() -> Settings.load(yaml, Map.of())).isInstanceOf(ConfigException.class).hasMessageContaining("berth.gc.grase");
    }

    @Test
    void aCollectionIsDueAnIntervalAfterTheLastOneOrOnceADayAtItsTime() {
        AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-03-01T10:00:00Z"));
        Clock clock = new Clock() {
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            public Instant instant() {
                return now.get();
            }
        };
        try (JdbcMetadataStore metadata = JdbcMetadataStore.sqlite(dir.resolve("berth.db"));
             FilesystemDriver storage = new FilesystemDriver(dir.resolve("store"))) {
            GcSettings every = new GcSettings(true, Duration.ofHours(1), Duration.ofHours(6), null, null, false);
            try (GarbageCollector gc = new GarbageCollector(metadata, metadata.gcStore(), storage, every, clock, () -> { })) {
                gc.startSchedule();
                long start = now.get().toEpochMilli();
                assertThat(gc.due(start)).isFalse();
                assertThat(gc.due(start + Duration.ofHours(1).toMillis())).as("the first: one grace period after the start").isTrue();
                metadata.gcStore().startRun(start + 1, false, "api", "n");
                metadata.gcStore().startRun(start + Duration.ofHours(5).toMillis(), true, "api", "n"); // a dry run does not count
                assertThat(gc.due(start + Duration.ofHours(6).toMillis())).isFalse();
                assertThat(gc.due(start + Duration.ofHours(6).toMillis() + 1)).isTrue();
            }
            GcSettings daily = new GcSettings(true, Duration.ofHours(1), Duration.ofHours(24), LocalTime.of(3, 0), null, false);
            try (GarbageCollector gc = new GarbageCollector(metadata, metadata.gcStore(), storage, daily, clock, () -> { })) {
                gc.startSchedule(); // at 10:00, after today's 03:00 and after the collection of 10:00
                long at = Instant.parse("2026-03-02T03:00:00Z").toEpochMilli();
                assertThat(gc.due(Instant.parse("2026-03-01T23:00:00Z").toEpochMilli())).isFalse();
                assertThat(gc.due(at - 1)).isFalse();
                assertThat(gc.due(at)).isTrue();
                metadata.gcStore().startRun(at + 5, false, "schedule", "n");
                assertThat(gc.due(at + 60_000)).as("done for today").isFalse();
                assertThat(gc.due(at + Duration.ofDays(1).toMillis())).isTrue();
            }
        }
    }

    @Test
    void aScheduledServerCollectsByItself() throws Exception {
        try (TestServer server = TestServer.start(Map.of("BERTH_GC_GRACE", "1s", "BERTH_GC_INTERVAL", "1s"))) {
            Http http = server.http();
            String lone = http.pushBlob("gc/scheduled", Images.random(90, 1_000));
            Path file = GarbageCollectionContract.blobFile(server, lone);
            long deadline = System.currentTimeMillis() + 20_000;
            while (Files.exists(file) && System.currentTimeMillis() < deadline) {
                Thread.sleep(100); // not HEADs: each would tell a client it exists, and keep it
            }
            assertThat(file).doesNotExist();
            assertThat(http.head("/v2/gc/scheduled/blobs/" + lone).statusCode()).isEqualTo(404);
            assertThat(server.server().garbageCollector().history(100)).extracting(GcRun::trigger).containsOnly("schedule");
        }
    }
}
