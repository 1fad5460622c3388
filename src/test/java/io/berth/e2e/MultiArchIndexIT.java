package io.berth.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.testing.Http;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A two-platform index made with buildah manifest, pushed with --all, pulled per platform by skopeo. */
class MultiArchIndexIT extends E2eTest {
    @Override
    List<String> tools() {
        return List.of("buildah", "skopeo", "tar");
    }

    @Test
    void buildahManifestPushAllThenSkopeoPullsEachPlatform() {
        Map<String, String> configByArch = new HashMap<>();
        for (String arch : List.of("amd64", "arm64")) {
            configByArch.put(arch, e2e.buildForArch("localhost/e2e/multi:" + arch, arch));
        }
        assertThat(configByArch.get("amd64")).isNotEqualTo(configByArch.get("arm64"));

        e2e.buildah("manifest", "create", "localhost/e2e/multi:list").orFail();
        for (String arch : List.of("amd64", "arm64")) {
            e2e.buildah("manifest", "add", "--arch", arch, "--os", "linux", "localhost/e2e/multi:list", "localhost/e2e/multi:" + arch)
                    .orFail();
        }
        Path digestFile = tmp.resolve("index.digest");
        e2e.buildah("manifest", "push", "--all", "--tls-verify=false", "--digestfile", digestFile.toString(),
                "localhost/e2e/multi:list", e2e.ref("e2e/multi:latest")).orFail();
        String indexDigest = E2e.readString(digestFile).trim();

        // The registry holds the index under the tag, naming both platforms' manifests, each stored too.
        HttpResponse<byte[]> got = e2e.getManifest("e2e/multi", "latest", E2e.OCI_INDEX + ", " + E2e.DOCKER_LIST);
        assertThat(got.headers().firstValue("Docker-Content-Digest")).hasValue(indexDigest);
        assertThat(Http.sha256(got.body())).isEqualTo(indexDigest);
        JsonNode index = E2e.parse(got.body());
        assertThat(got.headers().firstValue("Content-Type").orElseThrow()).isIn(E2e.OCI_INDEX, E2e.DOCKER_LIST)
                .isEqualTo(index.path("mediaType").asText());
        assertThat(index.path("manifests")).hasSize(2);
        Map<String, String> manifestByArch = new HashMap<>();
        for (JsonNode m : index.path("manifests")) {
            assertThat(m.path("platform").path("os").asText()).isEqualTo("linux");
            String digest = m.path("digest").asText();
            manifestByArch.put(m.path("platform").path("architecture").asText(), digest);
            HttpResponse<byte[]> child = e2e.getManifest("e2e/multi", digest, m.path("mediaType").asText());
            assertThat(Http.sha256(child.body())).isEqualTo(digest);
        }
        assertThat(manifestByArch).containsOnlyKeys("amd64", "arm64");

        // skopeo resolves the index for each platform and gets that platform's image.
        for (String arch : List.of("amd64", "arm64")) {
            Path layoutDir = tmp.resolve("pulled-" + arch);
            e2e.skopeo("copy", "--src-tls-verify=false", "--override-os", "linux", "--override-arch", arch,
                    e2e.ref("e2e/multi:latest"), "oci:" + layoutDir + ":" + arch).orFail();
            E2e.OciLayout layout = new E2e.OciLayout(layoutDir);
            assertThat(layout.manifestDigest()).as("manifest pulled for %s", arch).isEqualTo(manifestByArch.get(arch));
            JsonNode config = layout.config();
            assertThat(config.path("architecture").asText()).as("config architecture pulled for %s", arch).isEqualTo(arch);
            assertThat(config.path("os").asText()).isEqualTo("linux");
            assertThat(layout.manifest().path("config").path("digest").asText()).isEqualTo(configByArch.get(arch));
            assertThat(config.path("config").path("Labels").path("org.example.arch").asText()).isEqualTo(arch);
            JsonNode layers = layout.manifest().path("layers");
            assertThat(layers).hasSize(1);
            Path rootfs = e2e.unpackLayer(layout.blob(layers.get(0).path("digest").asText()), arch);
            assertThat(E2e.readString(rootfs.resolve("arch.txt"))).isEqualTo("built for " + arch + "\n");

            JsonNode inspected = E2e.parse(e2e.skopeo("inspect", "--tls-verify=false", "--override-os", "linux",
                    "--override-arch", arch, e2e.ref("e2e/multi:latest")).orFail().output());
            assertThat(inspected.path("Architecture").asText()).isEqualTo(arch);
            // skopeo reports the digest of what the reference names: the index.
            assertThat(inspected.path("Digest").asText()).isEqualTo(indexDigest);
            assertThat(E2e.texts(inspected.path("Layers"))).containsExactly(layers.get(0).path("digest").asText());
        }

        // And the whole index copies as it is.
        Path all = tmp.resolve("pulled-all");
        e2e.skopeo("copy", "--all", "--src-tls-verify=false", e2e.ref("e2e/multi:latest"), "oci:" + all + ":latest").orFail();
        assertThat(new E2e.OciLayout(all).manifestDigest()).isEqualTo(indexDigest);
    }
}
