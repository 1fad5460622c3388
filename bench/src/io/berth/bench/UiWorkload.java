package io.berth.bench;

import static io.berth.bench.Bench.log;
import static io.berth.bench.Load.counted;
import static io.berth.bench.Load.sequential;
import static io.berth.bench.Registry.expect;
import static io.berth.bench.Registry.manifestJson;
import static io.berth.bench.Registry.mount;
import static io.berth.bench.Registry.pushMonolithic;
import static io.berth.bench.Registry.putManifest;
import static io.berth.bench.Registry.random;
import static io.berth.oci.MediaTypes.OCI_MANIFEST;

import io.berth.bench.Load.Request;
import io.berth.bench.Registry.Blob;
import io.berth.bench.Report.Kind;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Workload 10, the web interface's pages (Berth only): a Berth of its own (data directory
 * {@code berth-ui-data}, an admin's credentials) and a browser's session from its login form. Repositories
 * of a tiny image each (two cross-repository mounts and a manifest under {@code latest}) and one repository
 * of {@code uiTags} tags; one connection times the repository list (first page and a keyset page from the
 * middle), the large repository's page, and a search by name fragment and by digest, first at
 * {@value #SMALL} repositories and again at {@code uiRepos}. The latency is the loopback round trip, an
 * upper bound of the server's render time.
 */
final class UiWorkload {
    static final int SMALL = 100;
    static final int WORKERS = 16;
    static final String BIG = "ui/big";
    static final String SEED = "ui/seed";

    final Config cfg;
    final Report report;
    final Path work;
    Server berth;
    String cookie;
    final Blob config = Blob.of("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}"
            .getBytes(StandardCharsets.UTF_8));
    final Blob layer = Blob.of(random(1024, 4242));
    final ByteBuffer image = manifestJson(true, config, layer, null);
    final String imageDigest = Registry.sha256(image);

    UiWorkload(Config cfg, Report report, Path work) {
        this.cfg = cfg;
        this.report = report;
        this.work = work;
    }

    static String repository(int i) {
        return String.format(Locale.ROOT, "ui/team%02d/app%05d", i % 20, i);
    }

    void run() throws Exception {
        berth = Server.startBerth(cfg, work, cfg.berthOpts, "berth-ui-data", "basic", Map.of());
        try {
            log(String.format(Locale.ROOT, "workload: web interface (a Berth of its own, port %d; setup: %,d repositories, one of %,d tags)",
                    berth.port, cfg.uiRepos, cfg.uiTags));
            cookie = logIn();
            seedLargeRepository();
            int created = 0;
            for (int count : counts()) {
                declareFigures(count, count == cfg.uiRepos);
                Run seeding = createRepositories(created, count);
                if (count == cfg.uiRepos) {
                    report.record("ui.seed", berth, seeding);
                }
                created = count;
                measure(count);
            }
            checkStatementsConstant();
        } finally {
            berth.stop();
        }
    }

    /** The sizes measured: {@value #SMALL} repositories (when fewer than asked), then the number asked. */
    int[] counts() {
        return cfg.uiRepos > SMALL ? new int[]{SMALL, cfg.uiRepos} : new int[]{cfg.uiRepos};
    }

    private void declareFigures(int count, boolean targets) {
        String n = String.format(Locale.ROOT, "%,d", count);
        String tags = String.format(Locale.ROOT, "%,d", cfg.uiTags);
        if (targets) {
            report.figure("ui.seed", "UI set-up: repositories created (a tiny image each, " + WORKERS + " workers)", "repos/s", Kind.ABSOLUTE,
                    Double.NaN, "");
        }
        double page = targets ? 20 : Double.NaN;
        double search = targets ? 50 : Double.NaN;
        String pageText = targets ? "Berth ≤ 20 ms" : "";
        String searchText = targets ? "Berth ≤ 50 ms" : "";
        figure("list.first", count, "UI: repository list, first page, " + n + " repos (server time, p50)", page, pageText);
        figure("list.deep", count, "UI: repository list, keyset page from the middle, " + n + " repos (server time, p50)", page, pageText);
        figure("repo", count, "UI: repository page with " + tags + " tags, " + n + " repos (server time, p50)", page, pageText);
        figure("search.name", count, "UI: search by name fragment, " + n + " repos (server time, p50)", search, searchText);
        figure("search.digest", count, "UI: search by digest (an image in every repository), " + n + " repos (server time, p50)", search, searchText);
        figure("dashboard", count, "UI: dashboard (its first repositories and the usage statistics), " + n + " repos (server time, p50)",
                Double.NaN, "");
    }

    /** The server's time (its Server-Timing, p50 with the target, and p95), the loopback round trip, and the statements. */
    private void figure(String what, int count, String title, double target, String targetText) {
        String key = "ui." + what + "." + count;
        report.figure(key, title, "ms", Kind.ABSOLUTE, target, targetText);
        report.figure(key + ".p95", "  p95 (server time)", "ms", Kind.ABSOLUTE, Double.NaN, "");
        report.figure(key + ".rtt", "  loopback round trip, p50 (send to last byte)", "ms", Kind.ABSOLUTE, Double.NaN, "");
        report.figure(key + ".sql", "  SQL statements per page (median)", "statements", Kind.ABSOLUTE, Double.NaN, "");
    }

    // --- set-up -----------------------------------------------------------------------------------

    /** The login form, as a browser sends it: the session cookie of its 303. */
    private String logIn() throws Exception {
        String form = "username=admin&password=" + URLEncoder.encode(Server.BENCH_PASSWORD, StandardCharsets.UTF_8) + "&next=%2F";
        byte[] body = form.getBytes(StandardCharsets.UTF_8);
        try (Conn c = new Conn(berth.address)) {
            int status = c.exchange(Conn.request("POST", "/login", berth, body.length, "Content-Type: application/x-www-form-urlencoded",
                    "Origin: http://127.0.0.1:" + berth.port), ByteBuffer.wrap(body), false, false);
            expect(status, 303, "POST /login");
            if (c.setCookie == null || !c.setCookie.startsWith("berth_session=")) {
                throw new IllegalStateException("the login answered no session cookie (" + c.setCookie + ")");
            }
            return c.setCookie;
        }
    }

    private void seedLargeRepository() throws Exception {
        try (Conn c = new Conn(berth.address)) {
            pushMonolithic(c, berth, SEED, config);
            pushMonolithic(c, berth, SEED, layer);
            mount(c, berth, BIG, SEED, config.digest);
            mount(c, berth, BIG, SEED, layer.digest);
        }
        Run r = counted(berth, WORKERS, cfg.uiTags, 1, (c, w, i) -> {
            putManifest(c, berth, BIG, String.format(Locale.ROOT, "v%05d", i), manifestJson(true, config, layer, "ui-" + i), OCI_MANIFEST);
            return true;
        });
        if (r.errors() > 0) {
            throw new IllegalStateException("tagging " + BIG + ": " + r.errors() + " requests failed");
        }
    }

    /** Repositories {@code from} to {@code to - 1}: the seed's config and layer mounted, the same manifest under latest. */
    private Run createRepositories(int from, int to) throws Exception {
        log(String.format(Locale.ROOT, "  creating repositories %,d to %,d", from, to));
        Run r = counted(berth, WORKERS, to - from, 1, (c, w, i) -> {
            String repo = repository(from + i);
            mount(c, berth, repo, SEED, config.digest);
            mount(c, berth, repo, SEED, layer.digest);
            putManifest(c, berth, repo, "latest", image, OCI_MANIFEST);
            return true;
        });
        if (r.errors() > 0) {
            throw new IllegalStateException("creating repositories: " + r.errors() + " requests failed");
        }
        return r;
    }

    // --- the pages ----------------------------------------------------------------------------------

    private void measure(int count) throws Exception {
        List<String> names = new ArrayList<>(IntStream.range(0, count).mapToObj(UiWorkload::repository).toList());
        names.sort(null);
        String middle = names.get(names.size() / 2);
        String fragment = middle.substring(middle.lastIndexOf('/') + 1); // app00042: one repository's name
        String after = URLEncoder.encode(middle, StandardCharsets.UTF_8);
        for (int rep = 0; rep < cfg.reps; rep++) {
            boolean warm = rep == 0;
            measure("list.first", count, warm, "/repositories", "/r/" + names.getFirst());
            measure("list.deep", count, warm, "/repositories?after=" + after, "/r/" + names.get(names.size() / 2 + 1));
            measure("repo", count, warm, "/r/" + BIG, "v00000");
            measure("search.name", count, warm, "/search?q=" + fragment, middle);
            measure("search.digest", count, warm, "/search?q=" + URLEncoder.encode(imageDigest, StandardCharsets.UTF_8), "ui/team");
            measure("dashboard", count, warm, "/", "/r/" + BIG);
        }
    }

    /**
     * One connection GETs {@code target} with the session cookie; an answer counts when it is 200 and contains
     * {@code expected}. Figures: the server's time and statements from each answer's Server-Timing (Berth sends it
     * to admins), and the loopback round trip, an upper bound of the server's time. One run of each per repetition.
     */
    private void measure(String what, int count, boolean firstRep, String target, String expected) throws Exception {
        ByteBuffer head = Conn.request("GET", target, berth, -1, "Cookie: " + cookie, "Accept: text/html");
        byte[] needle = expected.getBytes(StandardCharsets.UTF_8);
        List<double[]> timings = new ArrayList<>();
        Request page = (c, w, i) -> {
            boolean ok = c.exchange(head, null, false, true) == 200 && contains(c.body, needle);
            timings.add(serverTiming(c.serverTiming));
            return ok;
        };
        int samples = Math.max(20, cfg.listSamples);
        int warm = firstRep && count == counts()[0] ? 3 * samples : 10; // the JIT's warm-up, as for the registry's listings
        Run rtt = sequential(berth, warm, samples, 30, 0.95, page);
        if (rtt.errors() > 0) {
            throw new IllegalStateException("GET " + target + ": " + rtt.errors() + " answers were not 200 with " + expected);
        }
        List<double[]> measured = timings.subList(Math.max(0, timings.size() - samples), timings.size());
        double[] ms = measured.stream().mapToDouble(t -> t[0]).filter(v -> !Double.isNaN(v)).sorted().toArray();
        double[] statements = measured.stream().mapToDouble(t -> t[1]).filter(v -> !Double.isNaN(v)).sorted().toArray();
        String key = "ui." + what + "." + count;
        report.record(key, berth, GcWorkload.absolute(percentile(ms, 0.50), ms.length + " answers with Server-Timing"));
        report.record(key + ".p95", berth, GcWorkload.absolute(percentile(ms, 0.95), null));
        report.record(key + ".rtt", berth, rtt);
        report.record(key + ".sql", berth, GcWorkload.absolute(percentile(statements, 0.50), null));
        if (ms.length == 0) {
            report.notes.add("UI: GET " + target + " answered no Server-Timing (sent to admins by builds that have it): no server time.");
        }
        statementsBySize.computeIfAbsent(what, k -> new java.util.LinkedHashMap<>()).put(count, percentile(statements, 0.50));
    }

    /** Per page, its statements at each size: the same at every size when no query runs per row listed. */
    final Map<String, Map<Integer, Double>> statementsBySize = new java.util.LinkedHashMap<>();

    private void checkStatementsConstant() {
        statementsBySize.forEach((what, bySize) -> {
            if (bySize.size() < 2 || bySize.values().stream().anyMatch(v -> Double.isNaN(v))) {
                return;
            }
            StringBuilder sizes = new StringBuilder();
            bySize.forEach((n, v) -> sizes.append(sizes.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%,d repos: %.0f", n, v)));
            report.checks.put("UI " + what + ": the same SQL statements per page at every size (" + sizes + ")",
                    bySize.values().stream().distinct().count() == 1);
        });
    }

    /** The page's time (ms) and statements from {@code page;dur=<ms>, sql;desc="<n> statements"}; NaN where absent. */
    static double[] serverTiming(String header) {
        if (header == null) {
            return new double[]{Double.NaN, Double.NaN};
        }
        java.util.regex.Matcher dur = java.util.regex.Pattern.compile("page;dur=([0-9.]+)").matcher(header);
        java.util.regex.Matcher sql = java.util.regex.Pattern.compile("sql;desc=\"([0-9]+) statements\"").matcher(header);
        return new double[]{dur.find() ? Double.parseDouble(dur.group(1)) : Double.NaN, sql.find() ? Double.parseDouble(sql.group(1)) : Double.NaN};
    }

    static double percentile(double[] sorted, double p) {
        return sorted.length == 0 ? Double.NaN : sorted[Math.max(0, Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1))];
    }

    static boolean contains(byte[] body, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= body.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (body[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
