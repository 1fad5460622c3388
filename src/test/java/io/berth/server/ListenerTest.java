package io.berth.server;

import io.berth.testing.Http;
import io.berth.testing.TestServer;
import io.berth.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What the listeners answer: plain HTTP on the TLS port, and the debug listener (http.debug.addr). */
class ListenerTest {
    @TempDir
    Path dir;

    private static String exchange(int port, String request) throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void plainHttpToTheTlsPortGetsRegistry2sAnswer() throws Exception {
        Tools.require("openssl");
        Path key = dir.resolve("key.pem");
        Path cert = dir.resolve("cert.pem");
        Tools.run(dir, Map.of(), 60, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-subj", "/CN=127.0.0.1", "-days", "2", "-keyout", key.toString(), "-out", cert.toString()).orFail();
        try (TestServer server = TestServer.start(dir.resolve("data"),
                Map.of("REGISTRY_HTTP_TLS_CERTIFICATE", cert.toString(), "REGISTRY_HTTP_TLS_KEY", key.toString()))) {
            assertThat(exchange(server.port(), "GET /v2/ HTTP/1.1\r\nHost: localhost\r\n\r\n"))
                    .isEqualTo("HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n");
            assertThat(exchange(server.port(), "HEAD /v2/ HTTP/1.1\r\nHost: localhost\r\n\r\n"))
                    .isEqualTo("HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n");
            // Bytes that are neither TLS nor HTTP: the connection is closed, as Go does.
            assertThat(exchange(server.port(), "\u0001\u0002\u0003\u0004\u0005\u0006")).isEmpty();
        }
    }

    @Test
    void debugAddressServesMetricsAndHealthOffThePublicPort() throws Exception {
        try (TestServer server = TestServer.start(dir.resolve("data"), Map.of("REGISTRY_HTTP_DEBUG_ADDR", "127.0.0.1:0"))) {
            int debug = server.server().debugPort();
            assertThat(debug).isPositive().isNotEqualTo(server.port());
            Http ops = new Http("http://127.0.0.1:" + debug);
            assertThat(ops.get("/metrics").statusCode()).isEqualTo(200);
            assertThat(new String(ops.get("/metrics").body(), StandardCharsets.UTF_8)).contains("# TYPE");
            assertThat(ops.get("/healthz").statusCode()).isEqualTo(200);
            assertThat(ops.get("/readyz").statusCode()).isEqualTo(200);
            assertThat(ops.get("/v2/").statusCode()).as("the API is not on the debug port").isEqualTo(404);

            assertThat(server.http().get("/metrics").statusCode()).as("metrics are off the public port").isEqualTo(404);
            assertThat(server.http().get("/healthz").statusCode()).as("load balancers probe the public port").isEqualTo(200);
            assertThat(server.http().get("/readyz").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void withoutDebugAddressMetricsStayOnThePublicPort() {
        try (TestServer server = TestServer.start(dir.resolve("data"), Map.of())) {
            assertThat(server.server().debugPort()).isEqualTo(-1);
            assertThat(server.http().get("/metrics").statusCode()).isEqualTo(200);
        }
    }
}
