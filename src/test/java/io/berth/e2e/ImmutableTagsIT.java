package io.berth.e2e;

import io.berth.testing.Tools;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Immutable tags as podman and skopeo users meet them: pushing a changed image to an immutable tag fails
 * with the registry's message (naming the tag and the rule) on the user's terminal, pushing the same image
 * again succeeds, and neither the tag nor its manifest can be deleted.
 */
class ImmutableTagsIT extends E2eTest {
    @Override
    List<String> tools() {
        return List.of("podman", "buildah", "skopeo");
    }

    @Test
    void podmanPushOfAChangedImageToAnImmutableTagFailsVisibly() {
        e2e.server.server().immutableTags().setPatterns("e2e", List.of("v*"));
        String tag = e2e.host() + "/e2e/app:v1";
        String first = e2e.buildSampleApp(tag, 8 * 1024);
        e2e.podman("push", "--tls-verify=false", tag).orFail();
        String pushed = e2e.http.head("/v2/e2e/app/manifests/v1", "Accept", E2e.OCI_MANIFEST + ", " + E2e.DOCKER_MANIFEST)
                .headers().firstValue("Docker-Content-Digest").orElseThrow();

        // A changed image under the same tag: podman fails and prints the registry's reason.
        String second = e2e.buildSampleApp(e2e.host() + "/e2e/app:next", 9 * 1024);
        assertThat(second).isNotEqualTo(first);
        e2e.podman("tag", second, tag).orFail();
        Tools.Result refused = e2e.podman("push", "--tls-verify=false", tag);
        System.out.println("[e2e] podman push of a changed image to an immutable tag printed:\n" + refused.output());
        assertThat(refused.exitCode()).as(refused.output()).isNotZero();
        assertThat(refused.output()).contains("denied", "tag v1 of e2e/app is immutable (rule v* of namespace e2e)",
                "cannot be moved to");
        assertThat(e2e.http.head("/v2/e2e/app/manifests/v1", "Accept", E2e.OCI_MANIFEST + ", " + E2e.DOCKER_MANIFEST)
                .headers().firstValue("Docker-Content-Digest")).hasValue(pushed);

        // The same image again (a CI job re-run): accepted.
        e2e.podman("tag", first, tag).orFail();
        e2e.podman("push", "--tls-verify=false", tag).orFail();
        // Another tag is free to take the changed image.
        e2e.podman("tag", second, e2e.host() + "/e2e/app:latest").orFail();
        e2e.podman("push", "--tls-verify=false", e2e.host() + "/e2e/app:latest").orFail();

        // skopeo delete resolves the tag and deletes its manifest: refused, with the reason.
        Tools.Result delete = e2e.skopeo("delete", "--tls-verify=false", e2e.ref("e2e/app:v1"));
        System.out.println("[e2e] skopeo delete of an immutable tag printed:\n" + delete.output());
        assertThat(delete.exitCode()).as(delete.output()).isNotZero();
        assertThat(delete.output()).contains("its tag v1 is immutable (rule v* of namespace e2e)");
        assertThat(e2e.skopeo("inspect", "--raw", "--tls-verify=false", e2e.ref("e2e/app:v1")).exitCode()).isZero();
    }
}
