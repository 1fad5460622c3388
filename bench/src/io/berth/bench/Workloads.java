package io.berth.bench;

import static io.berth.bench.Bench.log;
import static io.berth.bench.Config.MiB;
import static io.berth.bench.Load.counted;
import static io.berth.bench.Load.sequential;
import static io.berth.bench.Load.timed;
import static io.berth.bench.Registry.blobs;
import static io.berth.bench.Registry.count;
import static io.berth.bench.Registry.manifestJson;
import static io.berth.bench.Registry.mount;
import static io.berth.bench.Registry.pushChunked;
import static io.berth.bench.Registry.pushMonolithic;
import static io.berth.bench.Registry.putManifest;
import static io.berth.bench.Registry.random;
import static io.berth.bench.Registry.walk;
import static io.berth.oci.MediaTypes.DOCKER_LIST;
import static io.berth.oci.MediaTypes.DOCKER_MANIFEST;
import static io.berth.oci.MediaTypes.OCI_INDEX;
import static io.berth.oci.MediaTypes.OCI_MANIFEST;

import io.berth.bench.Load.Request;
import io.berth.bench.Registry.Blob;
import io.berth.bench.Report.Kind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The workloads (numbered as in docs/performance.md): each declares its figures, sets up what it needs on
 * both servers, warms them up, and records its measured runs, alternating which server goes first.
 */
final class Workloads {
    static final String OCI_ACCEPT = "Accept: " + OCI_MANIFEST + ", " + OCI_INDEX;
    static final String DOCKER_ACCEPT = "Accept: " + DOCKER_MANIFEST + ", " + DOCKER_LIST;

    final Config cfg;
    final Report report;
    final Server berth;
    final Server dist;
    /** Started for the pulls, stopped after them. */
    Server nginx;
    int runCounter;
    /** The image config and layer every manifest refers to. */
    final Blob config;
    final Blob layer;

    Workloads(Config cfg, Report report, Server berth, Server dist) {
        this.cfg = cfg;
        this.report = report;
        this.berth = berth;
        this.dist = dist;
        config = Blob.of("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}"
                .getBytes(StandardCharsets.UTF_8));
        layer = Blob.of(random(4096, 99));
    }

    void figure(String key, String title, String unit, Kind kind, double target, String targetText) {
        report.figure(key, title, unit, kind, target, targetText);
    }

    void record(String key, Server s, Run r) {
        report.record(key, s, r);
    }

    /** The servers in alternating order: rep 0 Berth first, rep 1 distribution first, ... */
    List<Server> order(int rep, boolean withNginx) {
        List<Server> l = new ArrayList<>(withNginx ? List.of(berth, dist, nginx) : List.of(berth, dist));
        java.util.Collections.rotate(l, -(rep % l.size()));
        return l;
    }

