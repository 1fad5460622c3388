package io.berth.storage.s3;

import io.berth.testing.Http;
import io.berth.testing.S3ProxyServer;
import io.berth.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The whole registry with S3 (S3Proxy) as its store: push and pull, a chunked upload, a restart. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RegistryOnS3Test {
    private static final String BUCKET = "registry";
    private S3ProxyServer s3;
    private S3Client client;
    private Path dataDir;
    private Map<String, String> env;

    @BeforeAll
    void startS3() throws Exception {
        s3 = S3ProxyServer.start(BUCKET);
        client = s3.client();
        dataDir = Files.createTempDirectory("berth-s3-e2e-");
        env = s3.registrySettings(BUCKET, "/berth-root");
        env.put("REGISTRY_STORAGE_S3_CHUNKSIZE", String.valueOf(5 * 1024 * 1024));
    }

    @AfterAll
    void stopS3() throws Exception {
        client.close();
        s3.close();
    }

    @Test
    void pushPullAndChunkedUploadWithS3AsTheStore() {
        byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes();
        byte[] layer = random(1, 300_000);
        byte[] chunked = random(2, 6 * 1024 * 1024 + 3 * 1024 * 1024 + 1234);
        String manifestDigest;
        String chunkedDigest = Http.sha256(chunked);

        Map<String, String> streaming = new HashMap<>(env);
        streaming.put("REGISTRY_STORAGE_REDIRECT_DISABLE", "true"); // blob bytes through Berth, to check them here
        try (TestServer server = TestServer.start(dataDir, streaming)) {
            Http http = server.http();
            manifestDigest = http.pushImage("e2e/app", "v1", config, layer);

            // a chunked upload: POST, PATCH x2, PUT with the last bytes
            HttpResponse<byte[]> started = http.method("POST", "/v2/e2e/app/blobs/uploads/", null);
            assertThat(started.statusCode()).isEqualTo(202);
            String location = started.headers().firstValue("Location").orElseThrow();
            int a = 6 * 1024 * 1024;
            int b = a + 3 * 1024 * 1024;
            location = patch(http, location, chunked, 0, a);
            location = patch(http, location, chunked, a, b);
            HttpResponse<byte[]> done = http.method("PUT", location + (location.contains("?") ? "&" : "?") + "digest=" + chunkedDigest,
                    Arrays.copyOfRange(chunked, b, chunked.length), "Content-Type", "application/octet-stream");
            assertThat(done.statusCode()).as(new String(done.body())).isEqualTo(201);
            assertThat(done.headers().firstValue("Docker-Content-Digest")).hasValue(chunkedDigest);

            assertPulls(http, manifestDigest, config, layer);
            HttpResponse<byte[]> blob = http.get("/v2/e2e/app/blobs/" + chunkedDigest);
            assertThat(blob.statusCode()).isEqualTo(200);
            assertThat(Http.sha256(blob.body())).isEqualTo(chunkedDigest);
            HttpResponse<byte[]> range = http.get("/v2/e2e/app/blobs/" + chunkedDigest, "Range", "bytes=100-199");
            assertThat(range.statusCode()).isEqualTo(206);
            assertThat(range.body()).isEqualTo(Arrays.copyOfRange(chunked, 100, 200));
        }

        // the blobs are in the bucket under the root directory, in registry:2's layout; no upload is left over
        List<String> keys = client.listObjectsV2Paginator(r -> r.bucket(BUCKET)).contents().stream().map(S3Object::key).toList();
        String hex = chunkedDigest.substring("sha256:".length());
        assertThat(keys).contains("berth-root/docker/registry/v2/blobs/sha256/" + hex.substring(0, 2) + "/" + hex + "/data");
        assertThat(keys).allMatch(k -> k.startsWith("berth-root/docker/registry/v2/blobs/"));
        assertThat(client.listMultipartUploads(r -> r.bucket(BUCKET)).uploads()).isEmpty();
        assertThat(dataDir.resolve("berth.db")).exists();

        // a restart keeps everything: blobs in S3, metadata in SQLite in the data directory
        try (TestServer server = TestServer.start(dataDir, streaming)) {
            assertPulls(server.http(), manifestDigest, config, layer);
        }
    }

    /**
     * Redirects are on by default with S3: a blob GET is 307 to a pre-signed URL that a client without
     * credentials can fetch; HEAD and manifests (through the blob route) are still answered by Berth.
     * With storage.redirect.disable the same GET streams the bytes.
     */
    @Test
    void blobGetsRedirectToAPresignedUrlUnlessDisabled() throws Exception {
        byte[] config = "{\"architecture\":\"arm64\",\"os\":\"linux\"}".getBytes();
        byte[] layer = random(3, 100_000);
        String layerDigest = Http.sha256(layer);
        try (TestServer server = TestServer.start(env);
             HttpClient plain = HttpClient.newHttpClient()) {
            Http http = server.http();
            String manifestDigest = http.pushImage("redirect/app", "v1", config, layer);

            HttpResponse<byte[]> got = http.get("/v2/redirect/app/blobs/" + layerDigest);
            assertThat(got.statusCode()).isEqualTo(307);
            assertThat(got.headers().firstValue("Docker-Content-Digest")).hasValue(layerDigest);
            URI location = URI.create(got.headers().firstValue("Location").orElseThrow());
            assertThat(location.getPort()).as("straight to the store").isEqualTo(s3.endpoint().getPort());
            assertThat(location.getQuery()).contains("X-Amz-Signature=", "X-Amz-Expires=1200");
            HttpResponse<byte[]> direct = plain.send(HttpRequest.newBuilder(location).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(direct.statusCode()).isEqualTo(200);
            assertThat(direct.body()).isEqualTo(layer);

            // a resumed pull is redirected too, and the store answers the range
            HttpResponse<byte[]> ranged = http.get("/v2/redirect/app/blobs/" + layerDigest, "Range", "bytes=10-19");
            assertThat(ranged.statusCode()).isEqualTo(307);
            HttpResponse<byte[]> part = plain.send(HttpRequest.newBuilder(URI.create(ranged.headers().firstValue("Location").orElseThrow()))
                    .header("Range", "bytes=10-19").build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(part.statusCode()).isEqualTo(206);
            assertThat(part.body()).isEqualTo(Arrays.copyOfRange(layer, 10, 20));

            HttpResponse<byte[]> head = http.head("/v2/redirect/app/blobs/" + layerDigest);
            assertThat(head.statusCode()).isEqualTo(200);
            assertThat(head.headers().firstValue("Content-Length")).hasValue(String.valueOf(layer.length));
            assertThat(head.headers().firstValue("Docker-Content-Digest")).hasValue(layerDigest);

            HttpResponse<byte[]> manifest = http.get("/v2/redirect/app/blobs/" + manifestDigest);
            assertThat(manifest.statusCode()).as("manifests are never redirected").isEqualTo(200);
            assertThat(Http.sha256(manifest.body())).isEqualTo(manifestDigest);
        }

        Map<String, String> disabled = new HashMap<>(env);
        disabled.put("REGISTRY_STORAGE_REDIRECT_DISABLE", "true");
        try (TestServer server = TestServer.start(disabled)) {
            Http http = server.http();
            http.pushImage("redirect/app", "v1", config, layer);
            HttpResponse<byte[]> got = http.get("/v2/redirect/app/blobs/" + layerDigest);
            assertThat(got.statusCode()).isEqualTo(200);
            assertThat(got.body()).isEqualTo(layer);
        }
    }

    private static String patch(Http http, String location, byte[] data, int from, int to) {
        HttpResponse<byte[]> r = http.method("PATCH", location, Arrays.copyOfRange(data, from, to),
                "Content-Type", "application/octet-stream", "Content-Range", from + "-" + (to - 1));
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(202);
        assertThat(r.headers().firstValue("Range")).hasValue("0-" + (to - 1));
        return r.headers().firstValue("Location").orElseThrow();
    }

    private static void assertPulls(Http http, String manifestDigest, byte[] config, byte[] layer) {
        HttpResponse<byte[]> m = http.get("/v2/e2e/app/manifests/v1", "Accept", "application/vnd.oci.image.manifest.v1+json");
        assertThat(m.statusCode()).isEqualTo(200);
        assertThat(Http.sha256(m.body())).isEqualTo(manifestDigest);
        assertThat(http.get("/v2/e2e/app/blobs/" + Http.sha256(config)).body()).isEqualTo(config);
        assertThat(http.get("/v2/e2e/app/blobs/" + Http.sha256(layer)).body()).isEqualTo(layer);
    }

    private static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
