package io.berth.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.testing.Http;
import io.berth.testing.S3ProxyServer;
import io.berth.testing.Tools;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The full registry end to end with S3 as the store (S3Proxy in the test JVM): buildah builds and
 * pushes an image, skopeo copies it back into an OCI layout with the same digests. Redirects are on
 * (the default), so skopeo fetches the blobs from the store through pre-signed URLs.
 */
class BuildahOnS3IT extends E2eTest {
    private static final String BUCKET = "registry";
    private static final Pattern REDIRECTED = Pattern.compile(
            "berth_http_requests_total\\{[^}]*method=\"GET\"[^}]*status=\"307\"[^}]*} (\\d+)");
    private S3ProxyServer s3;

    @Override
    List<String> tools() {
        return List.of("buildah", "skopeo", "tar");
    }

    @Override
    @BeforeEach
    void startRegistry() {
        tools().forEach(Tools::require);
        try {
            s3 = S3ProxyServer.start(BUCKET);
        } catch (Exception e) {
            throw new IllegalStateException("S3Proxy did not start: " + e.getMessage(), e);
        }
        e2e = E2e.start(tmp, Map.of(
                "REGISTRY_STORAGE", "s3",
                "REGISTRY_STORAGE_S3_BUCKET", BUCKET,
                "REGISTRY_STORAGE_S3_REGIONENDPOINT", s3.endpoint().toString(),
                "REGISTRY_STORAGE_S3_FORCEPATHSTYLE", "true",
                "REGISTRY_STORAGE_S3_ACCESSKEY", S3ProxyServer.ACCESS_KEY,
                "REGISTRY_STORAGE_S3_SECRETKEY", S3ProxyServer.SECRET_KEY,
                "REGISTRY_STORAGE_S3_ROOTDIRECTORY", "/e2e"));
    }

    @Override
    @AfterEach
    void stopRegistry() {
        super.stopRegistry();
        if (s3 != null) {
            try {
                s3.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Test
    void buildahPushesToBerthOnS3AndSkopeoPullsTheSameDigestsThroughRedirects() {
        String tag = e2e.host() + "/e2e/s3app:v1";
        String imageId = e2e.buildSampleApp(tag, 256 * 1024);
        Path digestFile = tmp.resolve("pushed.digest");
        e2e.buildah("push", "--tls-verify=false", "--digestfile", digestFile.toString(), tag, e2e.ref("e2e/s3app:v1")).orFail();
        String pushedDigest = E2e.readString(digestFile).trim();
        assertThat(pushedDigest).startsWith("sha256:");

        JsonNode served = E2e.parse(e2e.getManifest("e2e/s3app", "v1", E2e.OCI_MANIFEST).body());
        assertThat(served.path("config").path("digest").asText()).isEqualTo(imageId);
        List<String> servedLayers = new ArrayList<>();
        served.path("layers").forEach(l -> servedLayers.add(l.path("digest").asText()));
        assertThat(servedLayers).isNotEmpty();

        long redirectsBefore = redirects();
        Path layoutDir = tmp.resolve("layout");
        e2e.skopeo("copy", "--src-tls-verify=false", e2e.ref("e2e/s3app:v1"), "oci:" + layoutDir + ":v1").orFail();
        assertThat(redirects() - redirectsBefore).as("blob GETs answered by redirect")
                .isGreaterThanOrEqualTo(1 + servedLayers.size());

        E2e.OciLayout layout = new E2e.OciLayout(layoutDir);
        assertThat(layout.manifestDigest()).isEqualTo(pushedDigest);
        JsonNode manifest = layout.manifest();
        assertThat(manifest.path("config").path("digest").asText()).isEqualTo(imageId);
        List<String> layoutLayers = new ArrayList<>();
        manifest.path("layers").forEach(l -> layoutLayers.add(l.path("digest").asText()));
        assertThat(layoutLayers).isEqualTo(servedLayers);
        assertThat(Http.sha256(layout.blobBytes(imageId))).isEqualTo(imageId);
        for (String layer : layoutLayers) {
            assertThat(Http.sha256(layout.blobBytes(layer))).isEqualTo(layer);
        }
        Path rootfs = e2e.unpackLayer(layout.blob(layoutLayers.getFirst()), "app");
        assertThat(E2e.readString(rootfs.resolve("app/hello.txt"))).isEqualTo("hello berth\n");
    }

    /** GETs Berth answered 307, from its Prometheus metrics. */
    private long redirects() {
        String metrics = new String(e2e.http.get("/metrics").body(), StandardCharsets.UTF_8);
        long n = 0;
        for (Matcher m = REDIRECTED.matcher(metrics); m.find(); ) {
            n += (long) Double.parseDouble(m.group(1));
        }
        return n;
    }
}
