package io.berth.cli;

import io.berth.config.BerthConfig;
import io.berth.config.ConfigException;
import io.berth.config.Settings;
import io.berth.gc.GarbageCollector;
import io.berth.gc.GcBusyException;
import io.berth.gc.GcResult;
import io.berth.metadata.jdbc.JdbcMetadataStore;
import io.berth.storage.StorageDriver;
import io.berth.storage.factory.StorageDrivers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;

/**
 * {@code berth gc [--dry-run]}: one garbage collection now, on the data directory or database and the store
 * the server uses. It runs beside a running server (it does not take {@code berth.lock}): the database
 * decides what may go, exactly as for the server's own collections, and the collection lease keeps it from
 * running at the same time as one of theirs.
 */
@Command(name = "gc", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Collect garbage now: delete blobs, links and (with the policies) manifests nothing references "
                + "any more, and store data the metadata does not know, older than the grace period (BERTH_GC_GRACE). "
                + "Safe while servers run.")
final class GcCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "YAML configuration file (as for serve)")
    Path config;

    @Option(names = "--dry-run", description = "list what a collection would delete and the bytes it would free; delete nothing")
    boolean dryRun;

    @Option(names = {"-q", "--quiet"}, description = "print only the summary, not each item")
    boolean quiet;

    @Override
    public Integer call() {
        BerthConfig cfg;
        try {
            cfg = BerthConfig.from(Settings.load(config, System.getenv()));
        } catch (ConfigException e) {
            System.err.println("berth: " + e.getMessage());
            return 2;
        }
        try (JdbcMetadataStore metadata = UserCommand.openMetadata(cfg, false);
             StorageDriver storage = StorageDrivers.fromConfig(cfg.storage())) {
            GarbageCollector gc = new GarbageCollector(metadata, metadata.gcStore(), storage, cfg.gc(), Clock.systemUTC(), () -> { });
            GcResult r = gc.run(dryRun, "cli");
            print(r);
            return r.errors().isEmpty() ? 0 : 1;
        } catch (ConfigException e) {
            System.err.println("berth: " + e.getMessage());
            return 2;
        } catch (GcBusyException e) {
            System.err.println("berth: " + e.getMessage() + "; try again when it has finished");
            return 1;
        }
    }

    private void print(GcResult r) {
        String would = r.dryRun() ? "would delete " : "deleted ";
        if (!quiet) {
            for (GcResult.Item i : r.items()) {
                System.out.println(would + i.kind().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + " "
                        + (i.repository() == null ? "" : i.repository() + (i.kind() == GcResult.Kind.TAG ? ":" : "@")) + i.name() + (i.size() > 0 ? " (" + i.size() + " bytes)" : ""));
            }
            if (r.itemsTruncated()) {
                System.out.println("… (only the first " + GarbageCollector.MAX_ITEMS + " items are listed)");
            }
        }
        System.out.println((r.dryRun() ? "dry run: " : "") + r.marked() + " blobs marked, " + r.blobsSwept() + " blobs, "
                + r.linksRemoved() + " links, " + r.manifestsDeleted() + " manifests and " + r.orphans() + " orphans "
                + (r.dryRun() ? "eligible for deletion, " + r.bytesFreed() + " bytes would be freed" : "deleted, " + r.bytesFreed() + " bytes freed")
                + " (" + r.duration().toMillis() + " ms: mark " + r.markMs() + " ms, sweep " + r.sweepMs() + " ms)");
        for (String e : r.errors()) {
            System.err.println("berth: " + e);
        }
    }
}
