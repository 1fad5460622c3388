package io.berth.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.testing.Http;
import io.berth.testing.Tools;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * HTTPS with a certificate made at test time: skopeo pushes and pulls with verification on (trusting
 * the certificate through a cert dir), and HTTP/2 is negotiated over TLS (ALPN) and in clear text (h2c).
 */
class TlsIT {
    @TempDir
    Path tmp;
    E2e e2e;
    Path certDir;

    @BeforeEach
    void start() {
        Tools.require("openssl");
        Tools.require("curl");
        Tools.require("skopeo");
        Tools.require("buildah");
        Path pki = E2e.mkdirs(tmp.resolve("pki"));
        Path cert = pki.resolve("cert.pem");
        Path key = pki.resolve("key.pem");
        Tools.run(pki, Map.of(), 60, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-days", "2",
                "-keyout", key.toString(), "-out", cert.toString()).orFail();
        certDir = E2e.mkdirs(tmp.resolve("certs.d"));
        E2e.write(certDir.resolve("ca.crt"), E2e.readBytes(cert));
        e2e = E2e.start(tmp, Map.of("REGISTRY_HTTP_TLS_CERTIFICATE", cert.toString(), "REGISTRY_HTTP_TLS_KEY", key.toString()));
    }

    @AfterEach
    void stop() {
        if (e2e != null) {
            e2e.close();
        }
    }

    @Test
    void skopeoPushesAndPullsOverVerifiedTls() {
        String imageId = e2e.buildSampleApp("localhost/e2e/tls:v1", 1024 * 1024);
        Path layoutDir = tmp.resolve("layout");
        e2e.buildah("push", "localhost/e2e/tls:v1", "oci:" + layoutDir + ":v1").orFail();

        // Verification is on: without the certificate skopeo refuses the registry.
        Tools.Result untrusted = e2e.skopeo("copy", "oci:" + layoutDir + ":v1", e2e.ref("e2e/tls:v1"));
        assertThat(untrusted.exitCode()).isNotZero();
        assertThat(untrusted.output()).contains("x509");

        Path pushedDigest = tmp.resolve("pushed.digest");
        e2e.skopeo("copy", "--dest-cert-dir", certDir.toString(), "--digestfile", pushedDigest.toString(),
                "oci:" + layoutDir + ":v1", e2e.ref("e2e/tls:v1")).orFail();
        String digest = E2e.readString(pushedDigest).trim();

        Path pulledDir = tmp.resolve("pulled");
        e2e.skopeo("copy", "--src-cert-dir", certDir.toString(), e2e.ref("e2e/tls:v1"), "oci:" + pulledDir + ":v1").orFail();
        E2e.OciLayout pulled = new E2e.OciLayout(pulledDir);
        assertThat(pulled.manifestDigest()).isEqualTo(digest);
        assertThat(pulled.manifest().path("config").path("digest").asText()).isEqualTo(imageId);
        for (JsonNode layer : pulled.manifest().path("layers")) {
            String d = layer.path("digest").asText();
            assertThat(Http.sha256(pulled.blobBytes(d))).isEqualTo(d);
            assertThat(pulled.blobBytes(d)).isEqualTo(new E2e.OciLayout(layoutDir).blobBytes(d));
        }
        JsonNode inspect = E2e.parse(e2e.skopeo("inspect", "--cert-dir", certDir.toString(), e2e.ref("e2e/tls:v1")).orFail().output());
        assertThat(inspect.path("Digest").asText()).isEqualTo(digest);

        // HTTP/2 over TLS (ALPN), certificate verified by curl; a 1 MiB layer goes through HTTP/2 flow control intact.
        String https = "https://" + e2e.host();
        String cacert = certDir.resolve("ca.crt").toString();
        Tools.Result h2 = e2e.curl("--cacert", cacert, "--http2", "-sS", "-o", "/dev/null", "-w", "%{http_version}",
                https + "/v2/").orFail();
        assertThat(h2.output().trim()).isEqualTo("2");
        String layerDigest = pulled.manifest().path("layers").get(0).path("digest").asText();
        Path viaH2 = tmp.resolve("layer-h2");
        Tools.Result blob = e2e.curl("--cacert", cacert, "--http2", "-sS", "--fail", "-o", viaH2.toString(),
                "-w", "%{http_version} %{http_code}", https + "/v2/e2e/tls/blobs/" + layerDigest).orFail();
        assertThat(blob.output().trim()).isEqualTo("2 200");
        assertThat(Http.sha256(E2e.readBytes(viaH2))).isEqualTo(layerDigest);
        Tools.Result headers = e2e.curl("--cacert", cacert, "--http2", "-sS", "-I",
                "-H", "Accept: " + E2e.OCI_MANIFEST, https + "/v2/e2e/tls/manifests/v1").orFail();
        assertThat(headers.output()).startsWith("HTTP/2 200").containsIgnoringCase("docker-content-digest: " + digest);
        // ...and curl without the certificate refuses, as skopeo did.
        assertThat(e2e.curl("--http2", "-sS", "-o", "/dev/null", https + "/v2/").exitCode()).isNotZero();
    }

    @Test
    void plainHttpSpeaksH2cWithPriorKnowledge() throws Exception {
        try (E2e plain = E2e.start(E2e.mkdirs(tmp.resolve("plain")))) {
            String digest = plain.http.pushImage("e2e/h2c", "v1", "{}".getBytes(), E2e.randomBytes(256 * 1024, 3));
            JsonNode manifest = E2e.parse(plain.getManifest("e2e/h2c", digest, E2e.OCI_MANIFEST).body());
            String layer = manifest.path("layers").get(0).path("digest").asText();
            String url = "http://" + plain.host();

            Tools.Result h2c = plain.curl("--http2-prior-knowledge", "-sS", "-o", "/dev/null", "-w", "%{http_version}",
                    url + "/v2/").orFail();
            assertThat(h2c.output().trim()).isEqualTo("2");
            Path out = tmp.resolve("layer-h2c");
            Tools.Result blob = plain.curl("--http2-prior-knowledge", "-sS", "--fail", "-o", out.toString(),
                    "-w", "%{http_version} %{http_code}", url + "/v2/e2e/h2c/blobs/" + layer).orFail();
            assertThat(blob.output().trim()).isEqualTo("2 200");
            assertThat(Http.sha256(Files.readAllBytes(out))).isEqualTo(layer);
            // Plain HTTP/1.1 still works on the same port.
            Tools.Result h1 = plain.curl("--http1.1", "-sS", "-o", "/dev/null", "-w", "%{http_version}", url + "/v2/").orFail();
            assertThat(h1.output().trim()).isEqualTo("1.1");
        }
    }
}
