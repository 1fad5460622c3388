package io.berth.http;

import io.berth.testing.Http;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

class UploadApiTest extends ApiTestBase {

    private static String start(String repo) {
        HttpResponse<byte[]> r = http.method("POST", "/v2/" + repo + "/blobs/uploads/", null);
        assertThat(r.statusCode()).isEqualTo(202);
        assertThat(header(r, "Range")).isEqualTo("0-0");
        assertThat(header(r, "Docker-Upload-UUID")).isNotBlank();
        assertThat(header(r, "Location")).startsWith("/v2/" + repo + "/blobs/uploads/").endsWith(header(r, "Docker-Upload-UUID"));
        return header(r, "Location");
    }

    private static HttpResponse<byte[]> patch(String location, String range, String chunk) {
        return range == null
                ? http.method("PATCH", location, bytes(chunk), "Content-Type", "application/octet-stream")
                : http.method("PATCH", location, bytes(chunk), "Content-Type", "application/octet-stream", "Content-Range", range);
    }

    @Test
    void chunkedUploadInOrderThenPutWithFinalChunk() {
        String repo = repo();
        String location = start(repo);
        HttpResponse<byte[]> p1 = patch(location, "0-4", "hello");
        assertThat(p1.statusCode()).isEqualTo(202);
        assertThat(header(p1, "Range")).isEqualTo("0-4");
        HttpResponse<byte[]> p2 = patch(header(p1, "Location"), "5-10", " world");
        assertThat(header(p2, "Range")).isEqualTo("0-10");

        HttpResponse<byte[]> status = http.get(location);
        assertThat(status.statusCode()).isEqualTo(204);
        assertThat(header(status, "Range")).isEqualTo("0-10");
        assertThat(header(status, "Location")).isEqualTo(location);

        String digest = Http.sha256(bytes("hello world!!"));
        HttpResponse<byte[]> put = http.method("PUT", location + "?digest=" + digest, bytes("!!"), "Content-Range", "11-12");
        assertThat(put.statusCode()).isEqualTo(201);
        assertThat(header(put, "Location")).isEqualTo("/v2/" + repo + "/blobs/" + digest);
        assertThat(header(put, "Docker-Content-Digest")).isEqualTo(digest);
        assertThat(text(http.get("/v2/" + repo + "/blobs/" + digest))).isEqualTo("hello world!!");
        // The session is over.
        assertError(http.get(location), 404, "BLOB_UPLOAD_UNKNOWN");
    }

    @Test
    void streamedPatchWithoutContentRangeAppends() {
        String repo = repo();
        String location = start(repo);
        assertThat(patch(location, null, "abc").statusCode()).isEqualTo(202);
        assertThat(header(patch(location, null, "def"), "Range")).isEqualTo("0-5");
        String digest = Http.sha256(bytes("abcdef"));
        assertThat(http.method("PUT", location + "?digest=" + digest, null).statusCode()).isEqualTo(201);
    }

    @Test
    void outOfOrderChunksGet416AndTheUploadStaysUsable() {
        String repo = repo();
        String location = start(repo);
        assertThat(patch(location, "0-2", "abc").statusCode()).isEqualTo(202);
        HttpResponse<byte[]> gap = patch(location, "5-7", "xyz");
        assertThat(gap.statusCode()).isEqualTo(416);
        assertThat(header(gap, "Range")).isEqualTo("0-2");
        assertThat(patch(location, "0-2", "abc").statusCode()).as("repeat").isEqualTo(416);
        assertThat(patch(location, "2-4", "cde").statusCode()).as("overlap").isEqualTo(416);
        assertThat(patch(location, "3-5", "def").statusCode()).isEqualTo(202);
        assertThat(http.method("PUT", location + "?digest=" + Http.sha256(bytes("abcdef")), null).statusCode()).isEqualTo(201);
    }

    @Test
    void contentRangeThatDisagreesWithContentLengthIsRefused() {
        String location = start(repo());
        assertThat(patch(location, "0-9", "abc").statusCode()).isEqualTo(416);
        assertThat(patch(location, "junk", "abc").statusCode()).isEqualTo(416);
    }

    @Test
    void putWithoutDigestOrWithWrongDigest() {
        String repo = repo();
        String location = start(repo);
        patch(location, "0-2", "abc");
        assertError(http.method("PUT", location, null), 400, "DIGEST_INVALID");
        assertError(http.method("PUT", location + "?digest=sha256:xyz", null), 400, "DIGEST_INVALID");
        // A verified mismatch discards the session: nothing half-written stays around.
        String wrong = Http.sha256(bytes("other"));
        assertError(http.method("PUT", location + "?digest=" + wrong, null), 400, "DIGEST_INVALID");
        assertError(http.get(location), 404, "BLOB_UPLOAD_UNKNOWN");
        assertThat(http.head("/v2/" + repo + "/blobs/" + wrong).statusCode()).isEqualTo(404);
    }