    static void sync() {
        try {
            new ProcessBuilder("sync").inheritIO().start().waitFor(120, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            // best effort
        }
    }

    // --- 1. blob push ---------------------------------------------------------------------------

    void pushes() throws Exception {
        String mb = (cfg.pushBlob / MiB) + " MiB";
        figure("push.mono", "blob push, monolithic (" + cfg.pushClients + " × " + mb + ")", "MiB/s", Kind.THROUGHPUT, 1.5, "≥ 1.5×");
        figure("push.chunked", "blob push, chunked " + (cfg.pushChunk / MiB) + " MiB PATCHes (" + cfg.pushClients + " × " + mb + ")",
                "MiB/s", Kind.THROUGHPUT, 2.0, "≥ 2×");
        // Both servers fsync a blob before answering; for the record (no target), the same runs counted until the
        // data is on disk — the push time plus the sync that follows it — show that nothing is left to write.
        figure("push.mono.durable", "  monolithic, counted until the data is on disk (+ sync)", "MiB/s", Kind.THROUGHPUT, Double.NaN, "");
        figure("push.chunked.durable", "  chunked, counted until the data is on disk (+ sync)", "MiB/s", Kind.THROUGHPUT, Double.NaN, "");
        for (String mode : List.of("mono", "chunked")) {
            log("workload: blob push, " + mode);
            // warm-up: one small round per server
            for (Server s : order(0, false)) {
                List<Blob> w = blobs(cfg.pushClients, Math.min(cfg.pushBlob, 4 * MiB), ++runCounter);
                pushRound(s, mode, w, (int) Math.min(cfg.pushChunk, MiB));
            }
            sync();
            for (int rep = 0; rep < cfg.reps; rep++) {
                for (Server s : order(rep, false)) {
                    List<Blob> bs = blobs(cfg.pushClients, cfg.pushBlob, ++runCounter);
                    sync();
                    Run r = pushRound(s, mode, bs, cfg.pushChunk);
                    record("push." + mode, s, r);
                    // flush any dirty pages before the next run, outside the timing (both servers fsync their blobs)
                    long syncStart = System.nanoTime();
                    sync();
                    double syncSeconds = (System.nanoTime() - syncStart) / 1e9;
                    double mib = bs.size() * (bs.getFirst().data.remaining() / (double) MiB);
                    double durable = r.value() > 0 ? mib / (mib / r.value() + syncSeconds) : 0;
                    record("push." + mode + ".durable", s, new Run(durable, Double.NaN, Double.NaN, r.errors(), Double.NaN, Double.NaN,
                            String.format(Locale.ROOT, "sync %.2f s", syncSeconds)));
                }
            }
        }
    }

    Run pushRound(Server s, String mode, List<Blob> bs, int chunk) throws Exception {
        double mibPerBlob = bs.getFirst().data.remaining() / (double) MiB;
        return counted(s, bs.size(), bs.size(), mibPerBlob, (c, w, i) -> {
            if (mode.equals("mono")) {
                pushMonolithic(c, s, "bench/push", bs.get(i));
            } else {
                pushChunked(c, s, "bench/push", bs.get(i), chunk);
            }
            return true;
        });
    }

    // --- 2. blob pull ---------------------------------------------------------------------------

    void pulls(Path work) throws Exception {
        String mb = (cfg.pullBlob / MiB) + " MiB";
        figure("pull.16", "blob pull, " + cfg.pullConns + " connections (" + mb + ")", "MiB/s", Kind.THROUGHPUT, 1.0, "≥ 1.0× and ≥ 0.85× nginx");
        figure("pull.1", "blob pull, one stream (" + mb + ")", "MiB/s", Kind.THROUGHPUT, 1.0, "≥ 1.0× and ≥ 0.85× nginx");
        log("workload: blob pull (setup: pushing the " + mb + " blob)");
        Blob blob = blobs(1, cfg.pullBlob, 424242).getFirst();
        for (Server s : List.of(berth, dist)) {
            try (Conn c = new Conn(s.address)) {
                pushMonolithic(c, s, "bench/pull", blob);
            }
        }
        sync();
        String hex = blob.digest.substring(7);
        String rel = "docker/registry/v2/blobs/sha256/" + hex.substring(0, 2) + "/" + hex + "/data";
        if (!Files.isRegularFile(berth.root.resolve(rel))) {
            throw new IllegalStateException("Berth's copy of the blob is not at " + rel);
        }
        nginx = Server.startNginx(work, berth.root);
        report.notes.add("nginx " + Server.nginxVersion() + " serves Berth's stored file of the same blob (sendfile on, worker_processes auto).");
        for (int conns : new int[]{cfg.pullConns, 1}) {
            String key = conns == 1 ? "pull.1" : "pull.16";
            log("workload: blob pull, " + conns + " connection(s)");
            for (Server s : order(0, true)) {
                pullRun(s, conns, cfg.warmup, blob, "/" + rel);
            }
            for (int rep = 0; rep < cfg.reps; rep++) {
                for (Server s : order(rep, true)) {
                    record(key, s, pullRun(s, conns, cfg.duration, blob, "/" + rel));
                }
            }
        }
        nginx.stop();
    }

    Run pullRun(Server s, int conns, double seconds, Blob blob, String nginxPath) throws Exception {
        String target = s == nginx ? nginxPath : "/v2/bench/pull/blobs/" + blob.digest;
        ByteBuffer head = Conn.request("GET", target, s, -1);
        AtomicLong bytes = new AtomicLong();
        Run r = timed(s, conns, seconds, 1_000_000, (c, w, i) -> c.pull(head, Load.deadline, bytes));
        // timed() gives completed pulls per second; the figure is bytes per second, partial pulls included
        return new Run(bytes.get() / (double) MiB / seconds, r.clientCores(), r.serverCores(), r.errors(), Double.NaN, Double.NaN, null);
    }

    // --- 3. manifest GET / HEAD ------------------------------------------------------------------

    void seedImage(Server s, String repo) throws IOException {
        try (Conn c = new Conn(s.address)) {
            pushMonolithic(c, s, repo, config);
            pushMonolithic(c, s, repo, layer);
        }
    }

    void manifests() throws Exception {
        String repo = "bench/manifest";
        figure("mget.oci", "manifest GET by tag, OCI Accept (" + cfg.manifestConns + " conns)", "req/s", Kind.THROUGHPUT, 3.0, "≥ 3×");
        figure("mget.oci.p99", "  p99 latency", "ms", Kind.LATENCY, 1 / 3.0, "≤ ⅓");
        figure("mget.docker", "manifest GET by tag, Docker Accept (" + cfg.manifestConns + " conns)", "req/s", Kind.THROUGHPUT, 3.0, "≥ 3×");
        figure("mget.docker.p99", "  p99 latency", "ms", Kind.LATENCY, 1 / 3.0, "≤ ⅓");
        figure("mhead", "manifest HEAD by tag (" + cfg.manifestConns + " conns)", "req/s", Kind.THROUGHPUT, 3.0, "≥ 3×");
        figure("mhead.p99", "  p99 latency", "ms", Kind.LATENCY, 1 / 3.0, "≤ ⅓");
        for (Server s : List.of(berth, dist)) {
            seedImage(s, repo);
            try (Conn c = new Conn(s.address)) {
                putManifest(c, s, repo, "oci", manifestJson(true, config, layer, null), OCI_MANIFEST);
                putManifest(c, s, repo, "docker", manifestJson(false, config, layer, null), DOCKER_MANIFEST);
            }
        }
        record Variant(String key, String method, String tag, String accept) {
        }
        for (Variant v : List.of(new Variant("mget.oci", "GET", "oci", OCI_ACCEPT),
                new Variant("mget.docker", "GET", "docker", DOCKER_ACCEPT),
                new Variant("mhead", "HEAD", "oci", OCI_ACCEPT))) {
            log("workload: " + report.figures.get(v.key).title());
            for (Server s : order(0, false)) {
                manifestRun(s, v.method, v.tag, v.accept, cfg.warmup);
            }
            for (int rep = 0; rep < cfg.reps; rep++) {
                for (Server s : order(rep, false)) {
                    Run r = manifestRun(s, v.method, v.tag, v.accept, cfg.duration);
                    record(v.key, s, r);
                    record(v.key + ".p99", s, r.withValue(r.p99ms()));
                }
            }
        }
    }

    Run manifestRun(Server s, String method, String tag, String accept, double seconds) throws Exception {
        ByteBuffer head = Conn.request(method, "/v2/bench/manifest/manifests/" + tag, s, -1, accept);
        boolean isHead = method.equals("HEAD");
        return timed(s, cfg.manifestConns, seconds, 10_000_000, (c, w, i) -> c.exchange(head, null, isHead, false) == 200);
    }

    // --- 4. small-blob push ---------------------------------------------------------------------

    void smallBlobs() throws Exception {
        figure("small", "small-blob push (" + cfg.smallBlobs + " × " + cfg.smallSize / 1024 + " KiB, " + cfg.smallWorkers + " workers)",
                "blobs/s", Kind.THROUGHPUT, 2.0, "≥ 2×");
        log("workload: small-blob push");
        // warm-up: a whole round per server, as the timed workloads get 3 s of load (after a tenth of a
        // round, Berth's JIT compilers still took about 40% of its CPU in the first measured run)
        for (Server s : order(0, false)) {
            List<Blob> w = blobs(Math.max(32, cfg.smallBlobs), cfg.smallSize, ++runCounter);
            counted(s, cfg.smallWorkers, w.size(), 1, (c, wk, i) -> {
                pushMonolithic(c, s, "bench/small", w.get(i));
                return true;
            });
        }
        sync();
        for (int rep = 0; rep < cfg.reps; rep++) {
            for (Server s : order(rep, false)) {
                List<Blob> bs = blobs(cfg.smallBlobs, cfg.smallSize, ++runCounter);
                Run r = counted(s, cfg.smallWorkers, bs.size(), 1, (c, wk, i) -> {
                    pushMonolithic(c, s, "bench/small", bs.get(i));
                    return true;
                });
                record("small", s, r);
                sync();
            }
        }
    }

    // --- 5. manifest PUT ------------------------------------------------------------------------

    void manifestPuts() throws Exception {
        String repo = "bench/mput";
        figure("mput", "manifest PUT, new tags (" + cfg.manifestPutWorkers + " workers)", "puts/s", Kind.THROUGHPUT, 2.0, "≥ 2×");
        log("workload: manifest PUT");
        for (Server s : List.of(berth, dist)) {
            seedImage(s, repo);
        }
        int warm = Math.max(32, cfg.manifestPuts); // a whole round, as for small blobs
        for (int rep = -1; rep < cfg.reps; rep++) {
            for (Server s : order(Math.max(rep, 0), false)) {
                int run = ++runCounter;
                int n = rep < 0 ? warm : cfg.manifestPuts;
                List<ByteBuffer> ms = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    ms.add(manifestJson(true, config, layer, run + "-" + i));
                }
                Run r = counted(s, cfg.manifestPutWorkers, n, 1, (c, w, i) -> {
                    putManifest(c, s, repo, "r" + run + "-" + i, ms.get(i), OCI_MANIFEST);
                    return true;
                });
                if (rep >= 0) {
                    record("mput", s, r);
                }
                sync();
            }
        }
    }

