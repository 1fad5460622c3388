package io.berth.bench;

import io.berth.bench.Report.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Berth against CNCF distribution (registry:2, Debian's docker-registry 2.8.2), side by side, with nginx as
 * the physical reference for pulls. Starts the servers as plain processes on loopback ports ({@link Server}),
 * drives them with a small HTTP/1.1 client on raw socket channels ({@link Conn}, one platform thread per
 * connection, {@link Load}), alternates the servers run by run ({@link Workloads}), and prints one table
 * ({@link Report}): Berth, distribution, Berth ÷ distribution, the target, and the CPU the client and each
 * server used for every figure.
 *
 * Usage (normally through ./bench/run, which compiles it): java -cp target/bench-classes io.berth.bench.Bench
 * --jar target/berth.jar [--quick] [--reps N] [--only push,pull,manifest,small,mput,tags,catalog,stats,gc,ui] [--out FILE]
 * [--keep]. Berth's JVM options: BERTH_JAVA_OPTS (default: ./berth's). Only loopback addresses are ever
 * contacted; every loop is bounded in count and time.
 *
 * The manifest media types are Berth's own names (io.berth.oci.MediaTypes), shared at compile time:
 * they are constants, which javac copies into these classes, so the client runs with none of Berth's code
 * (bench/run compiles against Berth's jar, runs without it, and refuses any other use of Berth's classes).
 */
public final class Bench {
    /** When the client started: the origin of the progress lines' times. */
    static final long T0 = System.nanoTime();

    static void log(String s) {
        System.err.printf(Locale.ROOT, "[%6.1fs] %s%n", (System.nanoTime() - T0) / 1e9, s);
    }

    final Config cfg;
    final Report report;
    Server berth;
    Server dist;
    /** Made once both servers answer. */
    Workloads workloads;

    Bench(Config cfg) {
        this.cfg = cfg;
        this.report = new Report(cfg);
    }

