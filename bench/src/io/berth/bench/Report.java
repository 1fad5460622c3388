package io.berth.bench;

import static io.berth.bench.Bench.log;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The figures (rows of the table, with their targets), every measured run of each by server, and the
 * report: one markdown table of medians, ratios, targets and CPU, then every run.
 */
final class Report {
    /** ABSOLUTE: Berth's own figure, at most the target; FLOOR: Berth's own figure, at least the target. */
    enum Kind { THROUGHPUT, LATENCY, ABSOLUTE, FLOOR }

    /**
     * A row of the table. {@code target}: minimum ratio (throughput), maximum ratio (latency), maximum (absolute)
     * or minimum (floor) of Berth's figure; NaN when none.
     */
    record Figure(String key, String title, String unit, Kind kind, double target, String targetText) {
    }

    final Config cfg;
    final Map<String, Figure> figures = new LinkedHashMap<>();
    final Map<String, Map<String, List<Run>>> results = new LinkedHashMap<>();
    final List<String> notes = new ArrayList<>();
    /** Checks that are not a figure against a target (e.g. a page's statements the same at two sizes), each met or not. */
    final Map<String, Boolean> checks = new LinkedHashMap<>();
    /** Workloads that failed (each also fails the command). */
    final List<String> failures = new ArrayList<>();

    Report(Config cfg) {
        this.cfg = cfg;
    }

    void figure(String key, String title, String unit, Kind kind, double target, String targetText) {
        figures.putIfAbsent(key, new Figure(key, title, unit, kind, target, targetText));
    }

    void record(String key, Server s, Run r) {
        results.computeIfAbsent(key, k -> new LinkedHashMap<>()).computeIfAbsent(s.name, k -> new ArrayList<>()).add(r);
        Figure f = figures.get(key);
        log(String.format(Locale.ROOT, "  %-44s %-12s %12s %s  (client %.2f cores, server %.2f cores%s%s)", f.title, s.name,
                fmt(r.value()), f.unit, r.clientCores(), r.serverCores(),
                Double.isNaN(r.p99ms()) || f.kind == Kind.LATENCY ? "" : String.format(Locale.ROOT, ", p50 %.2f ms, p99 %.2f ms", r.p50ms(), r.p99ms()),
                r.errors() > 0 ? ", " + r.errors() + " ERRORS" : ""));
    }

