package io.berth.cli;

import io.berth.metadata.jdbc.JdbcMetadataStore;
import io.berth.oci.Digest;
import io.berth.registry.BlobLayout;
import io.berth.testing.Http;
import io.berth.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code berth gc [--dry-run]} on the data directory a server is running on: the database arbitrates. */
class GcCommandTest {

    @TempDir
    Path dir;

    @Test
    void aDryRunListsWhatTheCollectionThenDeletesBesideARunningServer() throws Exception {
        Path config = dir.resolve("berth.yml");
        Path data = dir.resolve("data");
        Files.writeString(config, "storage:\n  filesystem:\n    rootdirectory: " + data + "\nberth:\n  gc:\n    grace: 1s\n");
        String c = "--config=" + config;
        try (TestServer server = TestServer.start(data, Map.of("BERTH_GC_GRACE", "1s", "BERTH_GC_ENABLED", "false"))) {
            Http http = server.http();
            byte[] layer = "a layer nothing will reference".getBytes();
            String digest = http.pushBlob("cli/app", layer);
            String kept = http.pushImage("cli/app", "v1", "{}".getBytes(), "a layer an image references".getBytes());
            Thread.sleep(1_300);

            String dry = Cli.run("gc", "--dry-run", c);
            assertThat(dry).contains("would delete blob " + digest + " (" + layer.length + " bytes)", "would delete link cli/app@" + digest,
                    "dry run: 2 blobs marked, 1 blobs, 1 links, 0 manifests and 0 orphans eligible for deletion, " + layer.length
                            + " bytes would be freed");
            Path file = data.resolve(BlobLayout.blobPath(Digest.parse(digest)));
            assertThat(file).exists();

            // a collection holds the lease: the command says so and leaves it alone
            var gc = ((JdbcMetadataStore) server.server().metadata()).gcStore();
            long now = System.currentTimeMillis();
            assertThat(gc.acquireLease("another-node", now, now + 60_000)).isTrue();
            assertThat(Cli.runFailing("gc", c)).contains("a garbage collection is running on another-node");
            gc.releaseLease("another-node");

            String real = Cli.run("gc", "--quiet", c);
            assertThat(real).doesNotContain("deleted blob").contains("1 blobs, 1 links, 0 manifests and 0 orphans deleted, "
                    + layer.length + " bytes freed").containsPattern("\\(\\d+ ms: mark \\d+ ms, sweep \\d+ ms\\)");
            assertThat(file).doesNotExist();
            assertThat(Http.sha256(http.get("/v2/cli/app/manifests/v1", "Accept", "application/vnd.oci.image.manifest.v1+json").body()))
                    .isEqualTo(kept);
            assertThat(server.server().garbageCollector().history(5)).extracting(io.berth.gc.GcRun::trigger).containsExactly("cli", "cli");
        }
    }

    @Test
    void refusesADirectoryWithoutARegistry() {
        assertThat(Cli.runFailing("gc", "--config=" + write("storage:\n  filesystem:\n    rootdirectory: " + dir.resolve("none") + "\n")))
                .contains("no Berth data directory at");
    }

    private String write(String yaml) {
        try {
            Path f = dir.resolve("other.yml");
            Files.writeString(f, yaml);
            return f.toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
