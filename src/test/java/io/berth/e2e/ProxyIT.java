package io.berth.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.testing.Http;
import io.berth.testing.Registry2;
import io.berth.testing.Tools;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real clients through the pull-through cache in registry:2's mirror mode (REGISTRY_PROXY_REMOTEURL):
 * podman pulls one platform of a multi-arch image, skopeo copies, and both keep working once the
 * upstream (CNCF distribution) is gone.
 */
class ProxyIT {
    @TempDir
    Path tmp;
    private Registry2 upstream;
    private E2e e2e;

    @AfterEach
    void stop() {
        if (e2e != null) {
            e2e.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    @Test
    void podmanAndSkopeoPullAMultiArchImageThroughTheMirror() {
        Tools.require("buildah");
        Tools.require("podman");
        Tools.require("skopeo");
        upstream = Registry2.start();
        e2e = E2e.start(tmp, Map.of("REGISTRY_PROXY_REMOTEURL", upstream.url()));

        // The upstream gets a two-platform index, built and pushed by buildah.
        for (String arch : List.of("amd64", "arm64")) {
            e2e.buildForArch("localhost/proxy/multi:" + arch, arch);
        }
        e2e.buildah("manifest", "create", "localhost/proxy/multi:list").orFail();
        for (String arch : List.of("amd64", "arm64")) {
            e2e.buildah("manifest", "add", "--arch", arch, "--os", "linux", "localhost/proxy/multi:list", "localhost/proxy/multi:" + arch).orFail();
        }
        e2e.buildah("manifest", "push", "--all", "--tls-verify=false", "localhost/proxy/multi:list",
                "docker://" + upstream.host() + "/team/multi:latest").orFail();
        JsonNode index = Http.json(upstream.http().get("/v2/team/multi/manifests/latest",
                "Accept", E2e.OCI_INDEX + "," + E2e.DOCKER_LIST));
        Map<String, String> digestByArch = new HashMap<>();
        index.path("manifests").forEach(m -> digestByArch.put(m.path("platform").path("architecture").asText(), m.path("digest").asText()));
        assertThat(digestByArch).containsOnlyKeys("amd64", "arm64");

        // podman pulls the arm64 image through Berth.
        e2e.podman("pull", "--tls-verify=false", "--arch", "arm64", e2e.host() + "/team/multi:latest").orFail();
        String arch = e2e.podman("image", "inspect", "--format", "{{.Architecture}}", e2e.host() + "/team/multi:latest").orFail().output().trim();
        assertThat(arch).isEqualTo("arm64");

        // skopeo copies the amd64 one to an OCI layout; its manifest is the upstream's, byte for byte.
        Path layout = tmp.resolve("amd64-layout");
        e2e.skopeo("copy", "--src-tls-verify=false", "--override-arch", "amd64", e2e.ref("team/multi:latest"),
                "oci:" + layout + ":latest").orFail();
        assertThat(new E2e.OciLayout(layout).manifestDigest()).isEqualTo(digestByArch.get("amd64"));

        // Pushing to a mirror is refused: it is a read-only cache.
        Tools.Result push = e2e.skopeo("copy", "--dest-tls-verify=false", "oci:" + layout + ":latest", e2e.ref("team/mine:1"));
        assertThat(push.exitCode()).isNotZero();
        assertThat(push.output()).containsAnyOf("denied", "read-only", "403");

        // The upstream goes away: what was pulled is still served.
        upstream.stop();
        Path again = tmp.resolve("again");
        e2e.skopeo("copy", "--src-tls-verify=false", "--override-arch", "amd64", e2e.ref("team/multi:latest"),
                "oci:" + again + ":latest").orFail();
        assertThat(new E2e.OciLayout(again).manifestDigest()).isEqualTo(digestByArch.get("amd64"));
        assertThat(e2e.server.metric("berth_proxy_hits_total")).isGreaterThanOrEqualTo(1);
    }
}
