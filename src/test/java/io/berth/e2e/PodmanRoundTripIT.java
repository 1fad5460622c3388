package io.berth.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.testing.Http;
import io.berth.testing.TestServer;
import io.berth.testing.Tools;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** podman login, pull, tag, push to another repository, rmi, pull back, and logout. */
class PodmanRoundTripIT extends E2eTest {
    @Override
    List<String> tools() {
        return List.of("podman", "buildah");
    }

    @Test
    void podmanPullTagPushRmiAndPullBack() {
        // Seed the registry with an image built and pushed by buildah, then drop it locally.
        String source = e2e.host() + "/e2e/source:v1";
        String imageId = e2e.buildSampleApp(source, 16 * 1024);
        e2e.buildah("push", "--tls-verify=false", source, e2e.ref("e2e/source:v1")).orFail();
        e2e.buildah("rmi", "--all").orFail();
        assertThat(e2e.podman("images", "-q").orFail().output().trim()).isEmpty();

        // Authentication is on: without credentials podman is refused; podman login gets it in.
        E2e.write(e2e.authFile(), "{}".getBytes(StandardCharsets.UTF_8));
        Tools.Result anonymous = e2e.podman("pull", "--tls-verify=false", source);
        assertThat(anonymous.exitCode()).as(anonymous.output()).isNotZero();
        assertThat(anonymous.output()).containsIgnoringCase("unauthorized");
        Tools.Result wrong = e2e.podman("login", "--tls-verify=false", "-u", "admin", "-p", "not-the-password", e2e.host());
        assertThat(wrong.exitCode()).as(wrong.output()).isNotZero();
        e2e.podman("login", "--tls-verify=false", "-u", "admin", "-p", TestServer.ADMIN_PASSWORD, e2e.host()).orFail();
        assertThat(E2e.json(e2e.authFile()).path("auths").has(e2e.host())).isTrue();

        e2e.podman("pull", "--tls-verify=false", source).orFail();
        assertThat(e2e.podman("images", "-q", "--no-trunc").orFail().output().trim()).isEqualTo(imageId);

        String copy = e2e.host() + "/e2e/copied/app:v2";
        e2e.podman("tag", source, copy).orFail();
        e2e.podman("push", "--tls-verify=false", copy).orFail();

        // The registry now has the image in the second repository, with the same config.
        HttpResponse<byte[]> pushed = e2e.getManifest("e2e/copied/app", "v2", E2e.OCI_MANIFEST + ", " + E2e.DOCKER_MANIFEST);
        String pushedDigest = pushed.headers().firstValue("Docker-Content-Digest").orElseThrow();
        assertThat(Http.sha256(pushed.body())).isEqualTo(pushedDigest);
        JsonNode manifest = E2e.parse(pushed.body());
        assertThat(manifest.path("config").path("digest").asText()).isEqualTo(imageId);
        for (JsonNode layer : manifest.path("layers")) {
            assertThat(e2e.http.head("/v2/e2e/copied/app/blobs/" + layer.path("digest").asText()).statusCode()).isEqualTo(200);
        }
        assertThat(e2e.http.get("/v2/e2e/copied/app/tags/list").body()).asString().contains("\"v2\"");

        e2e.podman("rmi", source, copy).orFail();
        assertThat(e2e.podman("images", "-q").orFail().output().trim()).isEmpty();
        Tools.Result missing = e2e.podman("image", "exists", copy);
        assertThat(missing.exitCode()).isEqualTo(1);

        e2e.podman("pull", "--tls-verify=false", copy).orFail();
        JsonNode inspect = E2e.parse(e2e.podman("image", "inspect", copy).orFail().output()).get(0);
        assertThat("sha256:" + inspect.path("Id").asText()).isEqualTo(imageId);
        assertThat(E2e.texts(inspect.path("RepoDigests"))).contains(e2e.host() + "/e2e/copied/app@" + pushedDigest);
        assertThat(E2e.texts(inspect.path("Config").path("Env"))).contains("GREETING=hello");
        assertThat(inspect.path("Labels").path("org.example.team").asText()).isEqualTo("berth");

        // After podman logout the registry refuses again.
        e2e.podman("logout", e2e.host()).orFail();
        e2e.podman("rmi", copy).orFail();
        assertThat(e2e.podman("pull", "--tls-verify=false", copy).exitCode()).isNotZero();
    }
}