    public static void main(String[] args) throws Exception {
        Config cfg = Config.parse(args);
        if (!Files.isRegularFile(cfg.jar)) {
            throw new IllegalArgumentException("no Berth jar at " + cfg.jar + " (build it: ./mvnw -B -q package -DskipTests)");
        }
        Bench b = new Bench(cfg);
        // bench/run gives the work directory and removes it afterwards; otherwise it is ours to remove
        Path work = cfg.work != null ? Files.createDirectories(cfg.work) : Files.createTempDirectory("berth-bench-");
        Runtime.getRuntime().addShutdownHook(new Thread(b::stopAll));
        String loadBefore = Files.readString(Path.of("/proc/loadavg")).trim();
        boolean ok = false;
        try {
            b.run(work);
            ok = b.report.failures.isEmpty();
        } finally {
            b.stopAll();
            if (!ok) {
                // keep the servers' logs of a failed run
                Path logs = Files.createDirectories(Path.of("bench/results", "failed-"
                        + ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))));
                try (Stream<Path> files = Files.list(work)) {
                    for (Path f : files.filter(f -> f.toString().endsWith(".log")).toList()) {
                        Files.copy(f, logs.resolve(f.getFileName()));
                    }
                }
                log("server logs of the failed run kept in " + logs);
            }
            if (cfg.work == null && !cfg.keep) {
                deleteTree(work);
            }
        }
        String loadAfter = Files.readString(Path.of("/proc/loadavg")).trim();
        String table = b.report.markdown(loadBefore, loadAfter);
        System.out.println(table);
        Path out = cfg.out != null ? cfg.out : Path.of("bench/results", (cfg.quick ? "quick-" : "full-")
                + ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + ".md");
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, table);
        log("table written to " + out);
        if (!b.report.failures.isEmpty()) {
            log("FAILED workloads: " + b.report.failures);
            System.exit(1);
        }
    }

    void run(Path work) throws Exception {
        log("work directory " + work + (cfg.quick ? " (quick mode)" : ""));
        berth = Server.startBerth(cfg, work, cfg.berthOpts, "berth-data");
        log(String.format(Locale.ROOT, "berth: first answer to GET /v2/ after %.2f s (port %d)", berth.startSeconds, berth.port));
        dist = Server.startDistribution(work);
        log(String.format(Locale.ROOT, "distribution: first answer to GET /v2/ after %.2f s (port %d)", dist.startSeconds, dist.port));
        Workloads w = workloads = new Workloads(cfg, report, berth, dist);
        workload("push", w::pushes);
        workload("pull", () -> w.pulls(work));
        workload("manifest", w::manifests);
        workload("small", w::smallBlobs);
        workload("mput", w::manifestPuts);
        workload("tags", w::tagsList);
        workload("catalog", w::catalog);
        workload("stats", w::stats);
        workload("gc", () -> new GcWorkload(cfg, report, work).run());
        workload("ui", () -> new UiWorkload(cfg, report, work).run());
        report.figure("rss", "peak RSS (VmHWM) over the run", "MiB", Kind.ABSOLUTE, 400, "Berth ≤ 400 MiB");
        report.figure("start", "process start to first GET /v2/ answer", "s", Kind.ABSOLUTE, 2, "Berth ≤ 2 s");
        report.figure("start.cpu", "  CPU time used by then (user + system)", "s", Kind.ABSOLUTE, Double.NaN, "");
        String plain = cfg.berthOpts.replaceAll("-XX:(AOTCache|SharedArchiveFile)=\\S+", "").trim();
        if (!plain.equals(cfg.berthOpts.trim())) {
            report.figure("start.nocache", "  the same without the start-up cache", "s", Kind.ABSOLUTE, Double.NaN, "");
            Server cold = Server.startBerth(cfg, work, plain, "berth-nocache-data");
            log(String.format(Locale.ROOT, "berth without the start-up cache: first answer after %.2f s", cold.startSeconds));
            report.record("start.nocache", berth, new Run(cold.startSeconds, Double.NaN, Double.NaN, 0, Double.NaN, Double.NaN, null));
            cold.stop();
        }
        for (Server s : List.of(berth, dist)) {
            report.record("rss", s, new Run(s.vmHwmKiB() / 1024.0, Double.NaN, Double.NaN, 0, Double.NaN, Double.NaN, null));
            report.record("start", s, new Run(s.startSeconds, Double.NaN, Double.NaN, 0, Double.NaN, Double.NaN, null));
            report.record("start.cpu", s, new Run(s.startCpuSeconds, Double.NaN, Double.NaN, 0, Double.NaN, Double.NaN, null));
        }
    }

    interface Workload {
        void run() throws Exception;
    }

    /** Runs one workload if selected; a failure is reported (and fails the command) but the others still run. */
    void workload(String name, Workload w) {
        if (!cfg.only.contains(name)) {
            return;
        }
        try {
            w.run();
            log(String.format(Locale.ROOT, "after %s: peak RSS so far berth %d MiB, distribution %d MiB", name,
                    berth.vmHwmKiB() / 1024, dist.vmHwmKiB() / 1024));
        } catch (Exception | Error e) {
            log("workload " + name + " FAILED: " + e);
            e.printStackTrace();
            report.failures.add(name + ": " + e);
            for (Server s : List.of(berth, dist)) {
                if (!s.process.isAlive()) {
                    throw new IllegalStateException(s.name + " is no longer running (exit " + s.process.exitValue() + "); see its log", e);
                }
            }
        }
    }

    /** Stops every process the bench started (the workloads' own servers too), the last started first. */
    void stopAll() {
        List<Server> all = new java.util.ArrayList<>(Server.STARTED);
        java.util.Collections.reverse(all);
        all.forEach(Server::stop);
    }

    static void deleteTree(Path p) {
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            log("could not delete " + p + ": " + e.getMessage());
        }
    }
}
