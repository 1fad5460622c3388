package io.berth.http;

import io.berth.testing.Http;
import io.berth.testing.TestServer;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ManifestApiTest extends ApiTestBase {

    @Test
    void putByTagThenGetByTagAndDigestByteForByte() {
        String repo = repo();
        // Odd whitespace and key order must survive: manifests are stored exactly as pushed.
        String manifest = imageManifest(repo, "{\"a\":1}", "layer-1").replace(",", " ,\n  ");
        HttpResponse<byte[]> put = http.method("PUT", "/v2/" + repo + "/manifests/v1", bytes(manifest), "Content-Type", OCI_MANIFEST);
        assertThat(put.statusCode()).isEqualTo(201);
        String digest = Http.sha256(bytes(manifest));
        assertThat(header(put, "Docker-Content-Digest")).isEqualTo(digest);
        assertThat(header(put, "Location")).isEqualTo("/v2/" + repo + "/manifests/" + digest);

        for (String ref : new String[]{"v1", digest}) {
            HttpResponse<byte[]> get = http.get("/v2/" + repo + "/manifests/" + ref, "Accept", OCI_MANIFEST);
            assertThat(get.statusCode()).isEqualTo(200);
            assertThat(text(get)).isEqualTo(manifest);
            assertThat(header(get, "Content-Type")).isEqualTo(OCI_MANIFEST);
            assertThat(header(get, "Docker-Content-Digest")).isEqualTo(digest);
            HttpResponse<byte[]> head = http.head("/v2/" + repo + "/manifests/" + ref, "Accept", OCI_MANIFEST);
            assertThat(head.statusCode()).isEqualTo(200);
            assertThat(header(head, "Content-Length")).isEqualTo(String.valueOf(bytes(manifest).length));
            assertThat(header(head, "Docker-Content-Digest")).isEqualTo(digest);
        }
        // Readable through the blob route too, as registry:2 allows.
        assertThat(text(http.get("/v2/" + repo + "/blobs/" + digest))).isEqualTo(manifest);
    }

    @Test
    void putByDigestVerifiesTheDigest() {
        String repo = repo();
        String manifest = imageManifest(repo, "{}", "l");
        String digest = Http.sha256(bytes(manifest));
        assertThat(http.method("PUT", "/v2/" + repo + "/manifests/" + digest, bytes(manifest), "Content-Type", OCI_MANIFEST)
                .statusCode()).isEqualTo(201);
        assertError(http.method("PUT", "/v2/" + repo + "/manifests/" + Http.sha256(bytes("x")), bytes(manifest),
                "Content-Type", OCI_MANIFEST), 400, "DIGEST_INVALID");
    }

    @Test
    void referencedBlobsMustBeInTheRepository() {
        String repo = repo();
        String manifest = imageManifest(repo, "{}", "l");
        String other = repo();
        assertError(http.method("PUT", "/v2/" + other + "/manifests/v1", bytes(manifest), "Content-Type", OCI_MANIFEST),
                400, "MANIFEST_BLOB_UNKNOWN");
        assertError(http.get("/v2/" + other + "/manifests/v1"), 404, "NAME_UNKNOWN");
    }

    @Test
    void invalidManifestsAreRefusedWithReasons() {
        String repo = repo();
        http.pushBlob(repo, bytes("{}"));
        assertError(http.method("PUT", "/v2/" + repo + "/manifests/a", bytes("{not json"), "Content-Type", OCI_MANIFEST), 400, "MANIFEST_INVALID");
        assertError(http.method("PUT", "/v2/" + repo + "/manifests/a", bytes("[1,2]"), "Content-Type", OCI_MANIFEST), 400, "MANIFEST_INVALID");
        assertError(http.method("PUT", "/v2/" + repo + "/manifests/a", bytes("{\"schemaVersion\":2}"), "Content-Type", OCI_MANIFEST), 400, "MANIFEST_INVALID");
        HttpResponse<byte[]> schema1 = http.method("PUT", "/v2/" + repo + "/manifests/a",
                bytes("{\"schemaVersion\":1,\"name\":\"x\",\"tag\":\"a\",\"fsLayers\":[]}"),
                "Content-Type", "application/vnd.docker.distribution.manifest.v1+prettyjws");
        assertError(schema1, 400, "MANIFEST_INVALID");
        assertThat(text(schema1)).contains("schema1");
        String manifest = imageManifest(repo, "{}", "l");
        assertError(http.method("PUT", "/v2/" + repo + "/manifests/a", bytes(manifest), "Content-Type", DOCKER_MANIFEST),
                400, "MANIFEST_INVALID");
        String badDigest = manifest.replaceFirst("sha256:[0-9a-f]{64}", "sha256:XYZ");
        assertError(http.method("PUT", "/v2/" + repo + "/manifests/a", bytes(badDigest), "Content-Type", OCI_MANIFEST), 400, "MANIFEST_INVALID");
    }

    @Test
    void invalidTagsAreRefused() {
        String repo = repo();
        String manifest = imageManifest(repo, "{}", "l");
        assertError(http.method("PUT", "/v2/" + repo + "/manifests/" + "t".repeat(129), bytes(manifest), "Content-Type", OCI_MANIFEST),
                400, "TAG_INVALID");
        assertError(http.method("PUT", "/v2/" + repo + "/manifests/-bad", bytes(manifest), "Content-Type", OCI_MANIFEST),
                400, "TAG_INVALID");
    }

    @Test
    void oversizedManifestsGet413() {
        try (TestServer small = TestServer.start(Map.of("BERTH_MANIFEST_MAXSIZE", "2048"))) {
            Http h = small.http();
            String body = "{\"schemaVersion\":2,\"pad\":\"" + "x".repeat(4096) + "\"}";
            HttpResponse<byte[]> r = h.method("PUT", "/v2/big/manifests/v1", bytes(body), "Content-Type", OCI_MANIFEST);
            assertThat(r.statusCode()).isEqualTo(413);
        }
    }

    @Test
    void unknownManifestsAndRepositories() {
        String repo = repo();
        http.pushImage(repo, "v1", bytes("{}"), bytes("l"));
        assertError(http.get("/v2/" + repo + "/manifests/nope"), 404, "MANIFEST_UNKNOWN");
        assertError(http.get("/v2/" + repo + "/manifests/sha256:" + "1".repeat(64)), 404, "MANIFEST_UNKNOWN");
        assertError(http.get("/v2/never/pushed/manifests/latest"), 404, "NAME_UNKNOWN");
        assertError(http.get("/v2/" + repo + "/manifests/sha256:short"), 400, "DIGEST_INVALID");
    }

    @Test
    void subjectIsAcknowledgedWithOciSubject() {
        String repo = repo();
        String subject = http.pushImage(repo, "v1", bytes("{}"), bytes("l"));
        String empty = http.pushBlob(repo, bytes("{}"));
        String artifact = "{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST + "\",\"artifactType\":\"application/vnd.example.sbom\","
                + "\"config\":" + descriptor("application/vnd.oci.empty.v1+json", empty, 2) + ",\"layers\":[],"
                + "\"subject\":" + descriptor(OCI_MANIFEST, subject, 100) + ",\"annotations\":{\"k\":\"v\"}}";
        HttpResponse<byte[]> r = http.method("PUT", "/v2/" + repo + "/manifests/" + Http.sha256(bytes(artifact)), bytes(artifact),
                "Content-Type", OCI_MANIFEST);
        assertThat(r.statusCode()).isEqualTo(201);
        assertThat(header(r, "OCI-Subject")).isEqualTo(subject);
    }

    @Test
    void subjectMayPointAtAManifestNotYetPushed() {
        String repo = repo();
        String empty = http.pushBlob(repo, bytes("{}"));
        String missing = Http.sha256(bytes("future manifest"));
        String artifact = "{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST + "\",\"artifactType\":\"application/vnd.example\","
                + "\"config\":" + descriptor("application/vnd.oci.empty.v1+json", empty, 2) + ",\"layers\":[],"
                + "\"subject\":" + descriptor(OCI_MANIFEST, missing, 10) + "}";
        assertThat(http.method("PUT", "/v2/" + repo + "/manifests/sig", bytes(artifact), "Content-Type", OCI_MANIFEST).statusCode())
                .isEqualTo(201);
    }

    @Test
    void indexNeedsItsChildrenAndNegotiatesForOldClients() {
        String repo = repo();
        String amd = http.pushImage(repo, "amd", bytes("{\"architecture\":\"amd64\"}"), bytes("a"));
        String arm = http.pushImage(repo, "arm", bytes("{\"architecture\":\"arm64\"}"), bytes("b"));
        String index = "{\"schemaVersion\":2,\"mediaType\":\"" + OCI_INDEX + "\",\"manifests\":["
                + "{\"mediaType\":\"" + OCI_MANIFEST + "\",\"digest\":\"" + arm + "\",\"size\":1,\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"}},"
                + "{\"mediaType\":\"" + OCI_MANIFEST + "\",\"digest\":\"" + amd + "\",\"size\":1,\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}";
        assertThat(http.method("PUT", "/v2/" + repo + "/manifests/multi", bytes(index), "Content-Type", OCI_INDEX).statusCode()).isEqualTo(201);

        HttpResponse<byte[]> full = http.get("/v2/" + repo + "/manifests/multi", "Accept", OCI_INDEX + ", " + OCI_MANIFEST);
        assertThat(header(full, "Content-Type")).isEqualTo(OCI_INDEX);
        // A client that cannot read indexes gets the linux/amd64 image, as from registry:2.
        HttpResponse<byte[]> old = http.get("/v2/" + repo + "/manifests/multi", "Accept", OCI_MANIFEST);
        assertThat(header(old, "Docker-Content-Digest")).isEqualTo(amd);
        // A client that accepts only Docker types cannot use an OCI image: 404 with a reason.
        assertError(http.get("/v2/" + repo + "/manifests/amd", "Accept", DOCKER_MANIFEST), 404, "MANIFEST_UNKNOWN");
        // No Accept, or */*: as stored.
        assertThat(header(http.get("/v2/" + repo + "/manifests/multi", "Accept", "*/*"), "Content-Type")).isEqualTo(OCI_INDEX);

        String dangling = index.replace(amd, Http.sha256(bytes("missing child")));
        assertError(http.method("PUT", "/v2/" + repo + "/manifests/bad", bytes(dangling), "Content-Type", OCI_INDEX), 400, "MANIFEST_BLOB_UNKNOWN");
    }

    @Test
    void dockerSchema2ManifestAndList() {
        String repo = repo();
        String config = http.pushBlob(repo, bytes("{}"));
        String layer = http.pushBlob(repo, bytes("layer"));
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + DOCKER_MANIFEST + "\",\"config\":"
                + descriptor("application/vnd.docker.container.image.v1+json", config, 2) + ",\"layers\":["
                + descriptor("application/vnd.docker.image.rootfs.diff.tar.gzip", layer, 5) + ","
                + "{\"mediaType\":\"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip\",\"digest\":\""
                + Http.sha256(bytes("elsewhere")) + "\",\"size\":9,\"urls\":[\"https://example.invalid/layer\"]}]}";
        String digest = http.pushManifest(repo, "v2", DOCKER_MANIFEST, bytes(manifest));
        String list = "{\"schemaVersion\":2,\"mediaType\":\"" + DOCKER_LIST + "\",\"manifests\":[{\"mediaType\":\"" + DOCKER_MANIFEST
                + "\",\"digest\":\"" + digest + "\",\"size\":" + manifest.length() + ",\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}";
        http.pushManifest(repo, "list", DOCKER_LIST, bytes(list));
        assertThat(header(http.get("/v2/" + repo + "/manifests/v2", "Accept", DOCKER_MANIFEST), "Content-Type")).isEqualTo(DOCKER_MANIFEST);
        assertThat(header(http.get("/v2/" + repo + "/manifests/list", "Accept", DOCKER_LIST + "," + DOCKER_MANIFEST), "Content-Type"))
                .isEqualTo(DOCKER_LIST);
    }

    @Test
    void deleteByTagUntagsAndByDigestRemovesEverything() {
        String repo = repo();
        String digest = http.pushImage(repo, "a", bytes("{}"), bytes("l"));
        http.pushManifest(repo, "b", OCI_MANIFEST, http.get("/v2/" + repo + "/manifests/a").body());

        assertThat(http.method("DELETE", "/v2/" + repo + "/manifests/a", null).statusCode()).isEqualTo(202);
        assertError(http.get("/v2/" + repo + "/manifests/a"), 404, "MANIFEST_UNKNOWN");
        assertThat(http.get("/v2/" + repo + "/manifests/" + digest).statusCode()).isEqualTo(200);

        assertThat(http.method("DELETE", "/v2/" + repo + "/manifests/" + digest, null).statusCode()).isEqualTo(202);
        assertError(http.get("/v2/" + repo + "/manifests/" + digest), 404, "MANIFEST_UNKNOWN");
        assertError(http.get("/v2/" + repo + "/manifests/b"), 404, "MANIFEST_UNKNOWN");
        assertError(http.method("DELETE", "/v2/" + repo + "/manifests/" + digest, null), 404, "MANIFEST_UNKNOWN");
    }

    @Test
    void deletionCanBeDisabled() {
        try (TestServer noDelete = TestServer.start(Map.of("REGISTRY_STORAGE_DELETE_ENABLED", "false"))) {
            Http h = noDelete.http();
            String digest = h.pushImage("r", "v1", bytes("{}"), bytes("l"));
            assertError(h.method("DELETE", "/v2/r/manifests/" + digest, null), 405, "UNSUPPORTED");
            assertError(h.method("DELETE", "/v2/r/manifests/v1", null), 405, "UNSUPPORTED");
            assertThat(h.get("/v2/r/manifests/v1").statusCode()).isEqualTo(200);
        }
    }
}
