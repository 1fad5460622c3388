package io.berth.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigTest {

    private static BerthConfig env(Map<String, String> env) {
        return BerthConfig.from(Settings.load(null, env));
    }

    @Test
    void defaultsMatchRegistry2() {
        BerthConfig c = env(Map.of());
        assertThat(c.address().getPort()).isEqualTo(5000);
        assertThat(c.rootDirectory()).isEqualTo(Path.of("./data"));
        assertThat(c.deleteEnabled()).isTrue();
        assertThat(c.redirect()).as("redirects where the driver can sign, as registry:2").isTrue();
        assertThat(c.logLevel()).isEqualTo("info");
        assertThat(c.maxManifestBytes()).isEqualTo(4 * 1024 * 1024);
        assertThat(c.uploadPurgeAge()).isEqualTo(Duration.ofHours(168));
    }

    @Test
    void registry2EnvironmentVariablesWork() {
        BerthConfig c = env(Map.of(
                "REGISTRY_HTTP_ADDR", "127.0.0.1:5055",
                "REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY", "/var/lib/registry",
                "REGISTRY_STORAGE_DELETE_ENABLED", "false",
                "REGISTRY_STORAGE_REDIRECT_DISABLE", "true",
                "REGISTRY_LOG_LEVEL", "debug",
                "REGISTRY_STORAGE_MAINTENANCE_UPLOADPURGING_AGE", "2h30m"));
        assertThat(c.address().getHostString()).isEqualTo("127.0.0.1");
        assertThat(c.address().getPort()).isEqualTo(5055);
        assertThat(c.rootDirectory()).isEqualTo(Path.of("/var/lib/registry"));
        assertThat(c.deleteEnabled()).isFalse();
        assertThat(c.redirect()).isFalse();
        assertThat(c.logLevel()).isEqualTo("debug");
        assertThat(c.uploadPurgeAge()).isEqualTo(Duration.ofMinutes(150));
    }

    @Test
    void yamlFileInRegistry2LayoutWithEnvironmentOnTop(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("config.yml");
        Files.writeString(file, """
                version: 0.1
                log:
                  level: warn
                storage:
                  filesystem:
                    rootdirectory: /srv/registry
                  delete:
                    enabled: false
                  redirect:
                    disable: true
                http:
                  addr: :6000
                berth:
                  manifest:
                    maxsize: 8192
                """);
        BerthConfig c = BerthConfig.from(Settings.load(file, Map.of("REGISTRY_HTTP_ADDR", ":7000")));
        assertThat(c.address().getPort()).isEqualTo(7000);
        assertThat(c.rootDirectory()).isEqualTo(Path.of("/srv/registry"));
        assertThat(c.deleteEnabled()).isFalse();
        assertThat(c.redirect()).isFalse();
        assertThat(c.logLevel()).isEqualTo("warn");
        assertThat(c.maxManifestBytes()).isEqualTo(8192);
    }

    @Test
    void invalidSettingsFailWithOneLineNamingThem() {
        assertThatThrownBy(() -> env(Map.of("REGISTRY_HTTP_ADDR", "nonsense")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("http.addr").hasMessageContaining("REGISTRY_HTTP_ADDR");
        assertThatThrownBy(() -> env(Map.of("REGISTRY_STORAGE_DELETE_ENABLED", "maybe")))
                .hasMessageContaining("REGISTRY_STORAGE_DELETE_ENABLED");
        assertThatThrownBy(() -> env(Map.of("REGISTRY_LOG_LEVEL", "loud"))).hasMessageContaining("REGISTRY_LOG_LEVEL");
        assertThatThrownBy(() -> env(Map.of("BERTH_MANIFEST_MAXSIZE", "-1"))).hasMessageContaining("BERTH_MANIFEST_MAXSIZE");
        assertThatThrownBy(() -> env(Map.of("REGISTRY_STORAGE_MAINTENANCE_UPLOADPURGING_AGE", "soon")))
                .hasMessageContaining("uploadpurging.age");
        assertThatThrownBy(() -> env(Map.of("REGISTRY_HTTP_TLS_CERTIFICATE", "/x.pem")))
                .hasMessageContaining("REGISTRY_HTTP_TLS_KEY");
        assertThatThrownBy(() -> env(Map.of("REGISTRY_HTTP_ADDR", ":70000"))).hasMessageContaining("65535");
    }

    @Test
    void missingConfigFileIsNamed(@TempDir Path dir) {
        assertThatThrownBy(() -> Settings.load(dir.resolve("nope.yml"), Map.of()))
                .hasMessage("config file " + dir.resolve("nope.yml") + ": no such file");
    }

    @Test
    void unknownKeysUnderBerthFailNamingTheirPath(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("berth.yml"), "berth:\n  manifest:\n    maxsize: 8192\n  storage:\n    directoi: false\n");
        assertThatThrownBy(() -> BerthConfig.from(Settings.load(file, Map.of()))).isInstanceOf(ConfigException.class)
                .hasMessage("unknown setting berth.storage.directoi in " + file + " (berth.storage takes: directio)");
        Path upstream = Files.writeString(dir.resolve("up.yml"), "berth:\n  proxy:\n    upstreams:\n      - name: hub\n"
                + "        url: https://registry-1.docker.io\n        tll: 5m\n");
        assertThatThrownBy(() -> BerthConfig.from(Settings.load(upstream, Map.of())))
                .hasMessageStartingWith("unknown setting berth.proxy.upstreams[0].tll in " + upstream + " (an upstream takes: ");
        Path scalar = Files.writeString(dir.resolve("scalar.yml"), "berth:\n  auth:\n    tokenttl:\n      minutes: 5\n");
        assertThatThrownBy(() -> BerthConfig.from(Settings.load(scalar, Map.of())))
                .hasMessage("unknown setting berth.auth.tokenttl.minutes in " + scalar + " (berth.auth.tokenttl is not a mapping)");
    }

    @Test
    void unknownEnvironmentVariablesAndRegistry2OnlySettingsAreWarnings(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("config.yml"), "notifications:\n  endpoints: []\n  events:\n    includereferences: true\nhttp:\n  secret: x\n  addr: :5000\nfoo: 1\n");
        Settings s = Settings.load(file, Map.of("REGISTRY_FOO", "1", "BERTH_FOO", "2", "REGISTRY_REDIS_ADDR", "r:6379",
                "REGISTRY_HTTP_ADDR", ":5001", "BERTH_JAVA_OPTS", "-Xmx1g", "BERTH_AUTH", "none", "BERTH_AUTH_TOKENTTL", "1m"));
        assertThat(s.warnings()).containsExactlyInAnyOrder(
                "Ignoring unrecognized environment variable REGISTRY_FOO",
                "Ignoring unrecognized environment variable BERTH_FOO",
                "ignoring registry:2 setting redis (REGISTRY_REDIS_ADDR): Berth does not implement it",
                "ignoring registry:2 setting notifications.events (in " + file + "): Berth does not implement it",
                "ignoring registry:2 setting http.secret (in " + file + "): Berth does not implement it",
                "ignoring unrecognized setting foo in " + file);
        assertThat(BerthConfig.from(s).address().getPort()).isEqualTo(5001);
    }

    @Test
    void debugAddressIsOptional() {
        assertThat(env(Map.of()).debugAddress()).isNull();
        assertThat(env(Map.of("REGISTRY_HTTP_DEBUG_ADDR", "127.0.0.1:5001")).debugAddress().getPort()).isEqualTo(5001);
        assertThatThrownBy(() -> env(Map.of("REGISTRY_HTTP_DEBUG_ADDR", "x"))).hasMessageContaining("REGISTRY_HTTP_DEBUG_ADDR");
    }

    @Test
    void commitsAreDurableUnlessTradedAwayByName() {
        assertThat(env(Map.of()).durableCommits()).isTrue();
        assertThat(env(Map.of("BERTH_DATABASE_SYNCHRONOUS", "normal")).durableCommits()).isFalse();
        assertThat(env(Map.of("BERTH_DATABASE_SYNCHRONOUS", "FULL")).durableCommits()).isTrue();
        assertThatThrownBy(() -> env(Map.of("BERTH_DATABASE_SYNCHRONOUS", "off"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("berth.database.synchronous").hasMessageContaining("full or normal");
    }

    @Test
    void retentionRunsDailyByDefaultAndZeroTurnsTheScheduleOff() {
        assertThat(env(Map.of()).retention().interval()).isEqualTo(Duration.ofHours(24));
        assertThat(env(Map.of()).retention().untaggedGrace()).isEqualTo(Duration.ofHours(1));
        assertThat(env(Map.of()).retention().scheduled()).isTrue();
        assertThat(env(Map.of("BERTH_RETENTION_INTERVAL", "0")).retention().scheduled()).isFalse();
        assertThat(env(Map.of("BERTH_RETENTION_INTERVAL", "6h", "BERTH_RETENTION_UNTAGGEDGRACE", "30m")).retention())
                .isEqualTo(new io.berth.lifecycle.RetentionSettings(Duration.ofHours(6), Duration.ofMinutes(30)));
        assertThatThrownBy(() -> env(Map.of("BERTH_RETENTION_INTERVAL", "daily"))).hasMessageContaining("BERTH_RETENTION_INTERVAL");
        assertThatThrownBy(() -> env(Map.of("BERTH_RETENTION_INTERVAL", "10ms"))).hasMessageContaining("at least 1s");
    }

    @Test
    void theEffectiveSettingsNeverShowASecret() {
        Settings s = Settings.load(null, Map.of(
                "REGISTRY_HTTP_ADDR", ":5001",
                "BERTH_ADMIN_PASSWORD", "hunter2",
                "REGISTRY_STORAGE", "s3",
                "REGISTRY_STORAGE_S3_SECRETKEY", "s3-secret",
                "REGISTRY_STORAGE_S3_ACCESSKEY", "AKIA-ID",
                "REGISTRY_STORAGE_S3_BUCKET", "images",
                "BERTH_DATABASE_URL", "postgres://berth:db-pass@db:5432/berth?sslmode=require&password=again",
                "REGISTRY_PROXY_PASSWORD", "upstream-pass",
                "REGISTRY_NOTIFICATIONS_TOKEN", "ignored-by-berth"));
        assertThat(s.effective()).containsExactly(
                new Settings.Entry("berth.admin.password", "(set)"),
                new Settings.Entry("berth.database.url", "postgres://berth:(set)@db:5432/berth?sslmode=require&password=(set)"),
                new Settings.Entry("http.addr", ":5001"),
                new Settings.Entry("proxy.password", "(set)"),
                new Settings.Entry("storage.s3.accesskey", "(set)"),
                new Settings.Entry("storage.s3.bucket", "images"),
                new Settings.Entry("storage.s3.secretkey", "(set)"),
                new Settings.Entry("storage.type", "s3"));
        assertThat(s.effective().toString()).doesNotContain("hunter2", "s3-secret", "AKIA-ID", "db-pass", "again", "upstream-pass", "ignored");
    }

    @Test
    void anUpstreamsPasswordIsNotShownEither(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("berth.yml");
        Files.writeString(file, "berth:\n  proxy:\n    upstreams:\n      - name: hub\n        url: https://u:p@registry-1.docker.io\n"
                + "        password: up-secret\n");
        Settings s = Settings.load(file, Map.of());
        assertThat(s.effective()).containsExactly(
                new Settings.Entry("berth.proxy.upstreams[0].name", "hub"),
                new Settings.Entry("berth.proxy.upstreams[0].password", "(set)"),
                new Settings.Entry("berth.proxy.upstreams[0].url", "https://u:(set)@registry-1.docker.io"));
    }
}