    @Test
    void cancelAnUpload() {
        String location = start(repo());
        patch(location, "0-2", "abc");
        assertThat(http.method("DELETE", location, null).statusCode()).isEqualTo(204);
        assertError(http.get(location), 404, "BLOB_UPLOAD_UNKNOWN");
        assertError(http.method("DELETE", location, null), 404, "BLOB_UPLOAD_UNKNOWN");
    }

    @Test
    void abandonedUploadsArePurged() {
        String location = start(repo());
        patch(location, "0-2", "abc");
        int purged = server.server().purgeUploads(java.time.Duration.ZERO);
        assertThat(purged).isGreaterThanOrEqualTo(1);
        assertError(http.get(location), 404, "BLOB_UPLOAD_UNKNOWN");
        String id = location.substring(location.lastIndexOf('/') + 1);
        assertThat(server.dataDir().resolve("berth/uploads/" + id)).doesNotExist();
    }

    @Test
    void unknownOrForeignUploadIdsAre404() {
        assertError(http.get("/v2/" + repo() + "/blobs/uploads/does-not-exist"), 404, "BLOB_UPLOAD_UNKNOWN");
        String location = start(repo());
        String id = location.substring(location.lastIndexOf('/') + 1);
        assertError(http.get("/v2/" + repo() + "/blobs/uploads/" + id), 404, "BLOB_UPLOAD_UNKNOWN");
    }

    @Test
    void emptyBlobUploads() {
        String repo = repo();
        String location = start(repo);
        String empty = Http.sha256(new byte[0]);
        assertThat(http.method("PUT", location + "?digest=" + empty, null).statusCode()).isEqualTo(201);
        HttpResponse<byte[]> head = http.head("/v2/" + repo + "/blobs/" + empty);
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(header(head, "Content-Length")).isEqualTo("0");
    }

    @Test
    void crossRepositoryMount() {
        String from = repo();
        String to = repo();
        String digest = http.pushBlob(from, bytes("shared layer"));
        HttpResponse<byte[]> r = http.method("POST", "/v2/" + to + "/blobs/uploads/?mount=" + digest + "&from=" + from, null);
        assertThat(r.statusCode()).isEqualTo(201);
        assertThat(header(r, "Location")).isEqualTo("/v2/" + to + "/blobs/" + digest);
        assertThat(header(r, "Docker-Content-Digest")).isEqualTo(digest);
        assertThat(text(http.get("/v2/" + to + "/blobs/" + digest))).isEqualTo("shared layer");
    }

    @Test
    void mountOfUnknownBlobFallsBackToAnUploadSession() {
        String missing = Http.sha256(bytes("nowhere"));
        HttpResponse<byte[]> r = http.method("POST", "/v2/" + repo() + "/blobs/uploads/?mount=" + missing + "&from=" + repo(), null);
        assertThat(r.statusCode()).isEqualTo(202);
        assertThat(header(r, "Location")).contains("/blobs/uploads/");
        HttpResponse<byte[]> noFrom = http.method("POST", "/v2/" + repo() + "/blobs/uploads/?mount=" + missing, null);
        assertThat(noFrom.statusCode()).isEqualTo(202);
    }

    @Test
    void chunkedTransferEncodingAndExpectContinueAsDockerSendsThem() throws Exception {
        String repo = repo();
        String location = start(repo);
        byte[] data = new byte[3 * 1024 * 1024 + 17];
        new java.util.Random(7).nextBytes(data);
        // An InputStream publisher has no length: the client sends Transfer-Encoding: chunked.
        HttpRequest patch = http.request(location).expectContinue(true)
                .method("PATCH", HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(data))).build();
        HttpResponse<byte[]> r = http.send(patch);
        assertThat(r.statusCode()).isEqualTo(202);
        assertThat(header(r, "Range")).isEqualTo("0-" + (data.length - 1));
        assertThat(http.method("PUT", location + "?digest=" + Http.sha256(data), null).statusCode()).isEqualTo(201);
        assertThat(http.get("/v2/" + repo + "/blobs/" + Http.sha256(data)).body()).isEqualTo(data);
    }

    @Test
    void http2CleartextUpgradeWorks() {
        HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        try {
            HttpResponse<String> r = h2.send(HttpRequest.newBuilder(java.net.URI.create(server.url() + "/healthz")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
