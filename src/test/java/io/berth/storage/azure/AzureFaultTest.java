package io.berth.storage.azure;

import io.berth.testing.Azurite;
import io.berth.testing.Http;
import io.berth.testing.TcpProxy;
import io.berth.testing.TestServer;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Azure Blob Storage (Azurite behind a TcpProxy) becomes unreachable under a running Berth: the Azure
 * SDK's connection errors become 503 UNAVAILABLE within seconds, /readyz fails, and Berth recovers by
 * itself once the store is back.
 */
class AzureFaultTest {

    @Test
    void storeOutageGives503AndRecoversWithoutRestart() throws Exception {
        try (Azurite azurite = Azurite.start();
             TcpProxy net = new TcpProxy("127.0.0.1", azurite.serviceUrl().getPort());
             TestServer server = TestServer.start(Map.of(
                     "REGISTRY_STORAGE", "azure",
                     "REGISTRY_STORAGE_AZURE_ACCOUNTNAME", Azurite.ACCOUNT,
                     "REGISTRY_STORAGE_AZURE_ACCOUNTKEY", Azurite.KEY,
                     "REGISTRY_STORAGE_AZURE_CONTAINER", "fault",
                     "REGISTRY_STORAGE_AZURE_SERVICEURL", "http://127.0.0.1:" + net.port() + "/" + Azurite.ACCOUNT,
                     "REGISTRY_STORAGE_REDIRECT_DISABLE", "true"))) {
            Http http = server.http();
            byte[] layer = "azure layer".getBytes();
            http.pushImage("fault/app", "v1", "{}".getBytes(), layer);
            String digest = Http.sha256(layer);

            net.cut();
            Instant began = Instant.now();
            HttpResponse<byte[]> get = http.get("/v2/fault/app/blobs/" + digest);
            assertThat(get.statusCode()).as(new String(get.body())).isEqualTo(503);
            assertThat(Http.errorCode(get)).isEqualTo("UNAVAILABLE");
            HttpResponse<byte[]> push = http.method("POST", "/v2/fault/app/blobs/uploads/?digest=" + Http.sha256("lost".getBytes()),
                    "lost".getBytes());
            assertThat(push.statusCode()).as(new String(push.body())).isEqualTo(503);
            assertThat(http.get("/readyz").statusCode()).isEqualTo(503);
            assertThat(Duration.between(began, Instant.now())).as("fails fast, no hang").isLessThan(Duration.ofSeconds(60));

            net.restore();
            Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
            int status = 0;
            while (Instant.now().isBefore(deadline) && (status = http.get("/readyz").statusCode()) != 200) {
                Thread.sleep(250);
            }
            assertThat(status).as("recovered without a restart").isEqualTo(200);
            assertThat(http.get("/v2/fault/app/blobs/" + digest).body()).isEqualTo(layer);
            assertThat(http.head("/v2/fault/app/blobs/" + Http.sha256("lost".getBytes())).statusCode()).isEqualTo(404);
        }
    }
}
