package io.berth.cli;

import io.berth.testing.BerthProcess;
import io.berth.testing.Http;
import io.berth.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** `berth user ...` works offline on the data directory, and the server honours what it wrote. */
class UserCommandTest {

    @TempDir
    Path dir;

    private static String run(String... args) {
        return Cli.run(args);
    }

    private static String runFailing(String... args) {
        return Cli.runFailing(args);
    }

    @Test
    void namesThatAreTakenAreRefusedAndRemovingAUserTakesTheirRepositoriesOnlyWhenForced() throws Exception {
        Path data = dir.resolve("data");
        String c = Cli.configOption(dir, data);
        try (TestServer server = TestServer.start(data, Map.of())) {
            Http admin = server.http();
            assertThat(admin.method("POST", "/api/v1/namespaces", "{\"name\":\"team\"}".getBytes()).statusCode()).isEqualTo(201);
            admin.pushImage("team/app", "v1", "{}".getBytes(), "team-layer".getBytes());
        }
        assertThat(lastLine(runFailing("user", "add", "team", "--password", "pw-team", c)))
                .contains("namespace team");
        assertThat(lastLine(runFailing("user", "add", "admin", "--password", "pw-admin", c))).isEqualTo("berth: user admin already exists");
        Path htpasswd = dir.resolve("htpasswd");
        Files.writeString(htpasswd, "team:" + at.favre.lib.crypto.bcrypt.BCrypt.with(at.favre.lib.crypto.bcrypt.BCrypt.Version.VERSION_2Y)
                .hashToString(4, "team-pw".toCharArray()) + "\n");
        assertThat(runFailing("user", "import-htpasswd", htpasswd.toString(), c)).contains("skipped team", "namespace");

        run("user", "add", "dora", "--password", "dora-pw", c);
        try (TestServer server = TestServer.start(data, Map.of())) {
            new Http(server.url(), "dora", "dora-pw").pushImage("dora/app", "v1", "{}".getBytes(), "dora-layer".getBytes());
        }
        assertThat(lastLine(runFailing("user", "rm", "dora", c))).contains("1 repository", "--force");
        assertThat(run("user", "rm", "dora", "--force", c)).contains("deleted user dora and 1 repository");
        run("user", "add", "dora", "--password", "dora-pw", c);
        try (TestServer server = TestServer.start(data, Map.of())) {
            Http dora = new Http(server.url(), "dora", "dora-pw");
            assertThat(dora.get("/v2/dora/app/manifests/v1").statusCode()).isEqualTo(404);
            assertThat(Http.json(dora.get("/v2/_catalog")).path("repositories").toString()).doesNotContain("dora/app");
            assertThat(new Http(server.url(), "team", "pw-team").get("/v2/team/app/manifests/v1").statusCode()).isEqualTo(401);
        }
    }

    @Test
    void addListPasswdDisableRemoveAndImport() throws Exception {
        Path data = dir.resolve("data");
        String c = Cli.configOption(dir, data);

        assertThat(run("user", "add", "bob", "--password", "first-pw", "--create", c)).contains("created user bob");
        assertThat(run("user", "add", "root2", "--admin", "--password", "pw2", c)).contains("(admin)");
        assertThat(run("user", "ls", c)).contains("bob", "root2");
        run("user", "passwd", "bob", "--password", "second-pw", c);

        Path htpasswd = dir.resolve("htpasswd");
        Files.writeString(htpasswd, "carl:" + at.favre.lib.crypto.bcrypt.BCrypt.with(at.favre.lib.crypto.bcrypt.BCrypt.Version.VERSION_2Y)
                .hashToString(4, "carl-pw".toCharArray()) + "\n");
        assertThat(run("user", "import-htpasswd", htpasswd.toString(), c)).contains("imported 1 users");

        try (TestServer server = TestServer.start(data, Map.of())) {
            assertThat(new Http(server.url(), "bob", "second-pw").get("/v2/").statusCode()).isEqualTo(200);
            assertThat(new Http(server.url(), "bob", "first-pw").get("/v2/").statusCode()).isEqualTo(401);
            assertThat(new Http(server.url(), "carl", "carl-pw").get("/v2/").statusCode()).isEqualTo(200);
            assertThat(new Http(server.url(), "root2", "pw2").get("/api/v1/users").statusCode()).isEqualTo(200);
        }
        run("user", "disable", "bob", c);
        run("user", "rm", "carl", c);
        try (TestServer server = TestServer.start(data, Map.of())) {
            assertThat(new Http(server.url(), "bob", "second-pw").get("/v2/").statusCode()).isEqualTo(401);
            assertThat(new Http(server.url(), "carl", "carl-pw").get("/v2/").statusCode()).isEqualTo(401);
        }
        assertThat(run("user", "ls", c)).doesNotContain("carl");
    }

    @Test
    void fromAnotherDirectoryItRefusesToCreateAFreshDataDirectory() throws Exception {
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Path data = elsewhere.toAbsolutePath().resolve("data");
        BerthProcess.Outcome o = BerthProcess.run(elsewhere, Map.of(), "user", "ls");
        assertThat(o.exitCode()).isNotZero();
        assertThat(o.stderr().strip()).isEqualTo("berth: no Berth data directory at " + data
                + " (storage.filesystem.rootdirectory, REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY); run this where the server runs, "
                + "pass its --config, or add --create to start a new registry there");
        assertThat(data).doesNotExist();

        BerthProcess.Outcome created = BerthProcess.run(elsewhere, Map.of("BERTH_AUTH_BCRYPTCOST", "4"),
                "user", "add", "bob", "--password", "pw", "--create");
        assertThat(created.exitCode()).as(created.stderr()).isZero();
        assertThat(created.stderr().strip()).isEqualTo("berth: using data directory " + data);
        assertThat(data.resolve("berth.db")).exists();

        BerthProcess.Outcome listed = BerthProcess.run(elsewhere, Map.of(), "user", "ls");
        assertThat(listed.exitCode()).as(listed.stderr()).isZero();
        assertThat(listed.stderr().strip()).isEqualTo("berth: using data directory " + data);
        assertThat(listed.stdout()).contains("bob");
    }

    /** The error: one line, after the "using data directory" line. */
    private static String lastLine(String stderr) {
        java.util.List<String> lines = stderr.strip().lines().toList();
        assertThat(lines).hasSizeLessThanOrEqualTo(2);
        assertThat(lines.getFirst()).startsWith("berth: using data directory");
        return lines.getLast();
    }
}
