package io.berth.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.testing.Http;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Docker schema2 manifests pushed by buildah (--format docker) and skopeo (--format v2s2). */
class DockerSchema2IT extends E2eTest {
    @Override
    List<String> tools() {
        return List.of("buildah", "skopeo");
    }

    @Test
    void buildahPushFormatDockerStoresSchema2AndPullsBack() {
        String tag = e2e.host() + "/e2e/docker:v1";
        String imageId = e2e.buildSampleApp(tag, 8 * 1024);
        Path digestFile = tmp.resolve("docker.digest");
        e2e.buildah("push", "--format", "docker", "--tls-verify=false", "--digestfile", digestFile.toString(), tag,
                e2e.ref("e2e/docker:v1")).orFail();
        String digest = E2e.readString(digestFile).trim();

        assertStoredAsSchema2("e2e/docker", "v1", digest, imageId);
        assertPullsBack("e2e/docker", "v1", digest);
    }

    @Test
    void skopeoCopyFormatV2s2ConvertsAnOciImageToSchema2() {
        String tag = e2e.host() + "/e2e/oci:v1";
        String imageId = e2e.buildSampleApp(tag, 8 * 1024);
        e2e.buildah("push", "--tls-verify=false", tag, e2e.ref("e2e/oci:v1")).orFail();
        assertThat(e2e.http.head("/v2/e2e/oci/manifests/v1", "Accept", E2e.OCI_MANIFEST).headers()
                .firstValue("Content-Type")).hasValue(E2e.OCI_MANIFEST);

        Path digestFile = tmp.resolve("v2s2.digest");
        e2e.skopeo("copy", "--format", "v2s2", "--src-tls-verify=false", "--dest-tls-verify=false",
                "--digestfile", digestFile.toString(), e2e.ref("e2e/oci:v1"), e2e.ref("e2e/converted:v1")).orFail();
        String digest = E2e.readString(digestFile).trim();

        assertStoredAsSchema2("e2e/converted", "v1", digest, imageId);
        assertPullsBack("e2e/converted", "v1", digest);
    }

    private void assertStoredAsSchema2(String repo, String tag, String digest, String configDigest) {
        HttpResponse<byte[]> head = e2e.http.head("/v2/" + repo + "/manifests/" + tag, "Accept", E2e.DOCKER_MANIFEST);
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("Content-Type")).hasValue(E2e.DOCKER_MANIFEST);
        assertThat(head.headers().firstValue("Docker-Content-Digest")).hasValue(digest);

        HttpResponse<byte[]> get = e2e.getManifest(repo, tag, E2e.DOCKER_MANIFEST);
        assertThat(head.headers().firstValueAsLong("Content-Length")).hasValue(get.body().length);
        assertThat(Http.sha256(get.body())).isEqualTo(digest);
        JsonNode m = E2e.parse(get.body());
        assertThat(m.path("mediaType").asText()).isEqualTo(E2e.DOCKER_MANIFEST);
        assertThat(m.path("config").path("mediaType").asText()).isEqualTo("application/vnd.docker.container.image.v1+json");
        assertThat(m.path("config").path("digest").asText()).isEqualTo(configDigest);
        for (JsonNode layer : m.path("layers")) {
            assertThat(layer.path("mediaType").asText()).isEqualTo("application/vnd.docker.image.rootfs.diff.tar.gzip");
            HttpResponse<byte[]> blob = e2e.http.get("/v2/" + repo + "/blobs/" + layer.path("digest").asText());
            assertThat(Http.sha256(blob.body())).isEqualTo(layer.path("digest").asText());
        }
    }

    private void assertPullsBack(String repo, String tag, String digest) {
        // dir: keeps the manifest byte for byte, so the digest must survive the round trip.
        Path out = tmp.resolve("pulled-" + repo.replace('/', '-'));
        e2e.skopeo("copy", "--src-tls-verify=false", e2e.ref(repo + ":" + tag), "dir:" + out).orFail();
        byte[] manifest = E2e.readBytes(out.resolve("manifest.json"));
        assertThat(Http.sha256(manifest)).isEqualTo(digest);
        assertThat(E2e.parse(manifest).path("mediaType").asText()).isEqualTo(E2e.DOCKER_MANIFEST);

        JsonNode inspect = E2e.parse(e2e.skopeo("inspect", "--tls-verify=false", e2e.ref(repo + ":" + tag)).orFail().output());
        assertThat(inspect.path("Digest").asText()).isEqualTo(digest);
        assertThat(inspect.path("Labels").path("org.example.team").asText()).isEqualTo("berth");
    }
}
