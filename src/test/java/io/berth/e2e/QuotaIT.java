package io.berth.e2e;

import io.berth.testing.Tools;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Namespace quotas as podman and skopeo users meet them: a quota set with curl through the admin API, then a
 * podman push whose layer would pass the byte limit fails with the registry's message (used and limit) on the
 * user's terminal, and a skopeo copy that would add a tag over the tag limit fails the same way at its manifest.
 */
class QuotaIT extends E2eTest {
    @Override
    List<String> tools() {
        return List.of("podman", "buildah", "skopeo", "curl");
    }

    @Test
    void podmanAndSkopeoPrintTheQuotaRefusal() {
        String v1 = e2e.host() + "/e2e/app:v1";
        e2e.buildSampleApp(v1, 8 * 1024);
        e2e.podman("push", "--tls-verify=false", v1).orFail();
        long used = E2e.parse(e2e.http.get("/api/v1/namespaces/e2e/quota").body()).path("usage").path("bytes").asLong();

        // The operator's how-to (README "Quotas"): a limit just above what the namespace holds.
        Tools.Result set = e2e.curl("-sf", "-X", "PUT", "-H", "Content-Type: application/json", "--data",
                "{\"maxBytes\": " + (used + 1_000) + "}", "http://" + e2e.host() + "/api/v1/namespaces/e2e/quota");
        assertThat(set.exitCode()).as(set.output()).isZero();
        assertThat(set.output()).contains("\"maxBytes\":" + (used + 1_000));

        String big = e2e.host() + "/e2e/app:big";
        e2e.buildSampleApp(big, 64 * 1024); // a new layer of about 64 kB
        Tools.Result refused = e2e.podman("push", "--tls-verify=false", big);
        System.out.println("[e2e] podman push over the byte quota printed:\n" + refused.output());
        assertThat(refused.exitCode()).as(refused.output()).isNotZero();
        assertThat(refused.output()).contains("denied", "quota exceeded: namespace e2e uses ", " (storage, each blob counted once per namespace)");
        assertThat(e2e.http.head("/v2/e2e/app/manifests/big", "Accept", E2e.OCI_MANIFEST + ", " + E2e.DOCKER_MANIFEST).statusCode())
                .isEqualTo(404);
        // Pushing what is there again is never refused.
        e2e.podman("push", "--tls-verify=false", v1).orFail();

        // A tag limit: copying the image under a new tag adds no bytes, but a tag.
        e2e.curl("-sf", "-X", "PUT", "-H", "Content-Type: application/json", "--data", "{\"maxTags\": 1}",
                "http://" + e2e.host() + "/api/v1/namespaces/e2e/quota").orFail();
        Tools.Result copy = e2e.skopeo("copy", "--src-tls-verify=false", "--dest-tls-verify=false", e2e.ref("e2e/app:v1"),
                e2e.ref("e2e/app:v2"));
        System.out.println("[e2e] skopeo copy over the tag quota printed:\n" + copy.output());
        assertThat(copy.exitCode()).as(copy.output()).isNotZero();
        assertThat(copy.output()).contains("quota exceeded: namespace e2e uses 1 of 1 tags");

        e2e.curl("-sf", "-X", "DELETE", "http://" + e2e.host() + "/api/v1/namespaces/e2e/quota").orFail();
        e2e.skopeo("copy", "--src-tls-verify=false", "--dest-tls-verify=false", e2e.ref("e2e/app:v1"), e2e.ref("e2e/app:v2")).orFail();
    }
}
