package io.berth.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.testing.Http;
import io.berth.testing.Tools;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Pushing an image a second time into another repository mounts its layer instead of uploading it. */
class CrossRepositoryMountIT extends E2eTest {
    private static final int PAYLOAD = 256 * 1024;
    private static final Map<String, String> MOUNTED = Map.of("route", "uploads", "method", "POST", "status", "201");
    private static final String BYTES_IN = "berth_blob_bytes_received_total";

    @Override
    List<String> tools() {
        return List.of("buildah", "skopeo");
    }

    @Test
    void skopeoPushToASecondRepositoryMountsTheLayer() {
        // A local OCI layout of an image with one large, incompressible layer.
        String imageId = e2e.buildSampleApp("localhost/e2e/mount:v1", PAYLOAD);
        Path layoutDir = tmp.resolve("layout");
        e2e.buildah("push", "localhost/e2e/mount:v1", "oci:" + layoutDir + ":v1").orFail();
        E2e.OciLayout layout = new E2e.OciLayout(layoutDir);
        JsonNode layer = layout.manifest().path("layers").get(0);
        String layerDigest = layer.path("digest").asText();
        long layerSize = layer.path("size").asLong();
        assertThat(layerSize).isGreaterThan(PAYLOAD);

        // First push: everything is uploaded.
        double bytesBefore = e2e.metric(BYTES_IN, Map.of());
        e2e.skopeo("copy", "--dest-tls-verify=false", "oci:" + layoutDir + ":v1", e2e.ref("e2e/src:v1")).orFail();
        double firstPush = e2e.metric(BYTES_IN, Map.of()) - bytesBefore;
        assertThat(firstPush).isGreaterThanOrEqualTo(layerSize);

        // Second push of the same image to another repository: skopeo asks to mount the layer from the
        // first, Berth answers 201, and the layer's bytes are not sent again.
        double mountsBefore = e2e.metric("berth_http_requests_total", MOUNTED);
        double bytesBeforeSecond = e2e.metric(BYTES_IN, Map.of());
        Tools.Result second = e2e.skopeo("--debug", "copy", "--dest-tls-verify=false", "oci:" + layoutDir + ":v1",
                e2e.ref("e2e/dst:v1")).orFail();
        String encodedLayer = layerDigest.replace(":", "%3A");
        assertThat(second.output()).contains("Trying to mount").contains("mount=" + encodedLayer).contains("from=e2e%2Fsrc")
                .contains("mount OK");
        assertThat(e2e.metric("berth_http_requests_total", MOUNTED) - mountsBefore).isGreaterThanOrEqualTo(1);
        double secondPush = e2e.metric(BYTES_IN, Map.of()) - bytesBeforeSecond;
        assertThat(secondPush).as("bytes uploaded by the second push").isLessThan(layerSize);
        assertThat(e2e.http.head("/v2/e2e/dst/blobs/" + layerDigest).headers().firstValueAsLong("Content-Length"))
                .hasValue(layerSize);

        // Pulling from the second repository gives the same image.
        Path pulled = tmp.resolve("pulled-dst");
        e2e.skopeo("copy", "--src-tls-verify=false", e2e.ref("e2e/dst:v1"), "oci:" + pulled + ":v1").orFail();
        E2e.OciLayout dst = new E2e.OciLayout(pulled);
        assertThat(dst.manifest().path("config").path("digest").asText()).isEqualTo(imageId);
        assertThat(dst.manifest().path("layers").get(0).path("digest").asText()).isEqualTo(layerDigest);
        assertThat(Http.sha256(dst.blobBytes(layerDigest))).isEqualTo(layerDigest);
    }

