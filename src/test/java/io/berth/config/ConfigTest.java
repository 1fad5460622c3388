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
        assertThatThrownBy(() -> Settings.load(dir.resolve("nope.yml"), Map.of())).hasMessageContaining("nope.yml");
    }
}
