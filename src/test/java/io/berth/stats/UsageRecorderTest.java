package io.berth.stats;

import io.berth.events.RegistryEvent;
import io.berth.metadata.jdbc.JdbcMetadataStore;
import io.berth.oci.Digest;
import io.berth.oci.ManifestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/** The sink on a real database: flushes that run while requests publish lose no count and keep the latest pull. */
class UsageRecorderTest {
    @TempDir
    Path dir;

    @Test
    void flushingWhileEventsArriveLosesNothing() throws Exception {
        try (JdbcMetadataStore meta = JdbcMetadataStore.sqlite(dir.resolve("berth.db"))) {
            Digest layer = Digest.sha256("layer".getBytes(StandardCharsets.UTF_8));
            meta.linkBlob("team/app", layer, 5);
            byte[] content = "{\"schemaVersion\":2}".getBytes(StandardCharsets.UTF_8);
            ManifestRecord m = new ManifestRecord("team/app", Digest.sha256(content), "application/vnd.oci.image.manifest.v1+json",
                    content, null, null, null, 1L);
            for (int t = 0; t < 10; t++) {
                meta.putManifest(m, "t" + t, List.of(layer), List.of());
            }
            UsageStatistics stats = UsageStatistics.reader(meta.usageStore(), Clock.systemUTC());
            int threads = 8;
            int perThread = 20_000;
            AtomicBoolean publishing = new AtomicBoolean(true);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < threads; w++) {
                int worker = w;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        boolean push = i % 10 == 0;
                        stats.sink().publish(new RegistryEvent(push ? RegistryEvent.Action.PUSH : RegistryEvent.Action.PULL,
                                RegistryEvent.Target.MANIFEST, worker % 2 == 0 ? "team/app" : "other/app", m.digest(),
                                m.mediaType(), m.size(), "t" + (i % 7), null, null, null, Instant.now()));
                        // events the statistics ignore: blobs, mounts, deletes
                        stats.sink().publish(new RegistryEvent(RegistryEvent.Action.PULL, RegistryEvent.Target.BLOB, "team/app", layer,
                                "application/octet-stream", 5, null, null, null, null, Instant.now()));
                    }
                    return null;
                }));
            }
            Thread flusher = Thread.ofPlatform().start(() -> {
                while (publishing.get()) {
                    stats.flush();
                }
            });
            for (Future<?> f : done) {
                f.get(120, TimeUnit.SECONDS);
            }
            publishing.set(false);
            flusher.join();
            stats.close();

            Snapshot s = stats.snapshot();
            long events = (long) threads * perThread;
            assertThat(s.days().getLast().pushes()).isEqualTo(events / 10);
            assertThat(s.days().getLast().pulls()).isEqualTo(events - events / 10);
            long start = System.currentTimeMillis() - 120_000;
            for (int t = 0; t < 7; t++) {
                assertThat(meta.usageStore().tagLastPulled("team/app", "t" + t).orElseThrow()).isGreaterThan(start);
            }
            assertThat(meta.usageStore().tagLastPulled("other/app", "t1")).as("no such tag: never recorded").isEmpty();
            assertThat(meta.usageStore().daily(0)).filteredOn(d -> d.scope().equals("other"))
                    .singleElement().satisfies(d -> assertThat(d.pushes() + d.pulls()).isEqualTo(events / 2));
        }
    }
}
