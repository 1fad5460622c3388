package io.berth.cli;

import io.berth.testing.BerthProcess;
import io.berth.testing.Postgres;
import io.berth.testing.TestServer;
import io.berth.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An operator's mistake stops {@code berth serve} (the real main, in its own JVM) with one line on stderr
 * that names the setting and the cause, and a non-zero exit — never a stack trace, a long wait, or a
 * server that starts and then fails every request.
 */
class ServeFailuresTest {
    @TempDir
    Path dir;

    private Map<String, String> env(String... pairs) {
        Map<String, String> env = new HashMap<>(Map.of(
                "REGISTRY_HTTP_ADDR", "127.0.0.1:0",
                "REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY", dir.resolve("data").toString(),
                "REGISTRY_LOG_LEVEL", "warn",
                "BERTH_ADMIN_PASSWORD", TestServer.ADMIN_PASSWORD,
                "BERTH_AUTH_BCRYPTCOST", "4"));
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return env;
    }

    /** Runs {@code berth serve} and asserts it refused to start with exactly {@code line} on stderr. */
    private BerthProcess.Outcome refuses(Map<String, String> env, String line, String... args) {
        BerthProcess.Outcome o = serve(20, env, args);
        assertThat(o.exitCode()).as(o.stderr()).isNotZero();
        assertThat(o.stderr().strip()).isEqualTo(line);
        return o;
    }

    private BerthProcess.Outcome serve(Map<String, String> env, String... args) {
        return serve(20, env, args);
    }

    /** A refusal comes within seconds: a server still running after {@code timeoutSeconds} started when it should not have. */
    private BerthProcess.Outcome serve(long timeoutSeconds, Map<String, String> env, String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "serve";
        System.arraycopy(args, 0, all, 1, args.length);
        return BerthProcess.run(timeoutSeconds, dir, env, all);
    }

    private void openssl(String... args) {
        String[] command = new String[args.length + 1];
        command[0] = "openssl";
        System.arraycopy(args, 0, command, 1, args.length);
        Tools.run(dir, Map.of(), 60, command).orFail();
    }