    // --- 6. tags list and catalog ---------------------------------------------------------------

    void tagsList() throws Exception {
        String repo = "bench/tags";
        figure("tags", "tags list, " + cfg.tagCount + " tags (p50)", "ms", Kind.LATENCY, 0.5, "≤ ½ (≥ 2× faster)");
        figure("tags.p99", "  p99 latency", "ms", Kind.LATENCY, Double.NaN, "");
        log("workload: tags list (setup: " + cfg.tagCount + " tags)");
        ByteBuffer json = manifestJson(true, config, layer, "tags");
        for (Server s : List.of(berth, dist)) {
            seedImage(s, repo);
            counted(s, 16, cfg.tagCount, 1, (c, w, i) -> {
                putManifest(c, s, repo, String.format("v%05d", i), json, OCI_MANIFEST);
                return true;
            });
        }
        sync();
        for (int rep = 0; rep < cfg.reps; rep++) {
            for (Server s : order(rep, false)) {
                ByteBuffer head = Conn.request("GET", "/v2/" + repo + "/tags/list", s, -1);
                // warm-up: enough requests for the JIT before the first measured run, a few before the others
                Run r = sequential(s, rep == 0 ? 3 * cfg.listSamples : 10, cfg.listSamples, 30, (c, w, i) -> {
                    int st = c.exchange(head, null, false, true);
                    return st == 200 && count(c.body, "\"v") == cfg.tagCount;
                });
                record("tags", s, r);
                record("tags.p99", s, r.withValue(r.p99ms()));
            }
        }
    }

