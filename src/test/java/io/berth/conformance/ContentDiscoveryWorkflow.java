package io.berth.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.testing.Http;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

import static io.berth.conformance.Setup.ARTIFACT_TYPE_FILTER;
import static io.berth.conformance.Setup.RUN_CONTENT_DISCOVERY_SETUP;
import static io.berth.conformance.Setup.TEST_TAG_NAME;
import static io.berth.conformance.Setup.configs;
import static io.berth.conformance.Setup.dummyDigest;
import static io.berth.conformance.Setup.emptyJSONBlob;
import static io.berth.conformance.Setup.emptyJSONDescriptor;
import static io.berth.conformance.Setup.layerBlobData;
import static io.berth.conformance.Setup.layerBlobDigest;
import static io.berth.conformance.Setup.manifests;
import static io.berth.conformance.Setup.refsIndexArtifactContent;
import static io.berth.conformance.Setup.refsIndexArtifactDigest;
import static io.berth.conformance.Setup.refsManifestAConfigArtifactContent;
import static io.berth.conformance.Setup.refsManifestAConfigArtifactDigest;
import static io.berth.conformance.Setup.refsManifestALayerArtifactContent;
import static io.berth.conformance.Setup.refsManifestALayerArtifactDigest;
import static io.berth.conformance.Setup.refsManifestBConfigArtifactContent;
import static io.berth.conformance.Setup.refsManifestBConfigArtifactDigest;
import static io.berth.conformance.Setup.refsManifestBLayerArtifactContent;
import static io.berth.conformance.Setup.refsManifestBLayerArtifactDigest;
import static io.berth.conformance.Setup.refsManifestCLayerArtifactContent;
import static io.berth.conformance.Setup.refsManifestCLayerArtifactDigest;
import static io.berth.conformance.Setup.testAnnotationKey;
import static io.berth.conformance.Setup.testAnnotationValues;
import static io.berth.conformance.Setup.testRefArtifactTypeA;
import static io.berth.conformance.Setup.testRefBlobA;
import static io.berth.conformance.Setup.testRefBlobADigest;
import static io.berth.conformance.Setup.testRefBlobB;
import static io.berth.conformance.Setup.testRefBlobBDigest;
import static io.berth.conformance.PullWorkflow.pushBlob;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Content Discovery workflow (tags list and referrers): a port of
 * {@code conformance/03_discovery_test.go}, one test per spec, in its order. The teardown deletes
 * manifests before blobs (OCI_DELETE_MANIFEST_BEFORE_BLOBS default).
 */
abstract class ContentDiscoveryWorkflow extends Workflow {
    private int numTags = 4;
    private List<String> tagList = new ArrayList<>();

    // --- Setup ------------------------------------------------------------------------------

    @Test
    @Order(1)
    @DisplayName("Setup: Populate registry with test blob")
    void populateRegistryWithTestBlob() {
        runOnlyIf(RUN_CONTENT_DISCOVERY_SETUP);
        pushBlob(configs.get(2).digest(), configs.get(2).content());
    }

    @Test
    @Order(2)
    @DisplayName("Setup: Populate registry with test layer")
    void populateRegistryWithDiscoveryLayer() {
        runOnlyIf(RUN_CONTENT_DISCOVERY_SETUP);
        pushBlob(layerBlobDigest, layerBlobData);
    }

    @Test
    @Order(3)
    @DisplayName("Setup: Populate registry with test tags")
    void populateRegistryWithTestTags() {
        runOnlyIf(RUN_CONTENT_DISCOVERY_SETUP);
        for (int i = 0; i < numTags; i++) {
            String tag = "test" + i;
            tagList.add(tag);
            Reggie.Response resp = client.send(client.newRequest("PUT", "/v2/<name>/manifests/<reference>")
                    .withReference(tag)
                    .setHeader("Content-Type", "application/vnd.oci.image.manifest.v1+json")
                    .setBody(manifests.get(2).content()));
            expect2xx(resp);
        }
        Reggie.Response resp = client.send(client.newRequest("GET", "/v2/<name>/tags/list"));
        tagList = getTagList(resp);
    }

    @Test
    @Order(4)
    @DisplayName("Setup: Populate registry with test tags (no push)")
    void populateRegistryWithTestTagsNoPush() {
        // Runs only when OCI_TAG_LIST names existing tags instead of the setup above.
        runOnlyIfNot(RUN_CONTENT_DISCOVERY_SETUP);
    }

