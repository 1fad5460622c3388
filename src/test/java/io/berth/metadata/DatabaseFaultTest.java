package io.berth.metadata;

import io.berth.testing.Http;
import io.berth.testing.Postgres;
import io.berth.testing.TcpProxy;
import io.berth.testing.TestServer;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * PostgreSQL becomes unreachable under a running Berth: requests get 503 with a clear error (never a
 * 500 or a hang), /readyz fails, nothing is half-written, and Berth recovers by itself once the
 * database is back — no restart.
 */
class DatabaseFaultTest {

    @Test
    void databaseOutageGives503AndRecoversWithoutRestart() throws Exception {
        Postgres.require();
        String database = Postgres.createDatabase();
        try (TcpProxy net = new TcpProxy(Postgres.address().getHost(), Postgres.address().getPort());
             TestServer server = TestServer.start(Map.of("BERTH_DATABASE_URL", Postgres.jdbcUrlVia(database, net.port())))) {
            Http http = server.http();
            String before = http.pushImage("fault/app", "v1", "{}".getBytes(), "layer".getBytes());
            assertThat(http.get("/readyz").statusCode()).isEqualTo(200);
            byte[] manifest = http.get("/v2/fault/app/manifests/v1").body();

            net.cut();
            HttpResponse<byte[]> during = http.get("/v2/fault/app/manifests/v1");
            assertThat(during.statusCode()).isEqualTo(503);
            assertThat(Http.errorCode(during)).isEqualTo("UNAVAILABLE");
            assertThat(during.headers().firstValue("Retry-After")).isPresent();
            HttpResponse<byte[]> push = http.method("PUT", "/v2/fault/app/manifests/v2", manifest,
                    "Content-Type", "application/vnd.oci.image.manifest.v1+json");
            assertThat(push.statusCode()).isEqualTo(503);
            HttpResponse<byte[]> ready = http.get("/readyz");
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(Http.json(ready).path("database").asText()).startsWith("failing");
            assertThat(Http.json(ready).path("storage").asText()).isEqualTo("ok");

            net.restore();
            Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
            int status = 0;
            while (Instant.now().isBefore(deadline) && (status = http.get("/v2/fault/app/manifests/v1").statusCode()) != 200) {
                Thread.sleep(250);
            }
            assertThat(status).as("recovered without a restart").isEqualTo(200);
            assertThat(Http.sha256(http.get("/v2/fault/app/manifests/v1").body())).isEqualTo(before);
            assertThat(http.get("/v2/fault/app/manifests/v2").statusCode()).as("the failed push left nothing").isEqualTo(404);
            assertThat(http.pushImage("fault/app", "v3", "{\"x\":3}".getBytes(), "layer3".getBytes())).startsWith("sha256:");
            assertThat(http.get("/readyz").statusCode()).isEqualTo(200);
        } finally {
            Postgres.dropDatabase(database);
        }
    }
}
