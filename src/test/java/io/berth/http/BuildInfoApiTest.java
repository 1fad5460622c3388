package io.berth.http;

import io.berth.testing.Project;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The version reaches operators through /metrics, never callers of the API (ARCHITECTURE.md, "The version"). */
class BuildInfoApiTest extends ApiTestBase {

    @Test
    void metricsCarryTheBuildInfoWithThePomsVersion() {
        String metrics = text(http.get("/metrics"));
        assertThat(metrics).contains("# TYPE berth_build_info gauge");
        assertThat(metrics).containsPattern(Pattern.compile("(?m)^berth_build_info\\{revision=\"([0-9a-f]{7,40}(-dirty)?)?\",version=\""
                + Pattern.quote(Project.version()) + "\"} 1(\\.0)?$"));
    }

    @Test
    void theApiDoesNotTellItsVersion() {
        for (HttpResponse<byte[]> r : List.of(server.anonymous().get("/v2/"), http.get("/v2/"), http.get("/v2/_catalog"),
                server.anonymous().get("/v2/no/such/manifests/latest"))) {
            r.headers().map().forEach((name, values) -> assertThat(values).as("%s on %s", name, r.uri())
                    .noneMatch(v -> v.contains(Project.version())));
            assertThat(text(r)).as("body of %s", r.uri()).doesNotContain(Project.version());
        }
    }
}
