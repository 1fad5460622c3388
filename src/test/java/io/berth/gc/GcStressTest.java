package io.berth.gc;

import io.berth.gc.Images.Blob;
import io.berth.testing.Http;
import io.berth.testing.TestServer;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The invariant under load: the collector runs in a tight loop with a one-second grace period while clients
 * push images (layers shared between repositories, mounts, HEADs that skip uploads, chunked uploads, indexes,
 * deletions, pauses longer than the grace period before the manifest) and pull them over HTTP. Afterwards
 * every manifest whose PUT got 201 pulls completely with matching digests, and every refused PUT was refused
 * with MANIFEST_BLOB_UNKNOWN for blobs nobody had been told exist within the grace period.
 */
class GcStressTest {
    private static final long GRACE_MILLIS = 1_000;
    private static final long RUN_MILLIS = 15_000;
    private static final int CLIENTS = 4;
    private static final int SHARED_LAYERS = 16;
    private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");

    /** An image whose PUT was accepted and that nobody deleted: it must pull completely, always. */
    record Accepted(String repository, String tag, String digest) {
    }

    private final List<Blob> shared = new ArrayList<>();
    /** When a client last sent a request that answered that a blob exists in a repository ("repository digest" → millis). */
    private final Map<String, Long> told = new ConcurrentHashMap<>();
    private final List<Accepted> accepted = new CopyOnWriteArrayList<>();
    private final List<String> failures = new CopyOnWriteArrayList<>();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong retried = new AtomicLong();
    private final AtomicLong indexes = new AtomicLong();
    private final AtomicLong deleted = new AtomicLong();
    private final AtomicLong pulls = new AtomicLong();