    void catalog() throws Exception {
        log("workload: catalog");
        String seedRepo = "bench/catalog-seed";
        Blob small = Blob.of(random(1024, 777));
        for (Server s : List.of(berth, dist)) {
            try (Conn c = new Conn(s.address)) {
                pushMonolithic(c, s, seedRepo, small);
            }
        }
        Map<Server, Integer> created = new LinkedHashMap<>();
        for (int target : cfg.catalogCounts) {
            String n = String.format(Locale.ROOT, "%,d", target);
            figure("cat.first." + target, "catalog page n=100 (first), " + n + " repos", "ms", Kind.LATENCY, Double.NaN, "");
            figure("cat.mid." + target, "catalog page n=100 (middle), " + n + " repos", "ms", Kind.LATENCY, Double.NaN, "");
            figure("cat.walk." + target, "catalog full walk (n=1000, Link), " + n + " repos", "ms", Kind.LATENCY, Double.NaN, "");
            Map<Server, String> middle = new LinkedHashMap<>();
            for (Server s : List.of(berth, dist)) {
                List<String> names = walk(s);
                int have = names.size();
                int from = created.getOrDefault(s, 0);
                int need = Math.max(0, target - have);
                log("  " + s.name + ": " + have + " repositories, creating " + need);
                counted(s, 16, need, 1, (c, w, i) -> {
                    mount(c, s, String.format("cat/r%06d", from + i), seedRepo, small.digest);
                    return true;
                });
                created.put(s, from + need);
                names = walk(s);
                if (names.size() != Math.max(have, target)) {
                    log("  ! " + s.name + " lists " + names.size() + " repositories, expected " + target);
                }
                middle.put(s, names.get(names.size() / 2));
            }
            sync();
            for (int rep = 0; rep < cfg.reps; rep++) {
                for (Server s : order(rep, false)) {
                    ByteBuffer first = Conn.request("GET", "/v2/_catalog?n=100", s, -1);
                    ByteBuffer mid = Conn.request("GET", "/v2/_catalog?n=100&last=" + middle.get(s), s, -1);
                    int quotes = 2 * Math.min(100, target / 2); // each name is quoted; a page holds up to 100
                    Request page = (c, w, i) -> c.exchange(first, null, false, true) == 200 && count(c.body, "\"") >= quotes;
                    Request midPage = (c, w, i) -> c.exchange(mid, null, false, true) == 200 && count(c.body, "\"") >= quotes;
                    int samples = Math.max(10, cfg.listSamples);
                    int warm = rep == 0 && target == cfg.catalogCounts[0] ? 3 * samples : 10;
                    record("cat.first." + target, s, sequential(s, warm, samples, 20, page));
                    record("cat.mid." + target, s, sequential(s, warm, samples, 20, midPage));
                    record("cat.walk." + target, s, sequential(s, 0, cfg.walkReps, 60, (c, w, i) -> walk(s).size() >= target));
                }
            }
        }
    }

