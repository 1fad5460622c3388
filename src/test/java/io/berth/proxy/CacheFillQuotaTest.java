package io.berth.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.testing.Http;
import io.berth.testing.TestServer;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Quotas limit pushes, not the pull-through cache: a cache namespace whose quota is exhausted still fills (a pull
 * must not fail because the operator's cache grew), and its usage shows against the limits.
 */
class CacheFillQuotaTest {

    @Test
    void aCacheFillIsNotRefusedByTheQuota() {
        try (TestServer up = TestServer.start()) {
            Http upstream = up.http();
            assertThat(upstream.method("POST", "/api/v1/namespaces", "{\"name\":\"team\",\"visibility\":\"public\"}".getBytes())
                    .statusCode()).isEqualTo(201);
            byte[] layer = new byte[5_000];
            new java.util.Random(1).nextBytes(layer);
            String digest = upstream.pushImage("team/app", "v1", "{}".getBytes(), layer);
            try (TestServer cache = TestServer.startWithConfig("""
                    berth:
                      proxy:
                        upstreams:
                          - name: up
                            url: %s
                            ttl: 5m
                    """.formatted(up.url()), Map.of())) {
                Http client = cache.http();
                // The quota is the namespace's: the operator creates the cache's namespace to give it one.
                assertThat(client.method("POST", "/api/v1/namespaces", "{\"name\":\"up\"}".getBytes()).statusCode()).isEqualTo(201);
                HttpResponse<byte[]> quota = client.method("PUT", "/api/v1/namespaces/up/quota",
                        "{\"maxBytes\":10,\"maxRepositories\":0,\"maxTags\":0}".getBytes(), "Content-Type", "application/json");
                assertThat(quota.statusCode()).as(new String(quota.body())).isEqualTo(200);

                HttpResponse<byte[]> manifest = client.get("/v2/up/team/app/manifests/v1", "Accept", "application/vnd.oci.image.manifest.v1+json");
                assertThat(manifest.statusCode()).isEqualTo(200);
                assertThat(Http.sha256(manifest.body())).isEqualTo(digest);
                String layerDigest = Http.json(manifest).path("layers").path(0).path("digest").asText();
                assertThat(client.get("/v2/up/team/app/blobs/" + layerDigest).body()).isEqualTo(layer);

                JsonNode usage = Http.json(client.get("/api/v1/namespaces/up/quota")).path("usage");
                assertThat(usage.path("repositories").asLong()).isEqualTo(1);
                assertThat(usage.path("tags").asLong()).isEqualTo(1);
                assertThat(usage.path("bytes").asLong()).isGreaterThan(5_000);
            }
        }
    }
}
