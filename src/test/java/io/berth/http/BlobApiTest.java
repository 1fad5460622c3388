package io.berth.http;

import io.berth.testing.Http;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

class BlobApiTest extends ApiTestBase {

    @Test
    void baseEndpointAnswersWithTheApiVersion() {
        HttpResponse<byte[]> r = http.get("/v2/");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(header(r, "Docker-Distribution-API-Version")).isEqualTo("registry/2.0");
    }

    @Test
    void monolithicPushThenHeadAndGet() {
        String repo = repo();
        byte[] data = bytes("hello blob");
        String digest = Http.sha256(data);
        HttpResponse<byte[]> put = http.method("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + digest, data);
        assertThat(put.statusCode()).isEqualTo(201);
        assertThat(header(put, "Location")).isEqualTo("/v2/" + repo + "/blobs/" + digest);
        assertThat(header(put, "Docker-Content-Digest")).isEqualTo(digest);

        HttpResponse<byte[]> head = http.head("/v2/" + repo + "/blobs/" + digest);
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(header(head, "Content-Length")).isEqualTo(String.valueOf(data.length));
        assertThat(header(head, "Docker-Content-Digest")).isEqualTo(digest);
        assertThat(head.body()).isEmpty();

        HttpResponse<byte[]> get = http.get("/v2/" + repo + "/blobs/" + digest);
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.body()).isEqualTo(data);
        assertThat(header(get, "Docker-Content-Digest")).isEqualTo(digest);
    }

    @Test
    void rangeRequestsResumePulls() {
        String repo = repo();
        byte[] data = bytes("0123456789abcdef");
        String digest = http.pushBlob(repo, data);
        String path = "/v2/" + repo + "/blobs/" + digest;

        HttpResponse<byte[]> r = http.get(path, "Range", "bytes=4-7");
        assertThat(r.statusCode()).isEqualTo(206);
        assertThat(text(r)).isEqualTo("4567");
        assertThat(header(r, "Content-Range")).isEqualTo("bytes 4-7/16");

        assertThat(text(http.get(path, "Range", "bytes=10-"))).isEqualTo("abcdef");
        assertThat(text(http.get(path, "Range", "bytes=-3"))).isEqualTo("def");
        assertThat(text(http.get(path, "Range", "bytes=14-99"))).isEqualTo("ef");

        HttpResponse<byte[]> beyond = http.get(path, "Range", "bytes=16-20");
        assertThat(beyond.statusCode()).isEqualTo(416);
        assertThat(header(beyond, "Content-Range")).isEqualTo("bytes */16");
        // Syntax the server does not understand is ignored (RFC 9110): the whole blob.
        assertThat(http.get(path, "Range", "bytes=1-2,5-6").statusCode()).isEqualTo(200);
    }

    @Test
    void conditionalGetByEtag() {
        String repo = repo();
        String digest = http.pushBlob(repo, bytes("etag"));
        HttpResponse<byte[]> r = http.get("/v2/" + repo + "/blobs/" + digest, "If-None-Match", "\"" + digest + "\"");
        assertThat(r.statusCode()).isEqualTo(304);
    }

    @Test
    void blobsAreVisibleOnlyInRepositoriesTheyWerePushedTo() {
        String a = repo();
        String b = repo();
        String digest = http.pushBlob(a, bytes("only in a"));
        assertError(http.get("/v2/" + b + "/blobs/" + digest), 404, "BLOB_UNKNOWN");
        assertThat(http.head("/v2/" + b + "/blobs/" + digest).statusCode()).isEqualTo(404);
    }

    @Test
    void unknownBlobIs404() {
        assertError(http.get("/v2/" + repo() + "/blobs/sha256:" + "0".repeat(64)), 404, "BLOB_UNKNOWN");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "sha256:ABCDEF0000000000000000000000000000000000000000000000000000000000",
            "sha256:abc",
            "md5:d41d8cd98f00b204e9800998ecf8427e",
            "sha256",
            "not-a-digest:"})
    void malformedDigestsAreRefused(String digest) {
        assertError(http.get("/v2/" + repo() + "/blobs/" + digest), 400, "DIGEST_INVALID");
    }

    @Test
    void deleteUnlinksTheBlob() {
        String repo = repo();
        String digest = http.pushBlob(repo, bytes("to delete"));
        assertThat(http.method("DELETE", "/v2/" + repo + "/blobs/" + digest, null).statusCode()).isEqualTo(202);
        assertError(http.get("/v2/" + repo + "/blobs/" + digest), 404, "BLOB_UNKNOWN");
        assertError(http.method("DELETE", "/v2/" + repo + "/blobs/" + digest, null), 404, "BLOB_UNKNOWN");
    }

    @Test
    void wrongDigestOnMonolithicPushIsRefusedAndNothingBecomesVisible() {
        String repo = repo();
        byte[] data = bytes("actual");
        String claimed = Http.sha256(bytes("claimed"));
        assertError(http.method("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + claimed, data), 400, "DIGEST_INVALID");
        assertThat(http.head("/v2/" + repo + "/blobs/" + claimed).statusCode()).isEqualTo(404);
        assertThat(http.head("/v2/" + repo + "/blobs/" + Http.sha256(data)).statusCode()).isEqualTo(404);
    }

    @Test
    void sha512DigestsAreVerifiedToo() throws Exception {
        String repo = repo();
        byte[] data = bytes("sha512 content");
        String digest = "sha512:" + java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-512").digest(data));
        assertThat(http.method("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + digest, data).statusCode()).isEqualTo(201);
        assertThat(http.get("/v2/" + repo + "/blobs/" + digest).body()).isEqualTo(data);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v2/UPPER/blobs/uploads/", "/v2/a//b/blobs/uploads/", "/v2/-lead/blobs/uploads/", "/v2/a__-b/blobs/uploads/"})
    void invalidRepositoryNamesAreRefused(String path) {
        assertError(http.method("POST", path, null), 400, "NAME_INVALID");
    }

    @Test
    void overlongRepositoryNameIsRefused() {
        assertError(http.method("POST", "/v2/" + "a".repeat(256) + "/blobs/uploads/", null), 400, "NAME_INVALID");
    }

    @Test
    void unknownEndpointsAndMethodsGetJsonErrors() {
        assertError(http.get("/v2/foo/bar/baz"), 404, "NOT_FOUND");
        assertError(http.method("PATCH", "/v2/foo/manifests/latest", null), 405, "UNSUPPORTED");
        assertError(http.method("POST", "/v2/_catalog", null), 405, "UNSUPPORTED");
    }
}
