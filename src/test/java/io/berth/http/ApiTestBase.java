package io.berth.http;

import io.berth.testing.Http;
import io.berth.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** One real server per test class; each test uses its own repository names. */
abstract class ApiTestBase {
    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    private static final AtomicInteger COUNTER = new AtomicInteger();

    static TestServer server;
    static Http http;

    @BeforeAll
    static void startServer() {
        server = TestServer.start();
        http = server.http();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    static String repo() {
        return "test/repo" + COUNTER.incrementAndGet();
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String text(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    static String header(HttpResponse<byte[]> r, String name) {
        return r.headers().firstValue(name).orElse(null);
    }

    static void assertError(HttpResponse<byte[]> r, int status, String code) {
        assertThat(r.statusCode()).as("status of %s", text(r)).isEqualTo(status);
        assertThat(header(r, "Content-Type")).startsWith("application/json");
        assertThat(Http.errorCode(r)).isEqualTo(code);
        assertThat(Http.json(r).path("errors").path(0).path("message").asText()).isNotBlank();
    }

    static String descriptor(String mediaType, String digest, long size) {
        return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + digest + "\",\"size\":" + size + "}";
    }

    /** An OCI image manifest whose config and layer are pushed; returns the manifest JSON. */
    static String imageManifest(String repository, String configJson, String layer) {
        String config = http.pushBlob(repository, bytes(configJson));
        String l = http.pushBlob(repository, bytes(layer));
        return "{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST + "\",\"config\":"
                + descriptor("application/vnd.oci.image.config.v1+json", config, configJson.length())
                + ",\"layers\":[" + descriptor("application/vnd.oci.image.layer.v1.tar", l, layer.length()) + "]}";
    }
}