    private void selfSigned(Path key, Path cert) {
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=127.0.0.1",
                "-days", "2", "-keyout", key.toString(), "-out", cert.toString());
    }

    // --- TLS ------------------------------------------------------------------------------------

    @Test
    void tlsKeyThatDoesNotMatchTheCertificateStopsTheStartNamingBothFiles() {
        Tools.require("openssl");
        Path cert = dir.resolve("cert.pem");
        Path other = dir.resolve("other-key.pem");
        selfSigned(dir.resolve("key.pem"), cert);
        selfSigned(other, dir.resolve("other-cert.pem"));
        refuses(env("REGISTRY_HTTP_TLS_CERTIFICATE", cert.toString(), "REGISTRY_HTTP_TLS_KEY", other.toString()),
                "berth: http.tls.key (REGISTRY_HTTP_TLS_KEY) " + other + " does not match http.tls.certificate "
                        + "(REGISTRY_HTTP_TLS_CERTIFICATE) " + cert + ": private key does not match public key");
    }

    @Test
    void missingTlsCertificateSaysNoSuchFile() {
        Tools.require("openssl");
        Path key = dir.resolve("key.pem");
        selfSigned(key, dir.resolve("cert.pem"));
        Path missing = dir.resolve("missing.pem");
        refuses(env("REGISTRY_HTTP_TLS_CERTIFICATE", missing.toString(), "REGISTRY_HTTP_TLS_KEY", key.toString()),
                "berth: http.tls.certificate (REGISTRY_HTTP_TLS_CERTIFICATE) " + missing + ": no such file");
    }

    // --- the data directory ---------------------------------------------------------------------

    @Test
    void dataPathThatIsAFile() throws Exception {
        Path file = Files.writeString(dir.resolve("data"), "not a directory");
        refuses(env(), "berth: storage.filesystem.rootdirectory (REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY) " + file
                + ": not a directory");
    }

    @Test
    void unwritableDataDirectory() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        try (Unwritable u = Unwritable.make(data)) {
            BerthProcess.Outcome o = serve(env());
            assertThat(o.exitCode()).as(o.stderr()).isNotZero();
            assertThat(o.stderrLines()).hasSize(1);
            assertThat(o.stderr()).startsWith("berth: storage.filesystem.rootdirectory (REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY) "
                    + data + ": not writable (" + u.reason() + ")");
        }
    }

    @Test
    void missingHtpasswdFileSaysNoSuchFile() {
        Path missing = dir.resolve("htpasswd");
        refuses(env("REGISTRY_AUTH_HTPASSWD_PATH", missing.toString()),
                "berth: auth.htpasswd.path (REGISTRY_AUTH_HTPASSWD_PATH) " + missing + ": no such file");
    }

    @Test
    void secondServerOnTheSameDataDirectoryRefusesNamingTheHolder() {
        Path data = dir.resolve("data");
        try (TestServer first = TestServer.start(data, Map.of())) {
            refuses(env(), "berth: data directory " + data.toAbsolutePath() + " is in use by another Berth (pid "
                    + ProcessHandle.current().pid() + "; lock file " + data.toAbsolutePath().resolve("berth.lock")
                    + "); stop it first, or give this one another directory");
            assertThat(first.http().get("/v2/").statusCode()).as("the first server is untouched").isEqualTo(200);
        }
        // Released when the server stops: a new one starts.
        BerthProcess.Outcome again = serve(env(), "--exit-after-start");
        assertThat(again.exitCode()).as(again.stderr()).isZero();
    }

    // --- the database ---------------------------------------------------------------------------

    @Test
    void databaseOnAClosedPortFailsFastInOneLine() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        BerthProcess.Outcome o = serve(env("BERTH_DATABASE_URL", "postgres://berth:secret@127.0.0.1:" + port + "/berth"));
        assertThat(o.exitCode()).as(o.stderr()).isNotZero();
        assertThat(o.stderrLines()).hasSize(1);
        assertThat(o.stderr()).startsWith("berth: berth.database.url (BERTH_DATABASE_URL) postgresql://127.0.0.1:" + port
                + "/berth: cannot connect: Connection to 127.0.0.1:" + port + " refused").doesNotContain("secret");
        assertThat(o.seconds()).as("no 10 s wait").isLessThan(8);
    }

    @Test
    void databaseThatDoesNotExistIsNamed() {
        Postgres.require();
        String url = Postgres.jdbcUrl("berth_no_such_database");
        String shown = url.substring("jdbc:".length()).replaceFirst("\\?.*", "");
        refuses(env("BERTH_DATABASE_URL", url), "berth: berth.database.url (BERTH_DATABASE_URL) " + shown
                + ": cannot connect: FATAL: database \"berth_no_such_database\" does not exist");
    }

    @Test
    void databaseHoldingAnotherApplicationsTablesIsRefused() throws Exception {
        Postgres.require();
        String database = Postgres.createDatabase();
        try {
            String url = Postgres.jdbcUrl(database);
            try (Connection c = DriverManager.getConnection(url)) {
                c.createStatement().execute("CREATE TABLE invoices (id INT PRIMARY KEY)");
            }
            refuses(env("BERTH_DATABASE_URL", url), "berth: berth.database.url (BERTH_DATABASE_URL) "
                    + url.substring("jdbc:".length()).replaceFirst("\\?.*", "")
                    + ": holds another application's tables (schema \"public\" is not empty and has no Berth migration history); "
                    + "give Berth a database of its own");
        } finally {
            Postgres.dropDatabase(database);
        }
    }

    // --- settings -------------------------------------------------------------------------------

    @Test
    void unknownKeyUnderBerthStopsTheStartNamingItsPath() throws Exception {
        Path config = Files.writeString(dir.resolve("berth.yml"), """
                berth:
                  proxy:
                    upstream:
                      - name: dockerhub
                        url: https://registry-1.docker.io
                """);
        refuses(env(), "berth: unknown setting berth.proxy.upstream in " + config + " (berth.proxy takes: upstreams, private)",
                "--config", config.toString());
    }

    @Test
    void unknownEnvironmentVariablesAndRegistry2SectionsAreWarnedAboutButStart() throws Exception {
        Path config = Files.writeString(dir.resolve("config.yml"), """
                version: 0.1
                log:
                  fields:
                    service: registry
                storage:
                  cache:
                    blobdescriptor: inmemory
                http:
                  headers:
                    X-Content-Type-Options: [nosniff]
                health:
                  storagedriver:
                    enabled: true
                """);
        BerthProcess.Outcome o = serve(env("REGISTRY_FOO", "1", "BERTH_STORAGE_DIRECTOI", "false", "BERTH_JAVA_OPTS", "-Xmx1g"),
                "--config", config.toString(), "--exit-after-start");
        assertThat(o.exitCode()).as(o.stderr()).isZero();
        assertThat(o.stderr()).contains("Ignoring unrecognized environment variable REGISTRY_FOO",
                "Ignoring unrecognized environment variable BERTH_STORAGE_DIRECTOI",
                "ignoring registry:2 setting log.fields (in " + config + "): Berth does not implement it",
                "ignoring registry:2 setting storage.cache (in " + config + "): Berth does not implement it",
                "ignoring registry:2 setting http.headers (in " + config + "): Berth does not implement it",
                "ignoring registry:2 setting health (in " + config + "): Berth does not implement it")
                .doesNotContain("BERTH_JAVA_OPTS");
    }

    // --- the pull-through cache -----------------------------------------------------------------

    @Test
    void upstreamWhoseNamespaceHoldsLocalRepositoriesIsRefused() throws Exception {
        Path data = dir.resolve("data");
        try (TestServer local = TestServer.start(data, Map.of())) {
            local.http().pushImage("team/app", "v1", "{}".getBytes(), "layer".getBytes());
        }
        Path config = Files.writeString(dir.resolve("berth.yml"), """
                berth:
                  proxy:
                    upstreams:
                      - name: team
                        url: http://127.0.0.1:1
                """);
        refuses(env(), "berth: berth.proxy.upstreams[0] (http://127.0.0.1:1/) would hide namespace team, which holds 1 local "
                + "repository (team/app); give the upstream another namespace", "--config", config.toString());
        // registry:2's mirror (proxy.remoteurl) answers for every repository.
        refuses(env("REGISTRY_PROXY_REMOTEURL", "http://127.0.0.1:1"), "berth: proxy.remoteurl (REGISTRY_PROXY_REMOTEURL) "
                + "(http://127.0.0.1:1/) would hide all repositories, and 1 local repository is there (team/app); "
                + "mirror into an empty registry, or use berth.proxy.upstreams with a namespace");
    }
}