    static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "—";
        }
        double a = Math.abs(v);
        if (a >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    static double median(List<Run> runs, java.util.function.ToDoubleFunction<Run> f) {
        if (runs == null || runs.isEmpty()) {
            return Double.NaN;
        }
        double[] v = runs.stream().mapToDouble(f).filter(d -> !Double.isNaN(d)).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    String markdown(String loadBefore, String loadAfter) throws IOException {
        StringBuilder out = new StringBuilder();
        String cpu = "?";
        for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
            if (line.startsWith("model name")) {
                cpu = line.substring(line.indexOf(':') + 1).trim();
                break;
            }
        }
        out.append("## Berth vs distribution ").append(Server.distVersion()).append(cfg.quick ? " — QUICK MODE (sizes and durations cut; not comparable)" : "")
                .append("\n\n");
        out.append("- date: ").append(ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)).append('\n');
        out.append("- machine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores (").append(cpu).append("), ")
                .append(Load.OS.getTotalMemorySize() / (1024 * 1024 * 1024)).append(" GiB, Linux ").append(System.getProperty("os.version")).append('\n');
        out.append("- JDK: ").append(System.getProperty("java.vm.name")).append(' ').append(Runtime.version()).append("; Berth's JVM options: `")
                .append(cfg.berthOpts).append("`\n");
        out.append("- load average (1, 5, 15 min) before: ").append(loadBefore).append("; after: ").append(loadAfter).append('\n');
        out.append("- method: ").append(cfg.reps).append(" measured run(s) per figure and server, alternating which server goes first; ")
                .append("median shown; warm-up before the first; timed runs ").append(fmt(cfg.duration)).append(" s\n");
        for (String n : notes) {
            out.append("- ").append(n).append('\n');
        }
        out.append("\n| figure | unit | Berth | distribution | Berth ÷ distribution | target | met | nginx | client CPU, cores (B / d) "
                + "| server CPU, cores (B / d) | per server CPU-second, Berth ÷ distribution |\n");
        out.append("|---|---|---:|---:|---:|---|---|---:|---|---|---:|\n");
        List<String> missed = new ArrayList<>();
        for (Figure f : figures.values()) {
            Map<String, List<Run>> byServer = results.getOrDefault(f.key, Map.of());
            List<Run> b = byServer.get("berth");
            List<Run> d = byServer.get("distribution");
            List<Run> n = byServer.get("nginx");
            if (b == null && d == null) {
                continue;
            }
            double bv = median(b, Run::value);
            double dv = median(d, Run::value);
            double nv = median(n, Run::value);
            double ratio = bv / dv;
            String ratioText = fmt(ratio) + "×" + (f.kind == Kind.LATENCY ? " (lower is better)" : "");
            String met = "";
            if (f.kind == Kind.THROUGHPUT && !Double.isNaN(f.target)) {
                boolean ok = ratio >= f.target && (n == null || bv >= 0.85 * nv);
                met = ok ? "yes" : "**no**";
            } else if (f.kind == Kind.LATENCY && !Double.isNaN(f.target)) {
                met = ratio <= f.target ? "yes" : "**no**";
            } else if (f.kind == Kind.ABSOLUTE && !Double.isNaN(f.target)) {
                met = bv <= f.target ? "yes" : "**no**";
                ratioText = fmt(ratio) + "×";
            } else if (f.kind == Kind.FLOOR && !Double.isNaN(f.target)) {
                met = bv >= f.target ? "yes" : "**no**";
                ratioText = fmt(ratio) + "×";
            }
            if (met.equals("**no**")) {
                missed.add(f.title.trim());
            }
            long errs = Stream.of(b, d, n).filter(java.util.Objects::nonNull).flatMap(List::stream).mapToLong(Run::errors).sum();
            String cpuCols = f.kind == Kind.ABSOLUTE || f.kind == Kind.FLOOR || f.key.endsWith(".p99") ? " | | |" : " | " + fmt(median(b, Run::clientCores)) + " / "
                    + fmt(median(d, Run::clientCores)) + (n == null ? "" : " / n " + fmt(median(n, Run::clientCores)))
                    + " | " + fmt(median(b, Run::serverCores)) + " / " + fmt(median(d, Run::serverCores))
                    + (n == null ? "" : " / n " + fmt(median(n, Run::serverCores))) + " | "
                    + (f.kind == Kind.THROUGHPUT ? fmt(median(b, r -> r.value() / r.serverCores()) / median(d, r -> r.value() / r.serverCores())) + "×" : "")
                    + " |";
            out.append("| ").append(f.title).append(errs > 0 ? " (" + errs + " errors!)" : "").append(" | ").append(f.unit)
                    .append(" | ").append(fmt(bv)).append(" | ").append(fmt(dv)).append(" | ").append(ratioText)
                    .append(" | ").append(f.targetText).append(" | ").append(met).append(" | ").append(n == null ? "" : fmt(nv)).append(cpuCols)
                    .append('\n');
        }
        // catalog growth: the page latency at the largest count over the smallest
        if (cfg.only.contains("catalog")) {
            int lo = cfg.catalogCounts[0];
            int hi = cfg.catalogCounts[cfg.catalogCounts.length - 1];
            out.append("\nCatalog growth, ").append(lo).append(" → ").append(hi).append(" repositories (latency at ").append(hi)
                    .append(" ÷ latency at ").append(lo).append("; target: Berth's page flat, taken as ≤ 2×):\n\n");
            for (String kind : List.of("first", "mid", "walk")) {
                double b1 = median(results.getOrDefault("cat." + kind + "." + lo, Map.of()).get("berth"), Run::value);
                double b2 = median(results.getOrDefault("cat." + kind + "." + hi, Map.of()).get("berth"), Run::value);
                double d1 = median(results.getOrDefault("cat." + kind + "." + lo, Map.of()).get("distribution"), Run::value);
                double d2 = median(results.getOrDefault("cat." + kind + "." + hi, Map.of()).get("distribution"), Run::value);
                boolean page = !kind.equals("walk");
                boolean flat = b2 / b1 <= 2;
                if (page && !flat) {
                    missed.add("catalog page (" + kind + ") flat");
                }
                out.append("- ").append(kind.equals("walk") ? "full walk" : "page n=100 (" + (kind.equals("mid") ? "middle" : "first") + ")")
                        .append(": Berth ").append(fmt(b2 / b1)).append("×").append(page ? (flat ? " (flat: yes)" : " (flat: **no**)") : "")
                        .append(", distribution ").append(fmt(d2 / d1)).append("×\n");
            }
        }
        if (!checks.isEmpty()) {
            out.append("\nChecks:\n\n");
            checks.forEach((check, ok) -> {
                out.append("- ").append(check).append(": ").append(ok ? "yes" : "**no**").append('\n');
                if (!ok) {
                    missed.add(check);
                }
            });
        }
        if (!failures.isEmpty()) {
            out.append("\nFAILED workloads: ").append(String.join("; ", failures)).append('\n');
        }
        out.append("\nTargets missed: ").append(missed.isEmpty() ? "none" : String.join("; ", missed)).append('\n');
        out.append("\nAll runs (value, client cores, server cores, errors):\n\n");
        for (Figure f : figures.values()) {
            Map<String, List<Run>> byServer = results.getOrDefault(f.key, Map.of());
            for (Map.Entry<String, List<Run>> e : byServer.entrySet()) {
                StringBuilder line = new StringBuilder("- ").append(f.title.trim()).append(", ").append(e.getKey()).append(": ");
                for (Run r : e.getValue()) {
                    line.append(fmt(r.value())).append(f.kind == Kind.ABSOLUTE || f.kind == Kind.FLOOR || f.key.endsWith(".p99") ? "" :
                            " (" + fmt(r.clientCores()) + ", " + fmt(r.serverCores()) + (r.errors() > 0 ? ", " + r.errors() + " err" : "") + ")").append("; ");
                }
                out.append(line).append('\n');
            }
        }
        return out.toString();
    }
}
