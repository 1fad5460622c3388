package io.berth.bench;

import static io.berth.bench.Bench.log;
import static io.berth.bench.Load.counted;
import static io.berth.bench.Load.timed;
import static io.berth.bench.Registry.blobs;
import static io.berth.bench.Registry.expect;
import static io.berth.bench.Registry.manifestJson;
import static io.berth.bench.Registry.pushMonolithic;
import static io.berth.bench.Registry.putManifest;
import static io.berth.bench.Registry.random;
import static io.berth.oci.MediaTypes.OCI_MANIFEST;

import io.berth.bench.Registry.Blob;
import io.berth.bench.Report.Kind;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Workload 9, garbage collection (Berth only; distribution collects offline, with the registry stopped): a
 * Berth of its own (data directory {@code berth-gc-data}, an admin's Basic credentials, a grace period of
 * {@value #GRACE_SECONDS} s, no scheduled collections) holding {@code gcImages} live images beside
 * {@code gcBlobs} blobs uploaded and never referenced. (a) One collection through the admin API,
 * {@code POST /api/v1/gc?wait=true}: the server's own figures (blobsSwept, durationMs, markMs) give blobs
 * deleted per minute and the mark phase; then every live image must still pull and every swept blob answer
 * 404, their data gone from the store. (b) Manifest GETs and small-blob pushes measured without a collection
 * (before and after) and while one runs over as many fresh unreferenced blobs; the figure is their ratio. On
 * S3 (S3Proxy, when bench/run resolved it), the set-up and (a) again, with sizes of their own.
 */
final class GcWorkload {
    /** The grace period of the workload's Berth: the seeded garbage is older than it once seeding ends. */
    static final int GRACE_SECONDS = 1;
    static final int WORKERS = 16;
    static final int LIVE_REPOSITORIES = 100;
    static final int GARBAGE_REPOSITORIES = 10;
    static final int BLOB_SIZE = 1024;

    final Config cfg;
    final Report report;
    final Path work;
    Server berth;
    /** The live images' config and layer digests, image by image. */
    String[] configs;
    String[] layers;
    /** Counts the sets of random content made, so that no two are alike. */
    int seeds = 1;

    GcWorkload(Config cfg, Report report, Path work) {
        this.cfg = cfg;
        this.report = report;
        this.work = work;
    }

    /** The figures' key prefix for the storage under test: "gc." on the filesystem, "gc.s3." on S3. */
    String prefix = "gc.";
    /** The sizes for the storage under test (S3Proxy is far slower to fill: smaller sizes of their own). */
    int images;
    int garbageBlobs;
    /** Where the storage under test keeps blob data (registry:2's layout), to see that the swept blobs' bytes are gone. */
    Path blobRoot;

    /**
     * On the filesystem: (a) and (b). On S3 (S3Proxy, when bench/run could start it: {@code s3proxy} non-null): (a),
     * in a Berth of its own storing in the bucket.
     */
    void run() throws Exception {
        images = cfg.gcImages;
        garbageBlobs = cfg.gcBlobs;
        declareFigures();
        berth = Server.startBerth(cfg, work, cfg.berthOpts, "berth-gc-data", "basic", settings(Map.of()));
        blobRoot = berth.root;
        try {
            log(String.format(Locale.ROOT, "workload: garbage collection, filesystem (a Berth of its own, port %d; setup: %,d live images, "
                    + "%,d unreferenced blobs)", berth.port, images, garbageBlobs));
            seedLiveImages();
            collectOnce(seedGarbage(prefix + "seed.blobs"));
            throughputDuringCollection();
        } finally {
            berth.stop();
        }
        if (cfg.s3proxyClasspath == null) {
            report.notes.add("GC on S3: not measured (no S3Proxy: bench/run could not resolve its class path).");
            return;
        }
        Server s3 = Server.startS3Proxy(cfg, work);
        try {
            prefix = "gc.s3.";
            images = cfg.gcS3Images;
            garbageBlobs = cfg.gcS3Blobs;
            blobRoot = work.resolve("s3proxy-data").resolve(Server.S3_BUCKET).resolve("berth");
            declareS3Figures();
            berth = Server.startBerth(cfg, work, cfg.berthOpts, "berth-gc-s3-data", "basic", settings(s3.s3Settings()));
            try {
                log(String.format(Locale.ROOT, "workload: garbage collection, S3 (S3Proxy on port %d, a Berth of its own on port %d; setup: %,d live "
                        + "images, %,d unreferenced blobs)", s3.port, berth.port, images, garbageBlobs));
                seedLiveImages();
                collectOnce(seedGarbage(prefix + "seed.blobs"));
            } finally {
                berth.stop();
            }
        } finally {
            s3.stop();
        }
    }

    /** A short grace period and no scheduled collections, with {@code storage}'s settings. */
    static Map<String, String> settings(Map<String, String> storage) {
        Map<String, String> env = new java.util.HashMap<>(storage);
        env.put("BERTH_GC_GRACE", GRACE_SECONDS + "s");
        env.put("BERTH_GC_ENABLED", "false");
        return env;
    }

    private void declareFigures() {
        declareCollectionFigures("filesystem", 50_000);
        report.figure("gc.mget.base", "manifest GET by tag (" + cfg.manifestConns + " conns), no GC running (before and after)", "req/s", Kind.ABSOLUTE, Double.NaN, "");
        report.figure("gc.mget.during", "manifest GET by tag, while a GC runs", "req/s", Kind.ABSOLUTE, Double.NaN, "");
        report.figure("gc.mget.ratio", "  manifest GET during GC ÷ without", "×", Kind.FLOOR, 0.8, "Berth ≥ 0.8");
        report.figure("gc.push.base", "small-blob push (" + WORKERS + " conns), no GC running (before and after)", "blobs/s", Kind.ABSOLUTE, Double.NaN, "");
        report.figure("gc.push.during", "small-blob push, while a GC runs", "blobs/s", Kind.ABSOLUTE, Double.NaN, "");
        report.figure("gc.push.ratio", "  small-blob push during GC ÷ without", "×", Kind.FLOOR, 0.8, "Berth ≥ 0.8");
    }

    private void declareS3Figures() {
        declareCollectionFigures("S3 (S3Proxy)", 10_000);
    }

    /** The set-up's rates and one collection's figures, under {@link #prefix}. */
    private void declareCollectionFigures(String storage, int perMinute) {
        String images = String.format(Locale.ROOT, "%,d", this.images);
        String blobs = String.format(Locale.ROOT, "%,d", garbageBlobs);
        report.figure(prefix + "seed.images", "GC set-up, " + storage + ": " + images + " live images pushed (config + layer + manifest, "
                + WORKERS + " workers)", "images/s", Kind.ABSOLUTE, Double.NaN, "");
        report.figure(prefix + "seed.blobs", "GC set-up, " + storage + ": " + blobs + " unreferenced 1 KiB blobs pushed", "blobs/s",
                Kind.ABSOLUTE, Double.NaN, "");
        report.figure(prefix + "rate", "GC, " + storage + ": blobs deleted per minute (" + blobs + " unreferenced beside " + images
                + " live images)", "blobs/min", Kind.FLOOR, perMinute, String.format(Locale.ROOT, "Berth ≥ %,d/min", perMinute));
        report.figure(prefix + "mark", "  GC mark phase (markMs)", "s", Kind.ABSOLUTE, 10, "Berth ≤ 10 s");
        report.figure(prefix + "duration", "  GC run, start to end (durationMs)", "s", Kind.ABSOLUTE, Double.NaN, "");
    }

    // --- set-up -----------------------------------------------------------------------------------

    static String liveRepository(int image) {
        return String.format(Locale.ROOT, "gc/live%02d", image % LIVE_REPOSITORIES);
    }

    static String tag(int image) {
        return String.format(Locale.ROOT, "v%06d", image);
    }

    static String garbageRepository(int blob) {
        return String.format(Locale.ROOT, "gc/garbage%02d", blob % GARBAGE_REPOSITORIES);
    }

    /** Distinct images: a config naming the image, a random 1 KiB layer, an OCI manifest under its own tag. */
    private void seedLiveImages() throws Exception {
        int n = images;
        configs = new String[n];
        layers = new String[n];
        Run r = counted(berth, WORKERS, n, 1, (c, w, i) -> {
            Blob config = Blob.of(("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},"
                    + "\"config\":{\"Labels\":{\"bench.image\":\"" + i + "\"}}}").getBytes(StandardCharsets.UTF_8));
            Blob layer = Blob.of(random(BLOB_SIZE, 7_000_000L + i));
            String repo = liveRepository(i);
            pushMonolithic(c, berth, repo, config);
            pushMonolithic(c, berth, repo, layer);
            putManifest(c, berth, repo, tag(i), manifestJson(true, config, layer, null), OCI_MANIFEST);
            configs[i] = config.digest;
            layers[i] = layer.digest;
            return true;
        });
        report.record(prefix + "seed.images", berth, r);
        requireNoErrors(r, "pushing the live images");
    }

    /** {@code gcBlobs} distinct blobs uploaded and never referenced; returns their digests once they are past the grace period. */
    private String[] seedGarbage(String figure) throws Exception {
        int n = garbageBlobs;
        String[] digests = new String[n];
        long seed = 1_000_000_000L * ++seeds;
        Run r = counted(berth, WORKERS, n, 1, (c, w, i) -> {
            Blob b = Blob.of(random(BLOB_SIZE, seed + i));
            pushMonolithic(c, berth, garbageRepository(i), b);
            digests[i] = b.digest;
            return true;
        });
        if (figure != null) {
            report.record(figure, berth, r);
        }
        requireNoErrors(r, "pushing the unreferenced blobs");
        // the last upload told its client the blob exists: wait out the grace period (and the flush of the "seen" marks)
        Thread.sleep(TimeUnit.SECONDS.toMillis(GRACE_SECONDS) + 1_000);
        return digests;
    }

    private static void requireNoErrors(Run r, String what) {
        if (r.errors() > 0) {
            throw new IllegalStateException(what + ": " + r.errors() + " requests failed");
        }
    }

    // --- (a) one collection -------------------------------------------------------------------------

    private void collectOnce(String[] garbage) throws Exception {
        log("  collecting (POST /api/v1/gc?wait=true)");
        String answer;
        try (Conn c = new Conn(berth.address)) {
            expect(c.exchange(Conn.request("POST", "/api/v1/gc?wait=true", berth, 0), null, false, true), 200, "POST /api/v1/gc?wait=true");
            answer = new String(c.body, StandardCharsets.UTF_8);
        }
        String run = lastRun(answer);
        double swept = number(run, "blobsSwept");
        double durationMs = number(run, "durationMs");
        double markMs = number(run, "markMs");
        double errors = number(run, "errors");
        log(String.format(Locale.ROOT, "  GC: %.0f blobs swept in %.0f ms (mark %.0f ms), %.0f errors", swept, durationMs, markMs, errors));
        if (errors > 0) {
            throw new IllegalStateException("the collection reported errors: " + run);
        }
        if (swept < garbage.length) {
            throw new IllegalStateException("the collection swept " + swept + " blobs, fewer than the " + garbage.length + " unreferenced: " + run);
        }
        report.record(prefix + "rate", berth, absolute(swept / (durationMs / 60_000.0), null));
        report.record(prefix + "mark", berth, absolute(markMs / 1000, Double.isNaN(markMs) ? "the server's answer has no markMs" : null));
        report.record(prefix + "duration", berth, absolute(durationMs / 1000, null));
        if (Double.isNaN(markMs)) {
            report.notes.add("GC: the server's answer to POST /api/v1/gc gave no markMs; the mark phase is not measured.");
        }
        verifyAfterCollection(garbage);
    }

    /** Every live image still pulls (its manifest and both blobs answer HEAD 200) and every swept blob answers 404. */
    private void verifyAfterCollection(String[] garbage) throws Exception {
        AtomicLong broken = new AtomicLong();
        Run live = counted(berth, WORKERS, images, 1, (c, w, i) -> {
            String repo = liveRepository(i);
            boolean ok = c.exchange(Conn.request("HEAD", "/v2/" + repo + "/manifests/" + tag(i), berth, -1, Workloads.OCI_ACCEPT), null, true, false) == 200
                    && c.exchange(Conn.request("HEAD", "/v2/" + repo + "/blobs/" + configs[i], berth, -1), null, true, false) == 200
                    && c.exchange(Conn.request("HEAD", "/v2/" + repo + "/blobs/" + layers[i], berth, -1), null, true, false) == 200;
            if (!ok) {
                broken.incrementAndGet();
            }
            return ok;
        });
        if (live.errors() > 0) {
            throw new IllegalStateException("after the collection, " + broken.get() + " of " + images + " live images no longer pull");
        }
        AtomicLong kept = new AtomicLong();
        Run gone = counted(berth, WORKERS, garbage.length, 1, (c, w, i) -> {
            int status = c.exchange(Conn.request("HEAD", "/v2/" + garbageRepository(i) + "/blobs/" + garbage[i], berth, -1), null, true, false);
            if (status != 404) {
                kept.incrementAndGet();
            }
            return status == 404;
        });
        if (gone.errors() > 0) {
            throw new IllegalStateException("after the collection, " + kept.get() + " of " + garbage.length + " unreferenced blobs still answer");
        }
        long stored = java.util.Arrays.stream(garbage).filter(d -> Files.exists(dataFile(d))).count();
        long liveMissing = java.util.Arrays.stream(layers).filter(d -> !Files.exists(dataFile(d))).count();
        if (stored > 0 || liveMissing > 0) {
            throw new IllegalStateException("after the collection, under " + blobRoot + ": " + stored + " swept blobs' data still stored, "
                    + liveMissing + " live layers' data missing");
        }
        log(String.format(Locale.ROOT, "  verified: %,d live images pull, %,d swept blobs answer 404 and their data is gone from %s", images,
                garbage.length, blobRoot));
    }

    /** A blob's data in registry:2's layout, which Berth keeps on the filesystem and as S3 keys (S3Proxy stores keys as files). */
    private Path dataFile(String digest) {
        String hex = digest.substring("sha256:".length());
        return blobRoot.resolve("docker/registry/v2/blobs/sha256/" + hex.substring(0, 2) + "/" + hex + "/data");
    }

    // --- (b) throughput while a collection runs --------------------------------------------------------

    /**
     * Without a collection before and after it (their mean is the figure without, so a drift of the machine or the
     * JIT over the workload falls on both sides), and while it runs.
     */
    private void throughputDuringCollection() throws Exception {
        log("  throughput without a collection");
        manifestGets(cfg.warmup);
        Run mgetBefore = manifestGets(cfg.duration);
        Run pushBefore = pushes();
        log("  throughput while a collection runs (setup: " + garbageBlobs + " more unreferenced blobs)");
        seedGarbage(null);
        long started = System.nanoTime();
        try (Conn c = new Conn(berth.address)) {
            expect(c.exchange(Conn.request("POST", "/api/v1/gc", berth, 0), null, false, true), 202, "POST /api/v1/gc");
        }
        Run mgetDuring = manifestGets(cfg.duration);
        Run pushDuring = pushes();
        long measured = System.nanoTime();
        String run = lastRun(awaitCollection());
        double gcSeconds = number(run, "durationMs") / 1000;
        double windowSeconds = (measured - started) / 1e9;
        String coverage = String.format(Locale.ROOT, "the collection (%.0f blobs swept; mark %.1f s, sweep and delete %.1f s, of %.1f s) ran %.1f s "
                        + "of the %.1f s measured while it ran", number(run, "blobsSwept"), number(run, "markMs") / 1000, number(run, "sweepMs") / 1000,
                gcSeconds, Math.min(gcSeconds, windowSeconds), windowSeconds);
        log("  " + coverage + "; throughput without a collection again");
        Run mgetAfter = manifestGets(cfg.duration);
        Run pushAfter = pushes();
        for (Run r : List.of(mgetBefore, mgetAfter)) {
            report.record("gc.mget.base", berth, r);
        }
        for (Run r : List.of(pushBefore, pushAfter)) {
            report.record("gc.push.base", berth, r);
        }
        report.record("gc.mget.during", berth, mgetDuring);
        report.record("gc.push.during", berth, pushDuring);
        report.record("gc.mget.ratio", berth, absolute(mgetDuring.value() / ((mgetBefore.value() + mgetAfter.value()) / 2), coverage));
        report.record("gc.push.ratio", berth, absolute(pushDuring.value() / ((pushBefore.value() + pushAfter.value()) / 2), coverage));
        report.notes.add("GC throughput: " + coverage + (gcSeconds < windowSeconds
                ? " (it ended before the measurements did: the \"while a GC runs\" figures are partly without one)." : ".")
                + " Without: the mean of a run before and a run after.");
    }

    private Run manifestGets(double seconds) throws Exception {
        ByteBuffer head = Conn.request("GET", "/v2/" + liveRepository(0) + "/manifests/" + tag(0), berth, -1, Workloads.OCI_ACCEPT);
        return timed(berth, cfg.manifestConns, seconds, 10_000_000, (c, w, i) -> c.exchange(head, null, false, false) == 200);
    }

    /** Distinct small blobs (generated before the timing), pushed back to back by {@link #WORKERS} connections. */
    private Run pushes() throws Exception {
        int perConn = cfg.gcPushesPerConn;
        List<Blob> pool = blobs(WORKERS * perConn, cfg.smallSize, 900_000L + ++seeds);
        Run r = timed(berth, WORKERS, cfg.duration, perConn, (c, w, i) -> {
            pushMonolithic(c, berth, "gc/pushes", pool.get(w * perConn + i));
            return true;
        });
        double pushed = r.value() * cfg.duration;
        if (pushed >= 0.95 * pool.size()) {
            log("  ! the push pool (" + pool.size() + " blobs) nearly ran out: raise Config.gcPushesPerConn");
        }
        return r;
    }

    private static final Pattern NOT_RUNNING = Pattern.compile("\"running\"\\s*:\\s*false");

    /** Polls GET /api/v1/gc until no collection runs (bounded: 30 minutes); the last status document. */
    private String awaitCollection() throws Exception {
        long limit = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
        try (Conn c = new Conn(berth.address)) {
            while (System.nanoTime() < limit) {
                expect(c.exchange(Conn.request("GET", "/api/v1/gc", berth, -1), null, false, true), 200, "GET /api/v1/gc");
                String status = new String(c.body, StandardCharsets.UTF_8);
                if (NOT_RUNNING.matcher(status).find()) {
                    return status;
                }
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("the collection did not end within 30 minutes");
    }

    // --- the admin API's answers ----------------------------------------------------------------

    static Run absolute(double value, String note) {
        return new Run(value, Double.NaN, Double.NaN, 0, Double.NaN, Double.NaN, note);
    }

    /** The {@code last} run of a status document (from its key on), or the whole answer when it is a run itself. */
    static String lastRun(String status) {
        int at = status.indexOf("\"last\"");
        return at < 0 ? status : status.substring(at);
    }

    /** The first number under {@code field} in a JSON text, or NaN when there is none (the bench has no JSON library). */
    static double number(String json, String field) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(field) + "\"\\s*:\\s*(-?[0-9.eE+]+)").matcher(json);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }
}