    @Test
    @Order(5)
    @DisplayName("Setup: References setup")
    void referencesSetup() {
        runOnlyIf(RUN_CONTENT_DISCOVERY_SETUP);

        // Populate registry with empty JSON blob; validate the expected empty JSON blob digest
        assertThat(emptyJSONDescriptor.digest())
                .isEqualTo("sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
        pushBlob(emptyJSONDescriptor.digest(), emptyJSONBlob);

        // Populate registry with reference blob before the image manifest is pushed
        pushBlob(testRefBlobADigest, testRefBlobA);

        // Populate registry with test references manifest (config.MediaType = artifactType)
        pushReferrer(refsManifestAConfigArtifactDigest, "application/vnd.oci.image.manifest.v1+json",
                refsManifestAConfigArtifactContent, manifests.get(4).digest());

        // Populate registry with test references manifest (ArtifactType, config.MediaType = emptyJSON)
        pushReferrer(refsManifestALayerArtifactDigest, "application/vnd.oci.image.manifest.v1+json",
                refsManifestALayerArtifactContent, manifests.get(4).digest());

        // Populate registry with test index manifest
        pushReferrer(refsIndexArtifactDigest, "application/vnd.oci.image.index.v1+json",
                refsIndexArtifactContent, manifests.get(4).digest());

        // Populate registry with test blob
        pushBlob(configs.get(4).digest(), configs.get(4).content());

        // Populate registry with test layer
        pushBlob(layerBlobDigest, layerBlobData);

        // Populate registry with test manifest
        Reggie.Response resp = client.send(client.newRequest("PUT", "/v2/<name>/manifests/<reference>")
                .withReference(TEST_TAG_NAME)
                .setHeader("Content-Type", "application/vnd.oci.image.manifest.v1+json")
                .setBody(manifests.get(4).content()));
        expect2xx(resp);

        // Populate registry with reference blob after the image manifest is pushed
        pushBlob(testRefBlobBDigest, testRefBlobB);

        // Populate registry with test references manifest (config.MediaType = artifactType)
        pushReferrer(refsManifestBConfigArtifactDigest, "application/vnd.oci.image.manifest.v1+json",
                refsManifestBConfigArtifactContent, manifests.get(4).digest());

        // Populate registry with test references manifest (ArtifactType, config.MediaType = emptyJSON)
        pushReferrer(refsManifestBLayerArtifactDigest, "application/vnd.oci.image.manifest.v1+json",
                refsManifestBLayerArtifactContent, manifests.get(4).digest());

        // Populate registry with test references manifest to a non-existent subject
        pushReferrer(refsManifestCLayerArtifactDigest, "application/vnd.oci.image.manifest.v1+json",
                refsManifestCLayerArtifactContent, manifests.get(3).digest());
    }

    // --- Test content discovery endpoints (listing tags) ------------------------------------

    @Test
    @Order(10)
    @DisplayName("Listing tags: GET request to list tags should yield 200 response")
    void listTags() {
        Reggie.Response resp = client.send(client.newRequest("GET", "/v2/<name>/tags/list"));
        expectStatus(resp, 200);
        tagList = getTagList(resp);
        numTags = tagList.size();
    }

    @Test
    @Order(11)
    @DisplayName("Listing tags: GET number of tags should be limitable by `n` query parameter")
    void listTagsLimitedByN() {
        int numResults = numTags / 2;
        Reggie.Response resp = client.send(client.newRequest("GET", "/v2/<name>/tags/list")
                .setQueryParam("n", Integer.toString(numResults)));
        expectStatus(resp, 200);
        tagList = getTagList(resp);
        assertThat(tagList).as(resp.describe()).hasSize(numResults);
    }

    @Test
    @Order(12)
    @DisplayName("Listing tags: GET start of tag is set by `last` query parameter")
    void listTagsStartingAfterLast() {
        int numResults = numTags / 2;
        Reggie.Response resp = client.send(client.newRequest("GET", "/v2/<name>/tags/list")
                .setQueryParam("n", Integer.toString(numResults)));
        tagList = getTagList(resp);
        resp = client.send(client.newRequest("GET", "/v2/<name>/tags/list")
                .setQueryParam("n", Integer.toString(numResults))
                .setQueryParam("last", tagList.get(numResults - 1)));
        expectStatus(resp, 200);
        // As in the Go source, these check the first page (tagList is not re-read from this response).
        assertThat(tagList.size()).isLessThanOrEqualTo(numResults);
        assertThat(tagList).contains(tagList.get(numResults - 1));
    }

    // --- Test content discovery endpoints (listing references) ------------------------------

    @Test
    @Order(20)
    @DisplayName("Listing references: GET request to nonexistent blob should result in empty 200 response")
    void referrersOfNonexistentBlob() {
        Reggie.Response resp = client.send(client.newRequest("GET", "/v2/<name>/referrers/<digest>").withDigest(dummyDigest));
        expectStatus(resp, 200);
        assertThat(resp.header("Content-Type")).as(resp.describe()).isEqualTo("application/vnd.oci.image.index.v1+json");
        assertThat(indexManifests(resp)).isEmpty();
    }

    @Test
    @Order(21)
    @DisplayName("Listing references: GET request to existing blob should yield 200")
    void referrersOfExistingBlob() {
        Reggie.Response resp = client.send(client.newRequest("GET", "/v2/<name>/referrers/<digest>")
                .withDigest(manifests.get(4).digest()));
        expectStatus(resp, 200);
        assertThat(resp.header("Content-Type")).as(resp.describe()).isEqualTo("application/vnd.oci.image.index.v1+json");
        List<JsonNode> index = indexManifests(resp);
        assertThat(index).as(resp.describe()).hasSize(5);
        assertThat(index.get(0).path("digest").asText()).isNotEqualTo(index.get(1).path("digest").asText());
        expectTestAnnotations(resp, index);
    }

    @Test
    @Order(22)
    @DisplayName("Listing references: GET request to existing blob with filter should yield 200")
    void referrersWithArtifactTypeFilter() {
        Reggie.Response resp = client.send(client.newRequest("GET", "/v2/<name>/referrers/<digest>")
                .withDigest(manifests.get(4).digest())
                .setQueryParam("artifactType", testRefArtifactTypeA));
        expectStatus(resp, 200);
        assertThat(resp.header("Content-Type")).as(resp.describe()).isEqualTo("application/vnd.oci.image.index.v1+json");
        List<JsonNode> index = indexManifests(resp);

        // the OCI-Filters-Applied: artifactType header says that an artifactType filter was applied
        if (!resp.header("OCI-Filters-Applied").isEmpty()) {
            assertThat(index).as(resp.describe()).hasSize(2);
            assertThat(resp.header("OCI-Filters-Applied")).isEqualTo(ARTIFACT_TYPE_FILTER);
            expectTestAnnotations(resp, index);
        } else {
            assertThat(index).as(resp.describe()).hasSize(5);
            expectTestAnnotations(resp, index);
            warn("filtering by artifact-type is not implemented");
        }
    }

    @Test
    @Order(23)
    @DisplayName("Listing references: GET request to missing manifest should yield 200")
    void referrersOfMissingManifest() {
        Reggie.Response resp = client.send(client.newRequest("GET", "/v2/<name>/referrers/<digest>")
                .withDigest(manifests.get(3).digest()));
        expectStatus(resp, 200);
        assertThat(resp.header("Content-Type")).as(resp.describe()).isEqualTo("application/vnd.oci.image.index.v1+json");
        List<JsonNode> index = indexManifests(resp);
        assertThat(index).as(resp.describe()).hasSize(1);
        assertThat(index.getFirst().path("digest").asText()).isEqualTo(refsManifestCLayerArtifactDigest);
    }

    // --- Teardown (manifests before blobs) --------------------------------------------------

    @Test
    @Order(30)
    @DisplayName("Teardown: Delete created manifest & associated tags")
    void deleteManifestsAndTags() {
        runOnlyIf(RUN_CONTENT_DISCOVERY_SETUP);
        List<String> references = List.of(
                refsIndexArtifactDigest,
                manifests.get(2).digest(),
                manifests.get(4).digest(),
                refsManifestAConfigArtifactDigest,
                refsManifestALayerArtifactDigest,
                TEST_TAG_NAME,
                refsManifestBConfigArtifactDigest,
                refsManifestBLayerArtifactDigest,
                refsManifestCLayerArtifactDigest);
        for (String ref : references) {
            Reggie.Response resp = client.send(client.newRequest("DELETE", "/v2/<name>/manifests/<digest>").withDigest(ref));
            expect2xxOr(resp, 405, 404);
        }
    }

    @Test
    @Order(31)
    @DisplayName("Teardown: Delete config blob created in tests")
    void deleteDiscoveryConfigBlob() {
        runOnlyIf(RUN_CONTENT_DISCOVERY_SETUP);
        Reggie.Response resp = client.send(client.newRequest("DELETE", "/v2/<name>/blobs/<digest>")
                .withDigest(configs.get(2).digest()));
        expect2xxOr(resp, 405);
    }

    @Test
    @Order(32)
    @DisplayName("Teardown: Delete layer blob created in setup")
    void deleteDiscoveryLayerBlob() {
        runOnlyIf(RUN_CONTENT_DISCOVERY_SETUP);
        Reggie.Response resp = client.send(client.newRequest("DELETE", "/v2/<name>/blobs/<digest>")
                .withDigest(layerBlobDigest));
        expect2xxOr(resp, 405);
    }

    @Test
    @Order(33)
    @DisplayName("Teardown: References teardown")
    void referencesTeardown() {
        runOnlyIf(RUN_CONTENT_DISCOVERY_SETUP);
        // manifests first (OCI_DELETE_MANIFEST_BEFORE_BLOBS); most are already gone, so 404 is fine
        for (String ref : List.of(refsIndexArtifactDigest, refsManifestAConfigArtifactDigest,
                refsManifestALayerArtifactDigest, manifests.get(4).digest(), refsManifestBConfigArtifactDigest,
                refsManifestBLayerArtifactDigest)) {
            deleteReq(client.newRequest("DELETE", "/v2/<name>/manifests/<reference>").withReference(ref));
        }
        // config blob created in setup, the reference blobs, and the empty JSON blob
        for (String digest : List.of(configs.get(4).digest(), testRefBlobADigest, testRefBlobBDigest,
                emptyJSONDescriptor.digest())) {
            deleteReq(client.newRequest("DELETE", "/v2/<name>/blobs/<digest>").withDigest(digest));
        }
    }

    // --- helpers ----------------------------------------------------------------------------

    private static void deleteReq(Reggie.Request req) {
        expect2xxOr(client.send(req), 405, 404);
    }

    /** PUTs a manifest with a subject by digest; a referrers-capable registry answers with OCI-Subject. */
    private static void pushReferrer(String digest, String mediaType, byte[] content, String subject) {
        Reggie.Response resp = client.send(client.newRequest("PUT", "/v2/<name>/manifests/<reference>")
                .withReference(digest)
                .setHeader("Content-Type", mediaType)
                .setBody(content));
        expect2xx(resp);
        assertThat(resp.header("OCI-Subject")).as(resp.describe()).isEqualTo(subject);
    }

    /** setup.go's getTagList: the tags of a tags-list body, or an empty list when it does not parse. */
    static List<String> getTagList(Reggie.Response resp) {
        List<String> tags = new ArrayList<>();
        try {
            JsonNode root = Http.JSON.readTree(resp.body());
            if (root != null) {
                root.path("tags").forEach(t -> tags.add(t.asText()));
            }
        } catch (IOException e) {
            return List.of();
        }
        return tags;
    }

    /** The manifests of an image index body, which must parse (the suite's json.Unmarshal into index). */
    private static List<JsonNode> indexManifests(Reggie.Response resp) {
        try {
            JsonNode root = Http.JSON.readTree(resp.body());
            assertThat(root).as(resp.describe()).isNotNull();
            List<JsonNode> out = new ArrayList<>();
            root.path("manifests").forEach(out::add);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("referrers body is not JSON: " + resp.describe(), e);
        }
    }

    /** Each descriptor carries exactly the one test annotation of the manifest it describes. */
    private static void expectTestAnnotations(Reggie.Response resp, List<JsonNode> index) {
        for (JsonNode d : index) {
            JsonNode annotations = d.path("annotations");
            assertThat(annotations.size()).as("annotations of %s in %s", d, resp.describe()).isEqualTo(1);
            assertThat(annotations.path(testAnnotationKey).asText())
                    .as("annotation of %s", d.path("digest").asText())
                    .isEqualTo(testAnnotationValues.getOrDefault(d.path("digest").asText(), ""));
        }
    }
}