    // --- 8. usage statistics ------------------------------------------------------------------

    /**
     * Berth only (distribution has no statistics). {@code GET /metrics} reads one statistics snapshot from
     * the counters for its usage gauges and says how long that read took ({@code berth_stats_snapshot_seconds},
     * timed in the server around {@code UsageStatistics.snapshot()}); both are measured before and after
     * {@code statsManifests} more manifests (distinct, each under a new tag, in 100 repositories of 10
     * namespaces, pushed by 16 connections), and {@code GET /api/v1/stats} when the server answers it. Flat
     * from the few manifests of the earlier workloads to 100,000 more: counted with each write, never scanned.
     */
    void stats() throws Exception {
        int n = cfg.statsManifests;
        String count = String.format(Locale.ROOT, "%,d", n);
        figure("stats.fill", "stats: filling " + count + " manifests (PUT, new tags, 16 workers)", "puts/s", Kind.ABSOLUTE, Double.NaN, "");
        figure("stats.snapshot.before", "statistics snapshot, before the fill (p50, in the server)", "ms", Kind.ABSOLUTE, Double.NaN, "");
        figure("stats.snapshot", "statistics snapshot with " + count + " more manifests (p50, in the server)", "ms", Kind.ABSOLUTE, 10,
                "Berth ≤ 10 ms");
        figure("stats.snapshot.p99", "  p99", "ms", Kind.ABSOLUTE, Double.NaN, "");
        figure("stats.metrics.before", "GET /metrics (all metrics, the usage gauges included), before the fill (p50)", "ms", Kind.ABSOLUTE,
                Double.NaN, "");
        figure("stats.metrics", "GET /metrics with " + count + " more manifests (p50)", "ms", Kind.ABSOLUTE, Double.NaN, "");
        figure("stats.api", "GET /api/v1/stats with " + count + " more manifests (p50)", "ms", Kind.ABSOLUTE, 10, "Berth ≤ 10 ms");
        log("workload: usage statistics (setup: " + count + " manifests)");
        int samples = Math.max(20, cfg.listSamples);
        scrapes("stats.metrics.before", "stats.snapshot.before", 3 * samples, samples);

        String seed = "stats/seed";
        seedImage(berth, seed);
        String[] repos = new String[100];
        try (Conn c = new Conn(berth.address)) {
            for (int r = 0; r < repos.length; r++) {
                repos[r] = String.format(Locale.ROOT, "stats%d/app%02d", r % 10, r);
                mount(c, berth, repos[r], seed, config.digest);
                mount(c, berth, repos[r], seed, layer.digest);
            }
        }
        record("stats.fill", berth, counted(berth, 16, n, 1, (c, w, i) -> {
            putManifest(c, berth, repos[i % repos.length], "t" + i, manifestJson(true, config, layer, "stats-" + i), OCI_MANIFEST);
            return true;
        }));
        sync();
        try (Conn c = new Conn(berth.address)) {
            c.exchange(Conn.request("GET", "/metrics", berth, -1), null, false, true);
            double images = sample(c.body, "berth_stats_manifests{kind=\"image\"}");
            log(String.format(Locale.ROOT, "  berth counts %,.0f image manifests", images));
            if (images < n) {
                throw new IllegalStateException("berth counts " + images + " image manifests, fewer than the " + n + " pushed");
            }
        }
        for (int rep = 0; rep < cfg.reps; rep++) {
            scrapes("stats.metrics", "stats.snapshot", rep == 0 ? 3 * samples : 10, samples);
        }
        ByteBuffer api = Conn.request("GET", "/api/v1/stats", berth, -1);
        int status;
        try (Conn c = new Conn(berth.address)) {
            status = c.exchange(api, null, false, true);
        }
        if (status != 200) {
            report.notes.add("GET /api/v1/stats answered " + status + " (not served by this build); /metrics reads the same snapshot.");
            return;
        }
        for (int rep = 0; rep < cfg.reps; rep++) {
            record("stats.api", berth, sequential(berth, rep == 0 ? 3 * samples : 10, samples, 30,
                    (c, w, i) -> c.exchange(api, null, false, true) == 200));
        }
    }

