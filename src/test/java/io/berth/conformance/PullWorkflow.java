package io.berth.conformance;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.berth.conformance.Setup.ERROR_CODES;
import static io.berth.conformance.Setup.RUN_PULL_SETUP;
import static io.berth.conformance.Setup.TEST_TAG_NAME;
import static io.berth.conformance.Setup.configs;
import static io.berth.conformance.Setup.dummyDigest;
import static io.berth.conformance.Setup.invalidManifestContent;
import static io.berth.conformance.Setup.layerBlobData;
import static io.berth.conformance.Setup.layerBlobDigest;
import static io.berth.conformance.Setup.manifests;
import static io.berth.conformance.Setup.nonexistentManifest;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Pull workflow: a port of {@code conformance/01_pull_test.go}, one test per spec, in its order.
 * With OCI_DELETE_MANIFEST_BEFORE_BLOBS at its default (true), the teardown deletes the manifests
 * before the blobs; the Go file's other branch (blobs first) is not registered in that case.
 */
abstract class PullWorkflow extends Workflow {
    private String tag;

    // --- Setup ------------------------------------------------------------------------------

    @Test
    @Order(1)
    @DisplayName("Setup: Populate registry with test blob (config[0])")
    void populateRegistryWithTestBlob0() {
        runOnlyIf(RUN_PULL_SETUP);
        pushBlob(configs.get(0).digest(), configs.get(0).content());
    }

    @Test
    @Order(2)
    @DisplayName("Setup: Populate registry with test blob (config[1])")
    void populateRegistryWithTestBlob1() {
        runOnlyIf(RUN_PULL_SETUP);
        pushBlob(configs.get(1).digest(), configs.get(1).content());
    }

    @Test
    @Order(3)
    @DisplayName("Setup: Populate registry with test layer")
    void populateRegistryWithTestLayer() {
        runOnlyIf(RUN_PULL_SETUP);
        pushBlob(layerBlobDigest, layerBlobData);
    }

    @Test
    @Order(4)
    @DisplayName("Setup: Populate registry with test manifest (manifest[0] by tag)")
    void populateRegistryWithTestManifest0() {
        runOnlyIf(RUN_PULL_SETUP);
        tag = TEST_TAG_NAME;
        Reggie.Response resp = client.send(client.newRequest("PUT", "/v2/<name>/manifests/<reference>")
                .withReference(tag)
                .setHeader("Content-Type", "application/vnd.oci.image.manifest.v1+json")
                .setBody(manifests.get(0).content()));
        expect2xx(resp);
    }

    @Test
    @Order(5)
    @DisplayName("Setup: Populate registry with test manifest (manifest[1] by digest)")
    void populateRegistryWithTestManifest1() {
        runOnlyIf(RUN_PULL_SETUP);
        Reggie.Response resp = client.send(client.newRequest("PUT", "/v2/<name>/manifests/<reference>")
                .withReference(manifests.get(1).digest())
                .setHeader("Content-Type", "application/vnd.oci.image.manifest.v1+json")
                .setBody(manifests.get(1).content()));
        expect2xx(resp);
    }

    @Test
    @Order(6)
    @DisplayName("Setup: Get tag name from environment")
    void getTagNameFromEnvironment() {
        // Runs only when OCI_TAG_NAME etc. point at existing content instead of the setup above.
        runOnlyIfNot(RUN_PULL_SETUP);
    }

    // --- Pull blobs -------------------------------------------------------------------------

    @Test
    @Order(10)
    @DisplayName("Pull blobs: HEAD request to nonexistent blob should result in 404 response")
    void headNonexistentBlob() {
        Reggie.Response resp = client.send(client.newRequest("HEAD", "/v2/<name>/blobs/<digest>").withDigest(dummyDigest));
        expectStatus(resp, 404);
    }

    @Test
    @Order(11)
    @DisplayName("Pull blobs: HEAD request to existing blob should yield 200")
    void headExistingBlob() {
        Reggie.Response resp = client.send(client.newRequest("HEAD", "/v2/<name>/blobs/<digest>")
                .withDigest(configs.get(0).digest()));
        expectStatus(resp, 200);
        expectDigestHeaderIfPresent(resp, configs.get(0).digest());
    }

