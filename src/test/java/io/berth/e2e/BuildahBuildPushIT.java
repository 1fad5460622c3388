package io.berth.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.testing.Http;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** buildah builds a Dockerfile image and pushes it; skopeo pulls it back into an OCI layout. */
class BuildahBuildPushIT extends E2eTest {
    @Override
    List<String> tools() {
        return List.of("buildah", "skopeo", "tar");
    }

    @Test
    void buildahBuildsAndPushesAndSkopeoPullsTheSameDigests() {
        String tag = e2e.host() + "/e2e/app:v1";
        String imageId = e2e.buildSampleApp(tag, 32 * 1024);
        assertThat(imageId).startsWith("sha256:");

        // What buildah itself says about the image it built.
        JsonNode built = E2e.parse(e2e.buildah("inspect", "--type", "image", tag).orFail().output());
        JsonNode builtConfig = built.path("OCIv1");
        List<String> builtDiffIds = E2e.texts(builtConfig.path("rootfs").path("diff_ids"));
        assertThat(builtDiffIds).hasSize(1);

        Path digestFile = tmp.resolve("pushed.digest");
        e2e.buildah("push", "--tls-verify=false", "--digestfile", digestFile.toString(), tag, e2e.ref("e2e/app:v1")).orFail();
        String pushedDigest = E2e.readString(digestFile).trim();
        assertThat(pushedDigest).startsWith("sha256:");

        // What the registry serves for the tag: exactly the manifest buildah pushed.
        HttpResponse<byte[]> got = e2e.getManifest("e2e/app", "v1", E2e.OCI_MANIFEST);
        assertThat(got.headers().firstValue("Content-Type")).hasValue(E2e.OCI_MANIFEST);
        assertThat(got.headers().firstValue("Docker-Content-Digest")).hasValue(pushedDigest);
        assertThat(Http.sha256(got.body())).isEqualTo(pushedDigest);
        JsonNode served = E2e.parse(got.body());
        assertThat(served.path("config").path("digest").asText()).isEqualTo(imageId);
        List<String> servedLayers = new ArrayList<>();
        served.path("layers").forEach(l -> servedLayers.add(l.path("digest").asText()));
        assertThat(servedLayers).hasSize(1);
        for (JsonNode d : iterable(served.path("config"), served.path("layers").get(0))) {
            String digest = d.path("digest").asText();
            HttpResponse<byte[]> blob = e2e.http.get("/v2/e2e/app/blobs/" + digest);
            assertThat(blob.statusCode()).as("GET blob %s", digest).isEqualTo(200);
            assertThat(Http.sha256(blob.body())).isEqualTo(digest);
            assertThat((long) blob.body().length).isEqualTo(d.path("size").asLong());
        }
        // The pushed layer is buildah's layer, compressed: its content is the diff ID buildah reported.
        HttpResponse<byte[]> servedLayer = e2e.http.get("/v2/e2e/app/blobs/" + servedLayers.getFirst());
        Path servedLayerFile = tmp.resolve("served-layer.tar.gz");
        E2e.write(servedLayerFile, servedLayer.body());
        assertThat(E2e.gunzipSha256(servedLayerFile)).isEqualTo(builtDiffIds.getFirst());

        // skopeo copies it back into an OCI layout: same manifest, config and layer digests.
        Path layoutDir = tmp.resolve("layout");
        e2e.skopeo("copy", "--src-tls-verify=false", e2e.ref("e2e/app:v1"), "oci:" + layoutDir + ":v1").orFail();
        E2e.OciLayout layout = new E2e.OciLayout(layoutDir);
        assertThat(layout.manifestDigest()).isEqualTo(pushedDigest);
        assertThat(layout.index().path("manifests").get(0).path("annotations").path("org.opencontainers.image.ref.name").asText())
                .isEqualTo("v1");
        JsonNode manifest = layout.manifest();
        assertThat(manifest.path("config").path("digest").asText()).isEqualTo(imageId);
        List<String> layoutLayers = new ArrayList<>();
        manifest.path("layers").forEach(l -> layoutLayers.add(l.path("digest").asText()));
        assertThat(layoutLayers).isEqualTo(servedLayers);
        assertThat(Http.sha256(layout.blobBytes(imageId))).isEqualTo(imageId);
        assertThat(Http.sha256(layout.blobBytes(layoutLayers.getFirst()))).isEqualTo(layoutLayers.getFirst());
        JsonNode config = layout.config();
        assertThat(E2e.texts(config.path("rootfs").path("diff_ids"))).isEqualTo(builtDiffIds);
        assertThat(E2e.gunzipSha256(layout.blob(layoutLayers.getFirst()))).isEqualTo(builtDiffIds.getFirst());

        // The layer holds the files COPY put there.
        Path rootfs = e2e.unpackLayer(layout.blob(layoutLayers.getFirst()), "app");
        assertThat(E2e.readString(rootfs.resolve("app/hello.txt"))).isEqualTo("hello berth\n");
        assertThat(Files.isRegularFile(rootfs.resolve("app/bin/app"))).isTrue();
        assertThat(E2e.readBytes(rootfs.resolve("app/payload.bin"))).hasSize(32 * 1024);

        // skopeo inspect shows the Dockerfile's labels and environment...
        JsonNode inspect = E2e.parse(e2e.skopeo("inspect", "--tls-verify=false", e2e.ref("e2e/app:v1")).orFail().output());
        assertThat(inspect.path("Digest").asText()).isEqualTo(pushedDigest);
        assertThat(E2e.texts(inspect.path("RepoTags"))).containsExactly("v1");
        assertThat(inspect.path("Labels").path("org.example.team").asText()).isEqualTo("berth");
        assertThat(inspect.path("Labels").path("org.example.purpose").asText()).isEqualTo("end-to-end test");
        assertThat(E2e.texts(inspect.path("Env"))).contains("GREETING=hello", "APP_MODE=e2e");
        assertThat(E2e.texts(inspect.path("Layers"))).isEqualTo(servedLayers);
        assertThat(inspect.path("Architecture").asText()).isEqualTo(builtConfig.path("architecture").asText());
        // ...and its image config the exposed ports, user, working directory, entrypoint and command.
        JsonNode cfg = E2e.parse(e2e.skopeo("inspect", "--config", "--tls-verify=false", e2e.ref("e2e/app:v1")).orFail().output());
        JsonNode c = cfg.path("config");
        assertThat(iterableNames(c.path("ExposedPorts"))).containsExactlyInAnyOrder("8080/tcp", "9090/udp");
        assertThat(c.path("User").asText()).isEqualTo("1000:1000");
        assertThat(c.path("WorkingDir").asText()).isEqualTo("/app");
        assertThat(E2e.texts(c.path("Entrypoint"))).containsExactly("/app/bin/app");
        assertThat(E2e.texts(c.path("Cmd"))).containsExactly("--serve");
    }

    private static List<JsonNode> iterable(JsonNode... nodes) {
        return List.of(nodes);
    }

    private static List<String> iterableNames(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
