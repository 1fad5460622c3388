package io.berth.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.testing.Http;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.berth.conformance.PullWorkflow.pushBlob;
import static io.berth.conformance.Setup.RUN_CONTENT_MANAGEMENT_SETUP;
import static io.berth.conformance.Setup.UNSUPPORTED;
import static io.berth.conformance.Setup.configs;
import static io.berth.conformance.Setup.layerBlobData;
import static io.berth.conformance.Setup.layerBlobDigest;
import static io.berth.conformance.Setup.manifests;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Content Management workflow (deleting tags, manifests and blobs): a port of
 * {@code conformance/04_management_test.go}, one test per spec, in its order. Its Teardown context
 * has no specs.
 */
abstract class ContentManagementWorkflow extends Workflow {
    private static final String DEFAULT_TAG_NAME = "tagtest0";

    private String tagToDelete;
    private int numTags;
    private boolean blobDeleteAllowed = true;

    // --- Setup ------------------------------------------------------------------------------

    @Test
    @Order(1)
    @DisplayName("Setup: Populate registry with test config blob")
    void populateRegistryWithTestConfigBlob() {
        runOnlyIf(RUN_CONTENT_MANAGEMENT_SETUP);
        pushBlob(configs.get(3).digest(), configs.get(3).content());
    }

    @Test
    @Order(2)
    @DisplayName("Setup: Populate registry with test layer")
    void populateRegistryWithManagementLayer() {
        runOnlyIf(RUN_CONTENT_MANAGEMENT_SETUP);
        pushBlob(layerBlobDigest, layerBlobData);
    }

    @Test
    @Order(3)
    @DisplayName("Setup: Populate registry with test tag")
    void populateRegistryWithTestTag() {
        runOnlyIf(RUN_CONTENT_MANAGEMENT_SETUP);
        tagToDelete = DEFAULT_TAG_NAME;
        Reggie.Response resp = client.send(client.newRequest("PUT", "/v2/<name>/manifests/<reference>")
                .withReference(tagToDelete)
                .setHeader("Content-Type", "application/vnd.oci.image.manifest.v1+json")
                .setBody(manifests.get(3).content()));
        expect2xx(resp);
    }

    @Test
    @Order(4)
    @DisplayName("Setup: Check how many tags there are before anything gets deleted")
    void countTagsBeforeDeletion() {
        runOnlyIf(RUN_CONTENT_MANAGEMENT_SETUP);
        Reggie.Response resp = client.send(client.newRequest("GET", "/v2/<name>/tags/list"));
        expectStatus(resp, 200);
        numTags = tags(resp).size();
    }

    // --- Manifest delete --------------------------------------------------------------------

    @Test
    @Order(10)
    @DisplayName("Manifest delete: DELETE request to manifest tag should return 202, unless tag deletion is disallowed (400/405)")
    void deleteManifestTag() {
        Reggie.Response resp = client.send(client.newRequest("DELETE", "/v2/<name>/manifests/<reference>")
                .withReference(tagToDelete));
        expectStatus(resp, 400, 202, 405);
        if (resp.statusCode() == 400) {
            List<String> errors = resp.errors();
            assertThat(errors).isNotEmpty();
            assertThat(errors.getFirst()).as(resp.describe()).isEqualTo(UNSUPPORTED);
        }
    }

    @Test
    @Order(11)
    @DisplayName("Manifest delete: DELETE request to manifest (digest) should yield 202 response unless already deleted")
    void deleteManifestByDigest() {
        Reggie.Response resp = client.send(client.newRequest("DELETE", "/v2/<name>/manifests/<digest>")
                .withDigest(manifests.get(3).digest()));
        // if the tag delete above was accepted, this may or may not fail (which is ok)
        expectStatus(resp, 202, 404);
    }

    @Test
    @Order(12)
    @DisplayName("Manifest delete: GET request to deleted manifest URL should yield 404 response, unless delete is disallowed")
    void getDeletedManifest() {
        Reggie.Response resp = client.send(client.newRequest("GET", "/v2/<name>/manifests/<digest>")
                .withDigest(manifests.get(3).digest()));
        expectStatus(resp, 404, 200);
    }

    @Test
    @Order(13)
    @DisplayName("Manifest delete: GET request to tags list should reflect manifest deletion")
    void tagsListReflectsDeletion() {
        Reggie.Response resp = client.send(client.newRequest("GET", "/v2/<name>/tags/list"));
        expectStatus(resp, 200);
        assertThat(tags(resp).size()).as(resp.describe()).isLessThan(numTags);
    }

    // --- Blob delete ------------------------------------------------------------------------

    @Test
    @Order(20)
    @DisplayName("Blob delete: DELETE request to blob URL should yield 202 response")
    void deleteBlob() {
        runOnlyIf(RUN_CONTENT_MANAGEMENT_SETUP);
        // config blob
        Reggie.Response resp = client.send(client.newRequest("DELETE", "/v2/<name>/blobs/<digest>")
                .withDigest(configs.get(3).digest()));
        expectStatus(resp, 202, 404, 405);
        // layer blob
        resp = client.send(client.newRequest("DELETE", "/v2/<name>/blobs/<digest>").withDigest(layerBlobDigest));
        expectStatus(resp, 202, 404, 405);
        if (resp.statusCode() == 405) {
            blobDeleteAllowed = false;
        }
    }

    @Test
    @Order(21)
    @DisplayName("Blob delete: GET request to deleted blob URL should yield 404 response")
    void getDeletedBlob() {
        runOnlyIf(RUN_CONTENT_MANAGEMENT_SETUP);
        runOnlyIf(blobDeleteAllowed);
        Reggie.Response resp = client.send(client.newRequest("GET", "/v2/<name>/blobs/<digest>")
                .withDigest(configs.get(3).digest()));
        expectStatus(resp, 404);
    }

    /** The tags of a tags-list body, which (unlike setup.go's getTagList) must parse, as the Go spec requires. */
    private static List<String> tags(Reggie.Response resp) {
        JsonNode root = Http.json(resp.raw());
        List<String> tags = new ArrayList<>();
        root.path("tags").forEach(t -> tags.add(t.asText()));
        return tags;
    }
}