    /** {@code samples} scrapes of /metrics: their latency, and the snapshot times the server reported in them. */
    private void scrapes(String latencyKey, String snapshotKey, int warmup, int samples) throws Exception {
        ByteBuffer metrics = Conn.request("GET", "/metrics", berth, -1);
        List<Double> snapshots = new ArrayList<>();
        Run r = sequential(berth, warmup, samples, 30, (c, w, i) -> {
            if (c.exchange(metrics, null, false, true) != 200) {
                return false;
            }
            double seconds = sample(c.body, "berth_stats_snapshot_seconds");
            if (seconds < 0) {
                return false;
            }
            snapshots.add(seconds * 1000);
            return true;
        });
        record(latencyKey, berth, r);
        List<Double> measured = snapshots.subList(Math.max(0, snapshots.size() - samples), snapshots.size()).stream().sorted().toList();
        double p50 = measured.isEmpty() ? Double.NaN : measured.get(measured.size() / 2);
        double p99 = measured.isEmpty() ? Double.NaN : measured.get(Math.min(measured.size() - 1, (int) Math.ceil(0.99 * measured.size()) - 1));
        record(snapshotKey, berth, new Run(p50, Double.NaN, Double.NaN, r.errors(), p50, p99, measured.size() + " scrapes"));
        if (report.figures.containsKey(snapshotKey + ".p99")) {
            record(snapshotKey + ".p99", berth, new Run(p99, Double.NaN, Double.NaN, 0, p50, p99, null));
        }
    }

    /** The value of one sample line of a Prometheus text exposition, or -1. */
    private static double sample(byte[] body, String series) {
        String text = new String(body, java.nio.charset.StandardCharsets.UTF_8);
        int at = text.indexOf("\n" + series + " ");
        if (at < 0) {
            return -1;
        }
        int start = at + series.length() + 2;
        int end = text.indexOf('\n', start);
        return Double.parseDouble(text.substring(start, end < 0 ? text.length() : end).trim());
    }
}
