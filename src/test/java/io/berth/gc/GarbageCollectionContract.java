package io.berth.gc;

import io.berth.gc.Images.Blob;
import io.berth.oci.Digest;
import io.berth.registry.BlobLayout;
import io.berth.testing.Http;
import io.berth.testing.TestServer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.berth.gc.Images.random;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Garbage collection through a real server on the filesystem driver, over HTTP; run with SQLite
 * ({@link GcOnSqliteTest}) and with PostgreSQL ({@link GcOnPostgresTest}) as the metadata store.
 */
abstract class GarbageCollectionContract {
    static final Duration GRACE = Duration.ofSeconds(2);

    /** The metadata store's settings (none: SQLite in the data directory). */
    protected abstract Map<String, String> database();

    TestServer start(Map<String, String> settings) {
        Map<String, String> env = new HashMap<>(database());
        env.put("BERTH_GC_GRACE", GRACE.toSeconds() + "s");
        env.put("BERTH_GC_ENABLED", "false"); // the tests collect
        env.putAll(settings);
        return TestServer.start(env);
    }

    static GcResult collect(TestServer server, boolean dryRun) {
        GcResult r = server.server().garbageCollector().run(dryRun, "test");
        assertThat(r.errors()).isEmpty();
        return r;
    }

    /** Waits until what exists now is past the grace period. */
    static void pastGrace() throws InterruptedException {
        Thread.sleep(GRACE.toMillis() + 400);
    }

    static Path blobFile(TestServer server, String digest) {
        return server.dataDir().resolve(BlobLayout.blobPath(Digest.parse(digest)));
    }