    @Test
    void everyAcceptedManifestPullsCompletelyWhileTheCollectorRunsInATightLoop() throws Exception {
        for (int i = 0; i < SHARED_LAYERS; i++) {
            shared.add(GarbageCollectionContract.blob(1_000 + i, 20_000 + 2_000 * i));
        }
        try (TestServer server = TestServer.start(Map.of("BERTH_GC_GRACE", "1s", "BERTH_GC_ENABLED", "false",
                "REGISTRY_LOG_LEVEL", "error"))) {
            GarbageCollector gc = server.server().garbageCollector();
            AtomicBoolean stop = new AtomicBoolean();
            List<GcResult> cycles = new CopyOnWriteArrayList<>();
            ExecutorService threads = Executors.newFixedThreadPool(CLIENTS + 1);
            Future<?> collector = threads.submit(() -> {
                while (!stop.get()) {
                    cycles.add(gc.run(false, "stress"));
                }
            });
            List<Future<?>> clients = new ArrayList<>();
            long end = System.currentTimeMillis() + RUN_MILLIS;
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                clients.add(threads.submit(() -> client(server, client, end)));
            }
            for (Future<?> f : clients) {
                f.get(RUN_MILLIS + 30_000, TimeUnit.MILLISECONDS);
            }
            stop.set(true);
            collector.get(30, TimeUnit.SECONDS);
            threads.shutdown();

            // once more, with everything past the grace period: what is referenced is still never collected
            Thread.sleep(GRACE_MILLIS + 300);
            cycles.add(gc.run(false, "stress"));
            Http http = server.http();
            for (Accepted a : accepted) {
                Images.pullsCompletely(http, a.repository(), a.tag(), a.digest());
            }

            long swept = cycles.stream().mapToLong(GcResult::blobsSwept).sum();
            long unlinked = cycles.stream().mapToLong(GcResult::linksRemoved).sum();
            long freed = cycles.stream().mapToLong(GcResult::bytesFreed).sum();
            System.out.printf("GC stress: %d pushes accepted (%d indexes), %d refused (then re-uploaded and accepted: %d), %d deleted, "
                            + "%d pulls; %d GC cycles swept %d blobs and %d links, %d bytes freed%n", accepted.size() + deleted.get(),
                    indexes.get(), refused.get(), retried.get(), deleted.get(), pulls.get(), cycles.size(), swept, unlinked, freed);
            assertThat(failures).isEmpty();
            assertThat(cycles).allSatisfy(r -> assertThat(r.errors()).isEmpty());
            assertThat(cycles.size()).as("GC cycles").isGreaterThanOrEqualTo(8);
            assertThat(swept).as("the collector had work to do").isPositive();
            assertThat(accepted.size()).isGreaterThan(40);
            assertThat(refused.get()).as("only the first PUT of an image is ever refused").isEqualTo(retried.get());
        }
    }

    private void client(TestServer server, int client, long end) {
        Http http = server.http();
        Random random = new Random(client);
        List<Accepted> mine = new ArrayList<>();
        List<Accepted> inIndexes = new ArrayList<>();
        try {
            for (int n = 0; System.currentTimeMillis() < end; n++) {
                String repository = "stress/r" + (client * 2 + random.nextInt(2));
                int action = random.nextInt(100);
                if (action < 12 && mine.size() >= 2) {
                    index(http, random, mine, inIndexes, client, n);
                } else if (action < 24 && !mine.isEmpty()) {
                    Accepted a = mine.remove(random.nextInt(mine.size()));
                    HttpResponse<byte[]> r = http.method("DELETE", "/v2/" + a.repository() + "/manifests/" + a.digest(), null);
                    expect(r, 202, "delete " + a);
                    accepted.remove(a);
                    deleted.incrementAndGet();
                } else if (action < 40 && !mine.isEmpty()) {
                    Accepted a = mine.get(random.nextInt(mine.size()));
                    Images.pullsCompletely(http, a.repository(), a.tag(), a.digest());
                    pulls.incrementAndGet();
                } else {
                    image(http, random, repository, "c" + client + "-" + n).ifPresent(mine::add);
                }
            }
        } catch (Throwable t) {
            failures.add("client " + client + ": " + t);
        }
    }

    /** Pushes an image as a client does (HEAD, mount or upload each blob), sometimes pausing past the grace period before its manifest. */
    private java.util.Optional<Accepted> image(Http http, Random random, String repository, String tag) throws InterruptedException {
        List<Blob> layers = new ArrayList<>();
        for (int i = 0, count = 1 + random.nextInt(3); i < count; i++) {
            layers.add(random.nextInt(3) > 0 ? shared.get(random.nextInt(SHARED_LAYERS))
                    : GarbageCollectionContract.blob(random.nextLong(), 5_000 + random.nextInt(60_000)));
        }
        Blob config = GarbageCollectionContract.config(tag);
        for (Blob b : concat(config, layers)) {
            put(http, random, repository, b);
        }
        if (random.nextInt(100) < 25) {
            // Past the grace period the collector may take the blobs (nothing references them yet); then HEAD them as
            // docker does before a push, and what answered 200 must stay for the grace period, however the pause
            // before the manifest falls against a collection.
            Thread.sleep(random.nextBoolean() ? GRACE_MILLIS - 150 + random.nextInt(400) : GRACE_MILLIS + 200 + random.nextInt(1_300));
            for (Blob b : concat(config, layers)) {
                long start = System.currentTimeMillis();
                if (http.head("/v2/" + repository + "/blobs/" + b.digest()).statusCode() == 200) {
                    told(repository, b, start);
                }
            }
            Thread.sleep(random.nextInt((int) GRACE_MILLIS * 4 / 5));
        }
        byte[] manifest = Images.image(config, null, layers.toArray(Blob[]::new));
        java.util.Optional<Accepted> pushed = putManifest(http, repository, tag, Images.IMAGE, manifest);
        if (pushed.isEmpty()) {
            // as a client does after MANIFEST_BLOB_UNKNOWN: upload again (bytes the collector has tombstoned, or is
            // deleting right now, become live again) and retry, which must succeed now
            for (Blob b : concat(config, layers)) {
                long start = System.currentTimeMillis();
                http.pushBlob(repository, b.bytes());
                told(repository, b, start);
            }
            retried.incrementAndGet();
            pushed = putManifest(http, repository, tag, Images.IMAGE, manifest);
        }
        return pushed;
    }

    /** An index of two of this client's images in one repository (their manifests are never collected: nothing deletes them). */
    private void index(Http http, Random random, List<Accepted> mine, List<Accepted> inIndexes, int client, int n) {
        Accepted first = mine.get(random.nextInt(mine.size()));
        List<Blob> children = new ArrayList<>();
        for (Accepted a : mine) {
            if (a.repository().equals(first.repository()) && children.size() < 2) {
                HttpResponse<byte[]> m = http.get("/v2/" + a.repository() + "/manifests/" + a.digest(), "Accept", Images.IMAGE);
                expect(m, 200, "child " + a);
                children.add(new Blob(m.body()));
                inIndexes.add(a);
            }
        }
        mine.removeAll(inIndexes); // never deleted: an index holds them
        putManifest(http, first.repository(), "i" + client + "-" + n, Images.INDEX, Images.index(children.toArray(Blob[]::new)))
                .ifPresent(i -> indexes.incrementAndGet());
    }

    private java.util.Optional<Accepted> putManifest(Http http, String repository, String tag, String mediaType, byte[] manifest) {
        long start = System.currentTimeMillis();
        HttpResponse<byte[]> r = http.method("PUT", "/v2/" + repository + "/manifests/" + tag, manifest, "Content-Type", mediaType);
        long finished = System.currentTimeMillis();
        if (r.statusCode() == 201) {
            Accepted a = new Accepted(repository, tag, Http.sha256(manifest));
            accepted.add(a);
            return java.util.Optional.of(a);
        }
        if (r.statusCode() != 400 || !Http.errorCode(r).equals("MANIFEST_BLOB_UNKNOWN")) {
            failures.add("PUT " + repository + ":" + tag + " answered " + r.statusCode() + " " + new String(r.body()));
            return java.util.Optional.empty();
        }
        refused.incrementAndGet();
        Matcher missing = DIGEST.matcher(Http.json(r).path("errors").path(0).path("message").asText());
        boolean any = false;
        while (missing.find()) {
            any = true;
            Long last = told.get(repository + " " + missing.group());
            if (last == null || finished - last <= GRACE_MILLIS) {
                failures.add("PUT " + repository + ":" + tag + " (started " + start + ", answered " + finished + ") refused for "
                        + missing.group() + ", which a client was told exists at " + last);
            }
        }
        if (!any) {
            failures.add("PUT " + repository + ":" + tag + " refused without naming a blob: " + new String(r.body()));
        }
        return java.util.Optional.empty();
    }

    /** Makes the blob exist in the repository as clients do: HEAD first (docker skips what exists), else mount, else upload. */
    private void put(Http http, Random random, String repository, Blob b) {
        String path = "/v2/" + repository + "/blobs/";
        long start = System.currentTimeMillis();
        if (random.nextBoolean() && http.head(path + b.digest()).statusCode() == 200) {
            told(repository, b, start);
            return;
        }
        if (random.nextInt(4) == 0) {
            String from = "stress/r" + random.nextInt(CLIENTS * 2);
            start = System.currentTimeMillis();
            HttpResponse<byte[]> mount = http.method("POST", path + "uploads/?mount=" + b.digest() + "&from=" + from, null);
            if (mount.statusCode() == 201) {
                told(repository, b, start);
                return;
            }
            expect(mount, 202, "mount " + b.digest());
            http.method("DELETE", mount.headers().firstValue("Location").orElseThrow(), null);
        }
        start = System.currentTimeMillis();
        if (random.nextBoolean()) {
            http.pushBlob(repository, b.bytes());
        } else {
            chunked(http, repository, b);
        }
        told(repository, b, start);
    }

    private void chunked(Http http, String repository, Blob b) {
        HttpResponse<byte[]> started = http.method("POST", "/v2/" + repository + "/blobs/uploads/", null);
        expect(started, 202, "start an upload");
        String location = started.headers().firstValue("Location").orElseThrow();
        int half = b.bytes().length / 2;
        HttpResponse<byte[]> patched = http.method("PATCH", location, java.util.Arrays.copyOfRange(b.bytes(), 0, half),
                "Content-Type", "application/octet-stream");
        expect(patched, 202, "PATCH");
        HttpResponse<byte[]> done = http.method("PUT", location + "?digest=" + b.digest(),
                java.util.Arrays.copyOfRange(b.bytes(), half, b.bytes().length), "Content-Type", "application/octet-stream");
        expect(done, 201, "finish an upload");
    }

    private void told(String repository, Blob b, long at) {
        told.merge(repository + " " + b.digest(), at, Math::max);
    }

    private void expect(HttpResponse<byte[]> r, int status, String what) {
        if (r.statusCode() != status) {
            throw new AssertionError(what + " answered " + r.statusCode() + " " + new String(r.body()));
        }
    }

    private static List<Blob> concat(Blob first, List<Blob> rest) {
        List<Blob> all = new ArrayList<>(Collections.singletonList(first));
        all.addAll(rest);
        return all;
    }
}