    @Test
    void blobsPushedBySkopeoMountOverTheApiAndPullWithSkopeo() {
        String imageId = e2e.buildSampleApp("localhost/e2e/mount:v2", PAYLOAD);
        Path layoutDir = tmp.resolve("layout");
        e2e.buildah("push", "localhost/e2e/mount:v2", "oci:" + layoutDir + ":v2").orFail();
        Path digestFile = tmp.resolve("src.digest");
        e2e.skopeo("copy", "--dest-tls-verify=false", "--digestfile", digestFile.toString(), "oci:" + layoutDir + ":v2",
                e2e.ref("e2e/origin:v2")).orFail();
        String manifestDigest = E2e.readString(digestFile).trim();
        HttpResponse<byte[]> source = e2e.getManifest("e2e/origin", manifestDigest, E2e.OCI_MANIFEST);
        JsonNode manifest = E2e.parse(source.body());
        String layerDigest = manifest.path("layers").get(0).path("digest").asText();
        String configDigest = manifest.path("config").path("digest").asText();
        assertThat(configDigest).isEqualTo(imageId);

        // Not yet in the target repository; a mount from a repository without the blob falls back to an upload session.
        assertThat(e2e.http.head("/v2/e2e/mounted/blobs/" + layerDigest).statusCode()).isEqualTo(404);
        HttpResponse<byte[]> fallback = e2e.http.method("POST", "/v2/e2e/mounted/blobs/uploads/?mount=" + layerDigest
                + "&from=e2e/nowhere", null);
        assertThat(fallback.statusCode()).isEqualTo(202);
        String session = fallback.headers().firstValue("Location").orElseThrow();
        assertThat(e2e.http.method("DELETE", session, null).statusCode()).isEqualTo(204);

        double bytesBefore = e2e.metric(BYTES_IN, Map.of());
        for (String digest : new String[]{configDigest, layerDigest}) {
            HttpResponse<byte[]> mount = e2e.http.method("POST", "/v2/e2e/mounted/blobs/uploads/?mount=" + digest
                    + "&from=e2e/origin", null);
            assertThat(mount.statusCode()).as("mount %s", digest).isEqualTo(201);
            assertThat(mount.headers().firstValue("Location")).hasValue("/v2/e2e/mounted/blobs/" + digest);
            assertThat(mount.headers().firstValue("Docker-Content-Digest")).hasValue(digest);
        }
        assertThat(e2e.metric(BYTES_IN, Map.of())).isEqualTo(bytesBefore);
        assertThat(e2e.http.pushManifest("e2e/mounted", "v2", E2e.OCI_MANIFEST, source.body())).isEqualTo(manifestDigest);

        Path pulled = tmp.resolve("pulled-mounted");
        e2e.skopeo("copy", "--src-tls-verify=false", e2e.ref("e2e/mounted:v2"), "oci:" + pulled + ":v2").orFail();
        E2e.OciLayout out = new E2e.OciLayout(pulled);
        assertThat(out.manifestDigest()).isEqualTo(manifestDigest);
        assertThat(Http.sha256(out.blobBytes(layerDigest))).isEqualTo(layerDigest);
        assertThat(Http.sha256(out.blobBytes(configDigest))).isEqualTo(configDigest);
    }

    /**
     * With token auth and a user who is not an admin: skopeo's second push of a layer into another
     * repository is a mount (the challenge asks for pull on the source too), and a user who may not
     * read the source still pushes, but by uploading the bytes — the layer is never mounted for them.
     */
    @Test
    void aWriterMountsWithTokenAuthAndAnOutsiderUploadsInstead() {
        for (String user : new String[]{"wendy", "oscar"}) {
            assertThat(e2e.http.method("POST", "/api/v1/users", ("{\"name\":\"" + user + "\",\"password\":\"pw-" + user + "-123\"}")
                    .getBytes()).statusCode()).isEqualTo(201);
        }
        assertThat(e2e.http.method("POST", "/api/v1/namespaces", "{\"name\":\"team\",\"visibility\":\"private\"}".getBytes())
                .statusCode()).isEqualTo(201);
        assertThat(e2e.http.method("PUT", "/api/v1/namespaces/team/members/wendy", "{\"role\":\"writer\"}".getBytes())
                .statusCode()).isEqualTo(200);
        e2e.buildSampleApp("localhost/e2e/mount:v3", PAYLOAD);
        Path layoutDir = tmp.resolve("layout");
        e2e.buildah("push", "localhost/e2e/mount:v3", "oci:" + layoutDir + ":v3").orFail();
        long layerSize = new E2e.OciLayout(layoutDir).manifest().path("layers").get(0).path("size").asLong();

        e2e.writeCredentials("wendy", "pw-wendy-123");
        e2e.skopeo("copy", "--dest-tls-verify=false", "oci:" + layoutDir + ":v3", e2e.ref("team/src:v3")).orFail();
        double mountsBefore = e2e.metric("berth_http_requests_total", MOUNTED);
        double bytesBefore = e2e.metric(BYTES_IN, Map.of());
        Tools.Result second = e2e.skopeo("--debug", "copy", "--dest-tls-verify=false", "oci:" + layoutDir + ":v3",
                e2e.ref("team/dst:v3")).orFail();
        assertThat(second.output()).contains("from=team%2Fsrc").contains("mount OK");
        assertThat(e2e.metric("berth_http_requests_total", MOUNTED) - mountsBefore).isGreaterThanOrEqualTo(1);
        assertThat(e2e.metric(BYTES_IN, Map.of()) - bytesBefore).as("bytes uploaded by the mounting push").isLessThan(layerSize);

        // oscar may push to his own namespace but not read team: skopeo tries the mount, Berth refuses it
        // quietly (an upload session instead), and the bytes are uploaded.
        e2e.writeCredentials("oscar", "pw-oscar-123");
        double mountsBeforeOscar = e2e.metric("berth_http_requests_total", MOUNTED);
        double bytesBeforeOscar = e2e.metric(BYTES_IN, Map.of());
        e2e.skopeo("--debug", "copy", "--dest-tls-verify=false", "oci:" + layoutDir + ":v3", e2e.ref("oscar/copy:v3")).orFail();
        assertThat(e2e.metric("berth_http_requests_total", MOUNTED)).isEqualTo(mountsBeforeOscar);
        assertThat(e2e.metric(BYTES_IN, Map.of()) - bytesBeforeOscar).isGreaterThanOrEqualTo(layerSize);
    }
}
