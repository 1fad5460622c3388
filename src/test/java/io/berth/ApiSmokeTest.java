package io.berth;

import io.berth.testing.Http;
import io.berth.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

class ApiSmokeTest {
    static TestServer server;
    static Http http;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        http = new Http(server.url());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void pushAndPullAnImage() {
        String digest = http.pushImage("smoke/app", "v1", "{}".getBytes(), "layer".getBytes());
        HttpResponse<byte[]> r = http.get("/v2/smoke/app/manifests/v1", "Accept", "application/vnd.oci.image.manifest.v1+json");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(Http.sha256(r.body())).isEqualTo(digest);
        assertThat(r.headers().firstValue("Docker-Content-Digest")).hasValue(digest);
    }
}
