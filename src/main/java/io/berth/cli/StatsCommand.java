package io.berth.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.berth.config.ConfigException;
import io.berth.metadata.MetadataUnavailableException;
import io.berth.metadata.jdbc.JdbcMetadataStore;
import io.berth.stats.Snapshot;
import io.berth.stats.UsageStatistics;
import io.berth.stats.UsageStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code berth stats}: the usage statistics (as {@code GET /api/v1/stats} gives them) from the data directory
 * or database the server uses, as a table or {@code --json}; safe while the server runs, whose last few
 * seconds of pushes and pulls it has not written yet.
 */
@Command(name = "stats", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Show usage statistics: repositories, images, tags, users, storage, pushes and pulls (works offline).")
final class StatsCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "YAML configuration file (as for serve)")
    Path config;

    @Option(names = "--json", description = "print the statistics as JSON (the admin API's form)")
    boolean json;

    @Option(names = "--reconcile", description = "first recompute every counter exactly from the rows (as garbage collection does)")
    boolean reconcile;

    @Override
    public Integer call() {
        try (JdbcMetadataStore meta = UserCommand.open(config, false)) {
            UsageStatistics stats = UsageStatistics.reader(meta.usageStore(), Clock.systemUTC());
            if (reconcile) {
                UsageStore.Reconciliation r = stats.reconcile();
                System.err.println("berth: counters recomputed; " + (r.corrected().isEmpty() ? "all were right"
                        : "corrected " + r.corrected().size() + " scope(s): " + String.join(", ",
                        r.corrected().stream().map(s -> s.isEmpty() ? "(registry)" : s).toList())));
            }
            Snapshot s = stats.snapshot();
            if (json) {
                System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(s.toJson()));
            } else {
                print(s, System.out);
            }
            return 0;
        } catch (ConfigException | MetadataUnavailableException e) {
            System.err.println("berth: " + e.getMessage());
            return 2;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static void print(Snapshot s, PrintStream out) {
        Snapshot.Totals t = s.totals();
        out.println("Berth usage statistics at " + s.at());
        out.println();
        row(out, "repositories", count(t.repositories()));
        row(out, "images", count(t.images().total()) + "  (image " + count(t.images().image()) + ", index " + count(t.images().index())
                + ", artifact " + count(t.images().artifact()) + ")");
        row(out, "tags", count(t.tags()));
        row(out, "users", count(t.users()));
        row(out, "namespaces", count(t.namespaces()));
        row(out, "permission grants", count(t.permissionGrants()));
        row(out, "API tokens", count(t.apiTokens()));
        row(out, "storage", "logical " + bytes(t.storage().logicalBytes()) + ", physical " + bytes(t.storage().physicalBytes())
                + ", dedup ratio " + String.format(Locale.ROOT, "%.2f", t.storage().dedupRatio()) + " (" + count(t.blobs()) + " blobs)");
        Snapshot.Day today = s.days().getLast();
        row(out, "pushes / pulls", "today " + count(today.pushes()) + " / " + count(today.pulls()) + ", last " + s.days().size()
                + " days " + count(s.days().stream().mapToLong(Snapshot.Day::pushes).sum()) + " / "
                + count(s.days().stream().mapToLong(Snapshot.Day::pulls).sum()));
        if (!s.namespaces().isEmpty()) {
            out.println();
            String format = "%-24s %8s %8s %8s %8s %11s %11s %8s %8s%n";
            out.printf(Locale.ROOT, format, "NAMESPACE", "REPOS", "IMAGES", "TAGS", "GRANTS", "LOGICAL", "UNIQUE", "PUSHES", "PULLS");
            for (Snapshot.NamespaceUsage n : s.namespaces()) {
                out.printf(Locale.ROOT, format, n.namespace(), count(n.repositories()), count(n.images().total()), count(n.tags()),
                        count(n.permissionGrants()), bytes(n.logicalBytes()), bytes(n.uniqueBytes()), count(n.pushes()), count(n.pulls()));
            }
            out.println("(pushes and pulls of the last " + s.days().size() + " days; unique: each blob once per namespace)");
        }
        boolean header = false;
        for (Snapshot.Day d : s.days()) {
            if (d.pushes() == 0 && d.pulls() == 0) {
                continue;
            }
            if (!header) {
                out.println();
                out.printf(Locale.ROOT, "%-10s %10s %10s%n", "DAY (UTC)", "PUSHES", "PULLS");
                header = true;
            }
            out.printf(Locale.ROOT, "%-10s %10s %10s%n", d.date(), count(d.pushes()), count(d.pulls()));
        }
    }

    private static void row(PrintStream out, String name, String value) {
        out.printf(Locale.ROOT, "%-18s %s%n", name, value);
    }

    private static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** 1,536 → "1.5 KiB"; below 1 KiB in bytes. */
    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
