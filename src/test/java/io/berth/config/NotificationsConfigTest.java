package io.berth.config;

import io.berth.webhooks.NotificationEndpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** registry:2's notifications.endpoints, from its YAML and from REGISTRY_NOTIFICATIONS_ENDPOINTS_* as its parser reads them. */
class NotificationsConfigTest {

    @Test
    void theYamlOfRegistry2sConfigurationDocLoads(@TempDir Path dir) throws Exception {
        // configuration.md's example, with a second endpoint taking the defaults and a disabled third.
        Path file = Files.writeString(dir.resolve("config.yml"), """
                notifications:
                  endpoints:
                    - name: alistener
                      disabled: false
                      url: https://my.listener.com/event
                      headers:
                        Authorization: [Bearer secret-token]
                        X-Two: [a, b]
                      timeout: 500ms
                      threshold: 5
                      backoff: 1s
                      ignoredmediatypes:
                        - application/octet-stream
                      ignore:
                        mediatypes:
                           - application/vnd.oci.image.index.v1+json
                        actions:
                           - pull
                    - name: defaults
                      url: http://127.0.0.1:9/hook
                    - name: off
                      disabled: true
                      url: http://127.0.0.1:9/off
                """);
        Settings s = Settings.load(file, Map.of());
        assertThat(s.warnings()).as("every key of the section is read").isEmpty();
        List<NotificationEndpoint> endpoints = BerthConfig.from(s).notifications();
        assertThat(endpoints).extracting(NotificationEndpoint::name).containsExactly("alistener", "defaults");
        NotificationEndpoint a = endpoints.getFirst();
        assertThat(a.url()).isEqualTo(URI.create("https://my.listener.com/event"));
        assertThat(a.headers()).isEqualTo(Map.of("Authorization", List.of("Bearer secret-token"), "X-Two", List.of("a", "b")));
        assertThat(a.timeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(a.threshold()).isEqualTo(5);
        assertThat(a.backoff()).isEqualTo(Duration.ofSeconds(1));
        assertThat(a.ignoredMediaTypes()).isEqualTo(Set.of("application/octet-stream", "application/vnd.oci.image.index.v1+json"));
        assertThat(a.ignoredActions()).isEqualTo(Set.of("pull"));
        NotificationEndpoint d = endpoints.get(1);
        assertThat(List.of(d.timeout(), d.backoff())).as("registry:2's defaults").containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(1));
        assertThat(d.threshold()).isEqualTo(10);
        assertThat(d.headers()).isEmpty();
        assertThat(a.toString()).as("headers hold credentials: never shown").doesNotContain("Bearer");
    }

    @Test
    void environmentVariablesSetEntriesByIndexAsRegistry2sParserDoes(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("config.yml"), """
                notifications:
                  endpoints:
                    - name: first
                      url: http://127.0.0.1:9/first
                """);
        Map<String, String> env = Map.of(
                "REGISTRY_NOTIFICATIONS_ENDPOINTS_0_TIMEOUT", "2s",
                "REGISTRY_NOTIFICATIONS_ENDPOINTS_1_NAME", "second",
                "REGISTRY_NOTIFICATIONS_ENDPOINTS_1_URL", "http://127.0.0.1:9/second",
                "REGISTRY_NOTIFICATIONS_ENDPOINTS_1_HEADERS", "{Authorization: [Bearer t]}",
                "REGISTRY_NOTIFICATIONS_ENDPOINTS_1_IGNOREDMEDIATYPES", "[application/octet-stream]",
                "REGISTRY_NOTIFICATIONS_ENDPOINTS_1_IGNORE_ACTIONS", "[pull, mount]",
                // a bare number is nanoseconds, as for Go's time.Duration
                "REGISTRY_NOTIFICATIONS_ENDPOINTS_1_BACKOFF", "250000000");
        Settings s = Settings.load(file, env);
        assertThat(s.warnings()).isEmpty();
        List<NotificationEndpoint> endpoints = BerthConfig.from(s).notifications();
        assertThat(endpoints).extracting(NotificationEndpoint::name).containsExactly("first", "second");
        assertThat(endpoints.getFirst().timeout()).as("the YAML's entry, overridden").isEqualTo(Duration.ofSeconds(2));
        assertThat(endpoints.getFirst().url()).isEqualTo(URI.create("http://127.0.0.1:9/first"));
        NotificationEndpoint second = endpoints.get(1);
        assertThat(second.headers()).isEqualTo(Map.of("Authorization", List.of("Bearer t")));
        assertThat(second.ignoredMediaTypes()).containsExactly("application/octet-stream");
        assertThat(second.ignoredActions()).containsExactlyInAnyOrder("pull", "mount");
        assertThat(second.backoff()).isEqualTo(Duration.ofMillis(250));
    }

    @Test
    void theWholeListMayComeAsYamlInOneVariable() {
        BerthConfig c = BerthConfig.from(Settings.load(null, Map.of("REGISTRY_NOTIFICATIONS_ENDPOINTS",
                "[{name: a, url: 'http://127.0.0.1:9/a', headers: {X-Token: [s]}}, {name: b, url: 'http://127.0.0.1:9/b', timeout: 3s}]")));
        assertThat(c.notifications()).extracting(NotificationEndpoint::name).containsExactly("a", "b");
        assertThat(c.notifications().getFirst().headers()).isEqualTo(Map.of("X-Token", List.of("s")));
        assertThat(c.notifications().get(1).timeout()).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void mistakesStopTheStartNamingTheEndpoint() {
        assertThatThrownBy(() -> BerthConfig.from(Settings.load(null, Map.of("REGISTRY_NOTIFICATIONS_ENDPOINTS_0_NAME", "x",
                "REGISTRY_NOTIFICATIONS_ENDPOINTS_0_URL", "ftp://example.com/"))))
                .isInstanceOf(ConfigException.class).hasMessage("notifications.endpoints[0].url must be an http(s) URL, not \"ftp://example.com/\"");
        assertThatThrownBy(() -> BerthConfig.from(Settings.load(null, Map.of("REGISTRY_NOTIFICATIONS_ENDPOINTS_0_URL", "http://x/"))))
                .hasMessage("notifications.endpoints[0] needs a name");
        assertThatThrownBy(() -> BerthConfig.from(Settings.load(null, Map.of("BERTH_WEBHOOKS_TIMEOUT", "10m"))))
                .hasMessageContaining("BERTH_WEBHOOKS_TIMEOUT");
    }

    @Test
    void webhookSettingsDefaultToRefusingPrivateTargets() {
        BerthConfig c = BerthConfig.from(Settings.load(null, Map.of()));
        assertThat(c.webhooks().allowPrivateTargets()).isFalse();
        assertThat(c.webhooks().timeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.notifications()).isEmpty();
        assertThat(BerthConfig.from(Settings.load(null, Map.of("BERTH_WEBHOOKS_ALLOWPRIVATE", "true"))).webhooks().allowPrivateTargets())
                .isTrue();
    }
}