    @Test
    @Order(12)
    @DisplayName("Pull blobs: GET nonexistent blob should result in 404 response")
    void getNonexistentBlob() {
        Reggie.Response resp = client.send(client.newRequest("GET", "/v2/<name>/blobs/<digest>").withDigest(dummyDigest));
        expectStatus(resp, 404);
    }

    @Test
    @Order(13)
    @DisplayName("Pull blobs: GET request to existing blob URL should yield 200")
    void getExistingBlob() {
        Reggie.Response resp = client.send(client.newRequest("GET", "/v2/<name>/blobs/<digest>")
                .withDigest(configs.get(0).digest()));
        expectStatus(resp, 200);
    }

    // --- Pull manifests ---------------------------------------------------------------------

    @Test
    @Order(20)
    @DisplayName("Pull manifests: HEAD request to nonexistent manifest should return 404")
    void headNonexistentManifest() {
        Reggie.Response resp = client.send(client.newRequest("HEAD", "/v2/<name>/manifests/<reference>")
                .withReference(nonexistentManifest));
        expectStatus(resp, 404);
    }

    @Test
    @Order(21)
    @DisplayName("Pull manifests: HEAD request to manifest[0] path (digest) should yield 200 response")
    void headManifest0ByDigest() {
        Reggie.Response resp = client.send(client.newRequest("HEAD", "/v2/<name>/manifests/<digest>")
                .withDigest(manifests.get(0).digest())
                .setHeader("Accept", "application/vnd.oci.image.manifest.v1+json"));
        expectStatus(resp, 200);
        expectDigestHeaderIfPresent(resp, manifests.get(0).digest());
    }

    @Test
    @Order(22)
    @DisplayName("Pull manifests: HEAD request to manifest[1] path (digest) should yield 200 response")
    void headManifest1ByDigest() {
        Reggie.Response resp = client.send(client.newRequest("HEAD", "/v2/<name>/manifests/<digest>")
                .withDigest(manifests.get(1).digest())
                .setHeader("Accept", "application/vnd.oci.image.manifest.v1+json"));
        expectStatus(resp, 200);
        expectDigestHeaderIfPresent(resp, manifests.get(1).digest());
    }

    @Test
    @Order(23)
    @DisplayName("Pull manifests: HEAD request to manifest path (tag) should yield 200 response")
    void headManifestByTag() {
        assertThat(tag).isNotEmpty();
        Reggie.Response resp = client.send(client.newRequest("HEAD", "/v2/<name>/manifests/<reference>")
                .withReference(tag)
                .setHeader("Accept", "application/vnd.oci.image.manifest.v1+json"));
        expectStatus(resp, 200);
        expectDigestHeaderIfPresent(resp, manifests.get(0).digest());
    }

    @Test
    @Order(24)
    @DisplayName("Pull manifests: GET nonexistent manifest should return 404")
    void getNonexistentManifest() {
        Reggie.Response resp = client.send(client.newRequest("GET", "/v2/<name>/manifests/<reference>")
                .withReference(nonexistentManifest));
        expectStatus(resp, 404);
    }

    @Test
    @Order(25)
    @DisplayName("Pull manifests: GET request to manifest[0] path (digest) should yield 200 response")
    void getManifest0ByDigest() {
        Reggie.Response resp = client.send(client.newRequest("GET", "/v2/<name>/manifests/<digest>")
                .withDigest(manifests.get(0).digest())
                .setHeader("Accept", "application/vnd.oci.image.manifest.v1+json"));
        expectStatus(resp, 200);
    }

    @Test
    @Order(26)
    @DisplayName("Pull manifests: GET request to manifest[1] path (digest) should yield 200 response")
    void getManifest1ByDigest() {
        Reggie.Response resp = client.send(client.newRequest("GET", "/v2/<name>/manifests/<digest>")
                .withDigest(manifests.get(1).digest())
                .setHeader("Accept", "application/vnd.oci.image.manifest.v1+json"));
        expectStatus(resp, 200);
    }

