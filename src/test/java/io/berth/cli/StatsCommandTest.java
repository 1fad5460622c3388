package io.berth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.testing.Http;
import io.berth.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** `berth stats` reads the statistics of the server's data directory: a table, or the admin API's JSON. */
class StatsCommandTest {

    @TempDir
    Path dir;

    @Test
    void printsTheStatisticsAsATableAndAsJsonAndReconciles() throws Exception {
        Path data = dir.resolve("data");
        String c = Cli.configOption(dir, data);
        try (TestServer server = TestServer.start(data, Map.of())) {
            Http http = server.http();
            http.pushImage("team/app", "v1", "{\"os\":\"linux\"}".getBytes(), new byte[3000]);
            http.pushImage("team/web", "v1", "{\"os\":\"linux\"}".getBytes(), new byte[3000]);
            assertThat(http.get("/v2/team/app/manifests/v1", "Accept", "application/vnd.oci.image.manifest.v1+json").statusCode()).isEqualTo(200);
        } // the stop writes the pull

        String table = Cli.run("stats", c);
        assertThat(table).contains("repositories       2\n", "images             2  (image 2, index 0, artifact 0)\n", "tags               2\n",
                "users              1\n", "permission grants  2\n", "pushes / pulls     today 2 / 1, last 30 days 2 / 1\n");
        assertThat(table).containsPattern("storage +logical 6\\.\\d KiB, physical 3\\.\\d KiB, dedup ratio 1\\.\\d\\d \\(2 blobs\\)");
        assertThat(table).containsPattern("\nNAMESPACE +REPOS +IMAGES +TAGS +GRANTS +LOGICAL +UNIQUE +PUSHES +PULLS\n");
        assertThat(table).containsPattern("\nadmin +0 +0 +0 +1 +0 B +0 B +0 +0\n");
        assertThat(table).containsPattern("\nteam +2 +2 +2 +1 +6\\.\\d KiB +3\\.\\d KiB +2 +1\n");
        assertThat(table).contains(LocalDate.now(ZoneOffset.UTC) + "          2          1\n");

        JsonNode json = Http.JSON.readTree(Cli.run("stats", "--json", c));
        assertThat(json.path("repositories").asLong()).isEqualTo(2);
        assertThat(json.path("activity").path("pulls").asLong()).isEqualTo(1);
        assertThat(json.path("byNamespace").path(1).path("namespace").asText()).isEqualTo("team");
        assertThat(json.path("storage").path("logicalBytes").asLong()).isGreaterThan(json.path("storage").path("physicalBytes").asLong());

        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("berth.db")); Statement st = db.createStatement()) {
            st.executeUpdate("UPDATE usage_counters SET repositories = 99 WHERE scope = ''");
        }
        assertThat(Cli.stderrOf("stats", "--reconcile", c)).contains("corrected 1 scope(s): (registry)");
        assertThat(Cli.run("stats", c)).contains("repositories       2\n");
        assertThat(Cli.stderrOf("stats", "--reconcile", c)).contains("all were right");
    }

    @Test
    void refusesADirectoryWithoutARegistry() throws Exception {
        assertThat(Cli.runFailing("stats", Cli.configOption(dir, dir.resolve("empty")))).contains("no Berth data directory");
    }
}