    /** The bytes under the blob store's directory. */
    static long blobBytes(TestServer server) {
        try (Stream<Path> files = Files.walk(server.dataDir().resolve("docker/registry/v2/blobs"))) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An image config, distinct by {@code name}. */
    static Blob config(String name) {
        return new Blob(("{\"architecture\":\"amd64\",\"os\":\"linux\",\"name\":\"" + name + "\"}").getBytes());
    }

    static Blob blob(long seed, int size) {
        return new Blob(random(seed, size));
    }

    static Set<String> itemsOf(GcResult r) {
        return r.items().stream().map(i -> i.kind() + " " + i.repository() + " " + i.name() + " " + i.size()).collect(Collectors.toSet());
    }

    @Test
    void aDeletedImagesBytesGoAndLiveImagesStillPullCompletely() throws Exception {
        try (TestServer server = start(Map.of())) {
            Http http = server.http();
            Blob shared = blob(1, 200_000);
            Blob layerA = blob(2, 300_000);
            Blob layerB = blob(3, 400_000);
            Blob configA = config("a");
            Blob configB = config("b");
            Blob a = Images.push(http, "gc/app", "a", configA, null, shared, layerA);
            Blob b = Images.push(http, "gc/app", "b", configB, null, shared, layerB);
            Blob other = Images.push(http, "gc/other", "v1", configA, null, shared);
            assertThat(http.method("DELETE", "/v2/gc/app/manifests/" + b.digest(), null).statusCode()).isEqualTo(202);
            long before = blobBytes(server);
            pastGrace();

            GcResult r = collect(server, false);
            assertThat(r.blobsSwept()).isEqualTo(2);
            assertThat(r.linksRemoved()).isEqualTo(2);
            long freed = configB.bytes().length + layerB.bytes().length;
            assertThat(r.bytesFreed()).isEqualTo(freed);
            assertThat(r.marked()).isEqualTo(3); // shared, layerA, configA
            assertThat(blobBytes(server)).as("the data directory shrank by the deleted image's blobs").isEqualTo(before - freed);
            assertThat(blobFile(server, layerB.digest())).doesNotExist();
            assertThat(blobFile(server, layerB.digest()).getParent()).as("with its directory").doesNotExist();
            assertThat(blobFile(server, configB.digest())).doesNotExist();
            assertThat(http.get("/v2/gc/app/blobs/" + layerB.digest()).statusCode()).isEqualTo(404);
            Images.pullsCompletely(http, "gc/app", "a", a.digest());
            Images.pullsCompletely(http, "gc/other", "v1", other.digest());

            GcResult again = collect(server, false);
            assertThat(again.blobsSwept() + again.linksRemoved() + again.bytesFreed()).as("nothing left to collect").isZero();
            assertThat(server.server().garbageCollector().history(10)).hasSize(2)
                    .first().satisfies(run -> assertThat(run.finishedAt()).isNotNull());
        }
    }

    @Test
    void aDryRunListsExactlyWhatTheCollectionThenDeletes() throws Exception {
        try (TestServer server = start(Map.of())) {
            Http http = server.http();
            Blob config = config("plain");
            Blob kept = blob(10, 50_000);
            Blob gone = blob(11, 60_000);
            Images.push(http, "gc/app", "kept", config, null, kept);
            Blob goneImage = Images.push(http, "gc/app", "gone", config, null, gone);
            http.method("DELETE", "/v2/gc/app/manifests/" + goneImage.digest(), null);
            String lone = http.pushBlob("gc/app", random(12, 70_000));
            HttpResponse<byte[]> mounted = http.method("POST", "/v2/gc/idle/blobs/uploads/?mount=" + kept.digest() + "&from=gc/app", null);
            assertThat(mounted.statusCode()).isEqualTo(201);
            Blob orphan = blob(13, 80_000);
            writeOrphan(server, orphan, Instant.now().minus(Duration.ofHours(1)));
            pastGrace();
            String fresh = http.pushBlob("gc/app", random(14, 90_000)); // within the grace period: stays

            GcResult dry = collect(server, true);
            assertThat(dry.dryRun()).isTrue();
            assertThat(itemsOf(dry)).containsExactlyInAnyOrder(
                    "LINK gc/app " + gone.digest() + " 0", "LINK gc/app " + lone + " 0", "LINK gc/idle " + kept.digest() + " 0",
                    "BLOB null " + gone.digest() + " 60000", "BLOB null " + lone + " 70000",
                    "ORPHAN_BLOB null " + orphan.digest() + " 80000");
            assertThat(dry.bytesFreed()).isEqualTo(60_000 + 70_000 + 80_000);
            assertThat(blobFile(server, gone.digest())).as("a dry run deletes nothing").exists();
            assertThat(http.head("/v2/gc/app/blobs/" + lone).statusCode()).isEqualTo(200);
            Thread.sleep(100); // the HEAD told a client lone exists: it stays now

            GcResult real = collect(server, false);
            Set<String> expected = itemsOf(dry);
            expected.remove("LINK gc/app " + lone + " 0");
            expected.remove("BLOB null " + lone + " 70000");
            assertThat(itemsOf(real)).isEqualTo(expected);
            assertThat(real.bytesFreed()).isEqualTo(60_000 + 80_000);
            assertThat(blobFile(server, gone.digest())).doesNotExist();
            assertThat(blobFile(server, orphan.digest())).doesNotExist();
            assertThat(blobFile(server, lone)).exists();
            assertThat(blobFile(server, fresh)).exists();
            assertThat(http.head("/v2/gc/idle/blobs/" + kept.digest()).statusCode()).isEqualTo(404);
            assertThat(http.head("/v2/gc/app/blobs/" + kept.digest()).statusCode()).isEqualTo(200);
        }
    }

    /**
     * A HEAD is a read: what it saw is written in batches, and a HEAD of a link the collector has condemned
     * rescues it at once. Either way the client may then push a manifest referencing the blob.
     */
    @Test
    void aBlobAClientWasJustToldExistsStays() throws Exception {
        try (TestServer server = start(Map.of())) {
            Http http = server.http();
            Blob config = config("told");
            Blob headBefore = blob(20, 10_000);
            Blob headDuring = blob(21, 10_000);
            http.pushBlob("gc/told", config.bytes());
            http.pushBlob("gc/told", headBefore.bytes());
            http.pushBlob("gc/told", headDuring.bytes());
            pastGrace();
            assertThat(http.head("/v2/gc/told/blobs/" + headBefore.digest()).statusCode()).isEqualTo(200);
            assertThat(http.head("/v2/gc/told/blobs/" + config.digest()).statusCode()).isEqualTo(200);

            GarbageCollector gc = server.server().garbageCollector();
            CompletableFuture<GcResult> running = gc.start(false, "test").done();
            long deadline = System.currentTimeMillis() + 10_000;
            while (!"waiting".equals(gc.status().phase()) && System.currentTimeMillis() < deadline) {
                Thread.sleep(10);
            }
            assertThat(gc.status().running()).isTrue();
            assertThat(http.head("/v2/gc/told/blobs/" + headDuring.digest()).statusCode()).as("rescued").isEqualTo(200);
            GcResult r = running.join();
            assertThat(r.errors()).isEmpty();
            assertThat(r.blobsSwept()).isZero();
            assertThat(r.linksRemoved()).isZero();

            byte[] manifest = Images.image(config, null, headBefore, headDuring);
            assertThat(http.method("PUT", "/v2/gc/told/manifests/v1", manifest, "Content-Type", Images.IMAGE).statusCode()).isEqualTo(201);
            Images.pullsCompletely(http, "gc/told", "v1", Http.sha256(manifest));
            assertThat(gc.status().running()).isFalse();
            assertThat(gc.status().last().runId()).isEqualTo(r.runId());
        }
    }

    @Test
    void orphansTheMetadataDoesNotKnowAreReclaimedOnceOld() throws Exception {
        try (TestServer server = start(Map.of())) {
            Http http = server.http();
            Instant old = Instant.now().minus(Duration.ofHours(2));
            Blob orphan = blob(30, 12_345);
            Blob recent = blob(31, 5_000);
            writeOrphan(server, orphan, old);
            writeOrphan(server, recent, Instant.now());
            Path abandoned = server.dataDir().resolve("berth/uploads/" + java.util.UUID.randomUUID() + "/data");
            Files.createDirectories(abandoned.getParent());
            Files.write(abandoned, random(32, 4_000));
            Files.setLastModifiedTime(abandoned, FileTime.from(old));
            // an upload session in progress, idle for as long: it is the upload purge's, not the collector's
            HttpResponse<byte[]> started = http.method("POST", "/v2/gc/up/blobs/uploads/", null);
            String location = started.headers().firstValue("Location").orElseThrow();
            byte[] first = random(33, 1_000);
            byte[] rest = random(34, 1_000);
            assertThat(http.method("PATCH", location, first, "Content-Type", "application/octet-stream").statusCode()).isEqualTo(202);
            Path session = server.dataDir().resolve("berth/uploads/" + location.substring(location.lastIndexOf('/') + 1) + "/data");
            Files.setLastModifiedTime(session, FileTime.from(old));

            GcResult r = collect(server, false);
            assertThat(itemsOf(r)).containsExactlyInAnyOrder("ORPHAN_BLOB null " + orphan.digest() + " 12345",
                    "ORPHAN_UPLOAD null berth/uploads/" + abandoned.getParent().getFileName() + " 4000");
            assertThat(r.orphans()).isEqualTo(2);
            assertThat(r.bytesFreed()).isEqualTo(12_345 + 4_000);
            assertThat(blobFile(server, orphan.digest()).getParent()).doesNotExist();
            assertThat(blobFile(server, recent.digest())).exists();
            assertThat(abandoned.getParent()).doesNotExist();
            assertThat(session).exists();
            byte[] whole = new byte[2_000];
            System.arraycopy(first, 0, whole, 0, 1_000);
            System.arraycopy(rest, 0, whole, 1_000, 1_000);
            assertThat(http.method("PUT", location + "?digest=" + Http.sha256(whole), rest, "Content-Type", "application/octet-stream")
                    .statusCode()).isEqualTo(201);
        }
    }

    @Test
    void theUntaggedPolicyKeepsIndexChildrenAndReferrersOfLiveSubjects() throws Exception {
        try (TestServer server = start(Map.of("BERTH_GC_UNTAGGED", "1s"))) {
            Http http = server.http();
            Blob config = config("policy");
            Blob tagged = Images.push(http, "gc/pol", "v1", config, null, blob(40, 1_000));
            Blob untagged = Images.push(http, "gc/pol", "placeholder", config, null, blob(41, 1_000));
            http.method("DELETE", "/v2/gc/pol/manifests/placeholder", null); // the tag goes, the manifest stays
            Blob child = pushByDigest(http, "gc/pol", Images.image(config, null, blob(42, 1_000)), random(42, 1_000), config);
            Blob liveIndex = new Blob(Images.index(child));
            http.pushManifest("gc/pol", "multi", Images.INDEX, liveIndex.bytes());
            Blob orphanChild = pushByDigest(http, "gc/pol", Images.image(config, null, blob(43, 1_000)), random(43, 1_000), config);
            Blob deadIndex = new Blob(Images.index(orphanChild));
            http.pushManifest("gc/pol", deadIndex.digest(), Images.INDEX, deadIndex.bytes());
            Blob signature = pushByDigest(http, "gc/pol", Images.image(config, tagged, blob(44, 100)), random(44, 100), config);
            Blob danglingSignature = pushByDigest(http, "gc/pol", Images.image(config, untagged, blob(45, 100)), random(45, 100), config);
            pastGrace();

            GcResult dry = collect(server, true);
            GcResult r = collect(server, false);
            assertThat(itemsOf(r)).isEqualTo(itemsOf(dry));
            assertThat(r.items().stream().filter(i -> i.kind() == GcResult.Kind.MANIFEST).map(GcResult.Item::name))
                    .containsExactlyInAnyOrder(untagged.digest(), deadIndex.digest(), orphanChild.digest(), danglingSignature.digest());
            assertThat(r.blobsSwept()).as("the layers only the deleted manifests used").isEqualTo(3);
            for (Blob gone : List.of(untagged, deadIndex, orphanChild, danglingSignature)) {
                assertThat(http.get("/v2/gc/pol/manifests/" + gone.digest(), "Accept", Images.IMAGE + ", " + Images.INDEX).statusCode())
                        .isEqualTo(404);
            }
            Images.pullsCompletely(http, "gc/pol", "v1", tagged.digest());
            Images.pullsCompletely(http, "gc/pol", "multi", liveIndex.digest());
            Images.pullsCompletely(http, "gc/pol", signature.digest(), signature.digest());
            assertThat(Http.json(http.get("/v2/gc/pol/referrers/" + tagged.digest())).path("manifests").path(0).path("digest").asText())
                    .isEqualTo(signature.digest());
        }
    }

    @Test
    void referrersGoWithTheirSubject() throws Exception {
        try (TestServer server = start(Map.of("BERTH_GC_REFERRERS", "true"))) {
            Http http = server.http();
            Blob config = config("signed");
            Blob signatureLayer = blob(50, 300);
            Blob subject = Images.push(http, "gc/sig", "v1", config, null, blob(51, 2_000));
            Blob kept = Images.push(http, "gc/sig", "v2", config, null, blob(52, 2_000));
            Blob signature = Images.push(http, "gc/sig", "v1.sig", config, subject, signatureLayer);
            Blob keptSignature = Images.push(http, "gc/sig", "v2.sig", config, kept, blob(53, 300));
            assertThat(http.method("DELETE", "/v2/gc/sig/manifests/" + subject.digest(), null).statusCode()).isEqualTo(202);
            pastGrace();

            GcResult r = collect(server, false);
            assertThat(r.items().stream().filter(i -> i.kind() == GcResult.Kind.MANIFEST).map(GcResult.Item::name))
                    .containsExactly(signature.digest());
            assertThat(http.get("/v2/gc/sig/manifests/v1.sig").statusCode()).as("with its tag").isEqualTo(404);
            assertThat(blobFile(server, signatureLayer.digest())).doesNotExist();
            Images.pullsCompletely(http, "gc/sig", "v2.sig", keptSignature.digest());
            assertThat(Http.json(http.get("/v2/gc/sig/tags/list")).path("tags").toString()).isEqualTo("[\"v2\",\"v2.sig\"]");
        }
    }

    @Test
    void aDeletedRepositorysBytesGoAtTheNextCollection() throws Exception {
        try (TestServer server = start(Map.of())) {
            Http http = server.http();
            Blob config = config("repo");
            Blob own = blob(60, 3_000);
            Blob shared = blob(61, 4_000);
            Images.push(http, "gc/doomed", "v1", config, null, own, shared);
            Blob survivor = Images.push(http, "gc/survivor", "v1", config, null, shared);
            server.server().registry().deleteRepository("gc/doomed");
            assertThat(Http.errorCode(http.get("/v2/gc/doomed/tags/list"))).isEqualTo("NAME_UNKNOWN");
            assertThat(Http.json(http.get("/v2/_catalog")).path("repositories").toString()).doesNotContain("gc/doomed");
            pastGrace();

            GcResult r = collect(server, false);
            assertThat(r.items().stream().filter(i -> i.kind() == GcResult.Kind.BLOB).map(GcResult.Item::name)).containsExactly(own.digest());
            assertThat(blobFile(server, own.digest())).doesNotExist();
            Images.pullsCompletely(http, "gc/survivor", "v1", survivor.digest());
        }
    }

    /** Pushes a manifest by its digest (untagged), with its config and one layer. */
    private static Blob pushByDigest(Http http, String repository, byte[] manifest, byte[] layer, Blob config) {
        http.pushBlob(repository, config.bytes());
        http.pushBlob(repository, layer);
        Blob m = new Blob(manifest);
        http.pushManifest(repository, m.digest(), Images.IMAGE, manifest);
        return m;
    }

    /** Blob data written straight into the store, as a crash between writing and recording leaves it. */
    static void writeOrphan(TestServer server, Blob blob, Instant modified) throws IOException {
        Path file = blobFile(server, blob.digest());
        Files.createDirectories(file.getParent());
        Files.write(file, blob.bytes());
        Files.setLastModifiedTime(file, FileTime.from(modified));
    }
}
