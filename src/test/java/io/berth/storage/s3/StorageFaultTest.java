package io.berth.storage.s3;

import io.berth.testing.Http;
import io.berth.testing.S3ProxyServer;
import io.berth.testing.TcpProxy;
import io.berth.testing.TestServer;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The S3 store becomes unreachable under a running Berth (a TcpProxy in front of S3Proxy is cut):
 * requests that need the store get 503 UNAVAILABLE with Retry-After within seconds (bounded SDK
 * retries and timeouts: never a 500, never a hang), /readyz reports storage failing, a push cut by the
 * outage leaves nothing visible, and the same Berth serves and accepts pushes once the store is back.
 */
class StorageFaultTest {
    private static final String BUCKET = "registry";

    @Test
    void storeOutageGives503AndRecoversWithoutRestart() throws Exception {
        try (S3ProxyServer s3 = S3ProxyServer.start(BUCKET);
             TcpProxy net = new TcpProxy("127.0.0.1", s3.endpoint().getPort());
             TestServer server = TestServer.start(Map.of(
                     "REGISTRY_STORAGE", "s3",
                     "REGISTRY_STORAGE_S3_BUCKET", BUCKET,
                     "REGISTRY_STORAGE_S3_REGIONENDPOINT", "http://127.0.0.1:" + net.port(),
                     "REGISTRY_STORAGE_S3_FORCEPATHSTYLE", "true",
                     "REGISTRY_STORAGE_S3_ACCESSKEY", S3ProxyServer.ACCESS_KEY,
                     "REGISTRY_STORAGE_S3_SECRETKEY", S3ProxyServer.SECRET_KEY,
                     // GETs stream through Berth, so that they depend on the store (a redirect is signed locally)
                     "REGISTRY_STORAGE_REDIRECT_DISABLE", "true"))) {
            Http http = server.http();
            byte[] layer = random(1, 200_000);
            String layerDigest = Http.sha256(layer);
            String before = http.pushImage("fault/app", "v1", "{}".getBytes(), layer);
            assertThat(http.get("/readyz").statusCode()).isEqualTo(200);

            net.cut();
            byte[] lost = random(2, 300_000);
            String lostDigest = Http.sha256(lost);
            Instant began = Instant.now();

            HttpResponse<byte[]> get = http.get("/v2/fault/app/blobs/" + layerDigest);
            assertUnavailable(get);
            // a push during the outage: the chunk cannot be stored, and a monolithic upload neither
            HttpResponse<byte[]> started = http.method("POST", "/v2/fault/app/blobs/uploads/", null);
            if (started.statusCode() == 202) {
                String location = started.headers().firstValue("Location").orElseThrow();
                assertUnavailable(http.method("PATCH", location, lost, "Content-Type", "application/octet-stream"));
            } else {
                assertUnavailable(started);
            }
            assertUnavailable(http.method("POST", "/v2/fault/app/blobs/uploads/?digest=" + lostDigest, lost,
                    "Content-Type", "application/octet-stream"));
            HttpResponse<byte[]> ready = http.get("/readyz");
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(Http.json(ready).path("storage").asText()).startsWith("failing");
            assertThat(Http.json(ready).path("database").asText()).isEqualTo("ok");
            assertThat(Duration.between(began, Instant.now())).as("fails fast, no hang").isLessThan(Duration.ofSeconds(30));

            // What needs only the database still works: HEAD is answered from metadata, and a manifest
            // cannot name the blob whose upload failed.
            HttpResponse<byte[]> head = http.head("/v2/fault/app/blobs/" + layerDigest);
            assertThat(head.statusCode()).isEqualTo(200);
            assertThat(head.headers().firstValue("Content-Length")).hasValue(String.valueOf(layer.length));

            net.restore();
            Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
            int status = 0;
            while (Instant.now().isBefore(deadline) && (status = http.get("/readyz").statusCode()) != 200) {
                Thread.sleep(250);
            }
            assertThat(status).as("recovered without a restart").isEqualTo(200);
            HttpResponse<byte[]> after = http.get("/v2/fault/app/blobs/" + layerDigest);
            assertThat(after.statusCode()).isEqualTo(200);
            assertThat(after.body()).isEqualTo(layer);
            assertThat(Http.sha256(http.get("/v2/fault/app/manifests/v1").body())).isEqualTo(before);
            assertThat(http.head("/v2/fault/app/blobs/" + lostDigest).statusCode()).as("the cut push left nothing").isEqualTo(404);
            assertThat(http.pushImage("fault/app", "v2", "{\"x\":2}".getBytes(), lost)).startsWith("sha256:");
            assertThat(http.get("/v2/fault/app/blobs/" + lostDigest).body()).isEqualTo(lost);
        }
    }

    private static void assertUnavailable(HttpResponse<byte[]> r) {
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(503);
        assertThat(Http.errorCode(r)).isEqualTo("UNAVAILABLE");
        assertThat(r.headers().firstValue("Retry-After")).isPresent();
    }

    private static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