    @Test
    @Order(27)
    @DisplayName("Pull manifests: GET request to manifest path (tag) should yield 200 response")
    void getManifestByTag() {
        assertThat(tag).isNotEmpty();
        Reggie.Response resp = client.send(client.newRequest("GET", "/v2/<name>/manifests/<reference>")
                .withReference(tag)
                .setHeader("Accept", "application/vnd.oci.image.manifest.v1+json"));
        expectStatus(resp, 200);
    }

    // --- Error codes ------------------------------------------------------------------------

    @Test
    @Order(30)
    @DisplayName("Error codes: 400 response body should contain OCI-conforming JSON message")
    void errorBodyIsOciConforming() {
        Reggie.Response resp = client.send(client.newRequest("GET", "/v2/<name>/manifests/<reference>")
                .withReference("sha256:totallywrong")
                .setHeader("Content-Type", "application/vnd.oci.image.manifest.v1+json")
                .setBody(invalidManifestContent));
        expectStatus(resp, 400, 404);
        if (resp.statusCode() == 400) {
            List<String> errors = resp.errors();
            assertThat(errors).isNotEmpty();
            assertThat(ERROR_CODES).as(resp.describe()).contains(errors.getFirst());
        }
    }

    // --- Teardown (manifests before blobs) --------------------------------------------------

    @Test
    @Order(40)
    @DisplayName("Teardown: Delete manifest[0] created in setup")
    void deleteManifest0() {
        runOnlyIf(RUN_PULL_SETUP);
        Reggie.Response resp = client.send(client.newRequest("DELETE", "/v2/<name>/manifests/<digest>")
                .withDigest(manifests.get(0).digest()));
        expect2xxOr(resp, 405);
    }

    @Test
    @Order(41)
    @DisplayName("Teardown: Delete manifest[1] created in setup")
    void deleteManifest1() {
        runOnlyIf(RUN_PULL_SETUP);
        Reggie.Response resp = client.send(client.newRequest("DELETE", "/v2/<name>/manifests/<digest>")
                .withDigest(manifests.get(1).digest()));
        expect2xxOr(resp, 405);
    }

    @Test
    @Order(42)
    @DisplayName("Teardown: Delete config[0] blob created in setup")
    void deleteConfig0Blob() {
        runOnlyIf(RUN_PULL_SETUP);
        Reggie.Response resp = client.send(client.newRequest("DELETE", "/v2/<name>/blobs/<digest>")
                .withDigest(configs.get(0).digest()));
        expect2xxOr(resp, 404, 405);
    }

    @Test
    @Order(43)
    @DisplayName("Teardown: Delete config[1] blob created in setup")
    void deleteConfig1Blob() {
        runOnlyIf(RUN_PULL_SETUP);
        Reggie.Response resp = client.send(client.newRequest("DELETE", "/v2/<name>/blobs/<digest>")
                .withDigest(configs.get(1).digest()));
        expect2xxOr(resp, 404, 405);
    }

    @Test
    @Order(44)
    @DisplayName("Teardown: Delete layer blob created in setup")
    void deleteLayerBlob() {
        runOnlyIf(RUN_PULL_SETUP);
        Reggie.Response resp = client.send(client.newRequest("DELETE", "/v2/<name>/blobs/<digest>")
                .withDigest(layerBlobDigest));
        expect2xxOr(resp, 404, 405);
    }

    // --- helpers ----------------------------------------------------------------------------

    /** POST to open a session, then PUT the whole blob to its Location: the suite's setup upload. */
    static void pushBlob(String digest, byte[] content) {
        Reggie.Response resp = client.send(client.newRequest("POST", "/v2/<name>/blobs/uploads/"));
        resp = client.send(client.newRequest("PUT", resp.getRelativeLocation())
                .setQueryParam("digest", digest)
                .setHeader("Content-Type", "application/octet-stream")
                .setHeader("Content-Length", Integer.toString(content.length))
                .setBody(content));
        expect2xx(resp);
    }

    /** The Docker-Content-Digest header is optional; when present it must name the content. */
    static void expectDigestHeaderIfPresent(Reggie.Response resp, String digest) {
        String h = resp.header("Docker-Content-Digest");
        if (!h.isEmpty()) {
            assertThat(h).as(resp.describe()).isEqualTo(digest);
        }
    }
}
