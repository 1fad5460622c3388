package io.berth.gc;

import io.berth.gc.Images.Blob;
import io.berth.metadata.jdbc.JdbcMetadataStore;
import io.berth.storage.filesystem.FilesystemDriver;
import io.berth.testing.Http;
import io.berth.testing.TestServer;
import io.berth.testing.Upstreams;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import static io.berth.gc.GarbageCollectionContract.blob;
import static io.berth.gc.GarbageCollectionContract.blobFile;
import static io.berth.gc.GarbageCollectionContract.config;
import static io.berth.gc.GarbageCollectionContract.itemsOf;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cache eviction policy over real HTTP: an upstream Berth, a caching Berth that pulls through it, and a
 * collector whose clock the test sets almost {@code BERTH_GC_CACHEEVICTAFTER} ahead, so that what was filled or
 * pulled more than a second ago is old enough to go and what was pulled just now is not.
 */
class CacheEvictionTest {
    private static final Duration EVICT_AFTER = Duration.ofHours(168);

    private static TestServer upstream() {
        return Upstreams.privateBerth("mirror-pw");
    }

    private static TestServer cacheOf(TestServer up) {
        return cacheOf(up, Map.of("BERTH_GC_CACHEEVICTAFTER", EVICT_AFTER.toHours() + "h"));
    }

    private static TestServer cacheOf(TestServer up, Map<String, String> settings) {
        String yaml = Upstreams.yaml("up", up, "mirror-pw", "");
        Map<String, String> env = new java.util.HashMap<>(Map.of("BERTH_GC_ENABLED", "false", "BERTH_GC_GRACE", "2s"));
        env.putAll(settings);
        return TestServer.startWithConfig(yaml, env);
    }

    /** A collector over the cache's database and data directory whose clock runs {@code ahead}. */
    private static GcResult collect(TestServer cache, Duration ahead, boolean dryRun) {
        JdbcMetadataStore metadata = (JdbcMetadataStore) cache.server().metadata();
        GcSettings settings = cache.server().garbageCollector().settings();
        try (FilesystemDriver storage = new FilesystemDriver(cache.dataDir());
             GarbageCollector aged = new GarbageCollector(metadata, metadata.gcStore(), storage, settings,
                     Clock.offset(Clock.systemUTC(), ahead), () -> { })) {
            GcResult r = aged.run(dryRun, "test");
            assertThat(r.errors()).isEmpty();
            return r;
        }
    }

    private static double upstreamManifestGets(TestServer up) {
        return up.metric("berth_http_requests_total{method=\"GET\",route=\"manifest\",status=\"200\"}");
    }

    @Test
    void cachedContentNotPulledForTheEvictionAgeGoesAndComesBackFromTheUpstream() throws Exception {
        try (TestServer up = upstream(); TestServer cache = cacheOf(up)) {
            Http pusher = up.http();
            Blob oldLayer = blob(11, 70_000);
            Blob oldConfig = config("old");
            Blob old = Images.push(pusher, "team/old", "1", oldConfig, null, oldLayer);
            Blob fresh = Images.push(pusher, "team/fresh", "1", config("fresh"), null, blob(12, 60_000));
            Blob child = Images.push(pusher, "team/multi", "child", config("child"), null, blob(13, 50_000));
            Blob index = new Blob(Images.index(child));
            pusher.pushManifest("team/multi", "1", Images.INDEX, index.bytes());

            Http client = cache.http();
            Blob own = Images.push(client, "own/app", "1", config("own"), null, blob(14, 40_000));
            Images.pullsCompletely(client, "up/team/old", "1", old.digest());
            Images.pullsCompletely(client, "up/team/fresh", "1", fresh.digest());
            Images.pullsCompletely(client, "up/team/multi", "1", index.digest()); // the child by digest, this once
            Thread.sleep(2_500);
            // Pulled again now: fresh, and multi's index by its tag (its child is only reachable through it).
            assertThat(client.get("/v2/up/team/fresh/manifests/1", "Accept", Images.IMAGE).statusCode()).isEqualTo(200);
            assertThat(client.get("/v2/up/team/multi/manifests/1", "Accept", Images.INDEX).statusCode()).isEqualTo(200);
            cache.server().usage().flush();
            Duration ahead = EVICT_AFTER.minusMillis(1_200);

            GcResult planned = collect(cache, ahead, true);
            assertThat(itemsOf(planned)).contains("TAG up/team/old 1 0", "MANIFEST up/team/old " + old.digest() + " 0",
                    "BLOB null " + oldLayer.digest() + " " + oldLayer.bytes().length);
            assertThat(planned.items()).as("only the image nobody pulled: not the fresh one, the index's child, nor the operator's own")
                    .filteredOn(i -> i.kind() == GcResult.Kind.TAG || i.kind() == GcResult.Kind.MANIFEST)
                    .extracting(GcResult.Item::repository).containsOnly("up/team/old");

            GcResult r = collect(cache, ahead, false);
            assertThat(r.manifestsDeleted()).isEqualTo(1);
            assertThat(itemsOf(r)).containsAll(itemsOf(planned).stream().filter(i -> !i.startsWith("LINK")).toList());
            assertThat(r.bytesFreed()).isEqualTo(oldLayer.bytes().length + oldConfig.bytes().length);
            assertThat(blobFile(cache, oldLayer.digest())).doesNotExist();
            assertThat(cache.server().metadata().manifest("up/team/old", io.berth.oci.Digest.parse(old.digest()))).isEmpty();

            double gets = upstreamManifestGets(up);
            Images.pullsCompletely(client, "up/team/fresh", "1", fresh.digest());
            Images.pullsCompletely(client, "up/team/multi", "1", index.digest());
            Images.pullsCompletely(client, "own/app", "1", own.digest());
            assertThat(upstreamManifestGets(up)).as("what stayed is served from the cache").isEqualTo(gets);

            Images.pullsCompletely(client, "up/team/old", "1", old.digest());
            assertThat(upstreamManifestGets(up)).as("the evicted image is fetched from the upstream again").isEqualTo(gets + 1);
            assertThat(blobFile(cache, oldLayer.digest())).exists();
        }
    }

    @Test
    void withoutTheSettingNothingIsEvicted() throws Exception {
        try (TestServer up = upstream(); TestServer cache = cacheOf(up, Map.of())) {
            Blob old = Images.push(up.http(), "team/old", "1", config("old"), null, blob(21, 10_000));
            Images.pullsCompletely(cache.http(), "up/team/old", "1", old.digest());
            assertThat(cache.server().garbageCollector().settings().evictsCache()).isFalse();
            GcResult r = collect(cache, Duration.ofDays(3650), false);
            assertThat(r.manifestsDeleted() + r.blobsSwept()).isZero();
            Images.pullsCompletely(cache.http(), "up/team/old", "1", old.digest());
        }
    }
}
