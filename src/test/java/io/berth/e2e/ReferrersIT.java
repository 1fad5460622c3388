package io.berth.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.testing.Http;
import org.junit.jupiter.api.Test;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * OCI artifacts with a subject (the buildah-built image) are found through the referrers API, and the
 * subject image still copies with skopeo. (Debian packages no oras, so the artifacts go over HTTP.)
 */
class ReferrersIT extends E2eTest {
    private static final String SBOM_TYPE = "application/vnd.example.sbom.v1+json";
    private static final String SIGNATURE_CONFIG_TYPE = "application/vnd.example.signature.config.v1+json";
    private static final String EMPTY_TYPE = "application/vnd.oci.empty.v1+json";

    @Override
    List<String> tools() {
        return List.of("buildah", "skopeo");
    }

    @Test
    void artifactsWithASubjectAreListedByTheReferrersApi() {
        String repo = "e2e/app";
        String tag = e2e.host() + "/" + repo + ":v1";
        e2e.buildSampleApp(tag, 8 * 1024);
        Path digestFile = tmp.resolve("image.digest");
        e2e.buildah("push", "--tls-verify=false", "--digestfile", digestFile.toString(), tag, e2e.ref(repo + ":v1")).orFail();
        String subject = E2e.readString(digestFile).trim();
        long subjectSize = e2e.getManifest(repo, subject, E2e.OCI_MANIFEST).body().length;
        String subjectDescriptor = "{\"mediaType\":\"" + E2e.OCI_MANIFEST + "\",\"digest\":\"" + subject + "\",\"size\":" + subjectSize + "}";

        // No referrers yet: an empty index, not an error.
        HttpResponse<byte[]> none = e2e.http.get("/v2/" + repo + "/referrers/" + subject);
        assertThat(none.statusCode()).isEqualTo(200);
        assertThat(none.headers().firstValue("Content-Type")).hasValue(E2e.OCI_INDEX);
        assertThat(E2e.parse(none.body()).path("manifests")).isEmpty();

        // An SBOM artifact: artifactType set, empty config, one layer, annotations.
        byte[] empty = "{}".getBytes(StandardCharsets.UTF_8);
        String emptyDigest = e2e.http.pushBlob(repo, empty);
        byte[] sbom = "{\"spdxVersion\":\"SPDX-2.3\",\"name\":\"berth-e2e\"}".getBytes(StandardCharsets.UTF_8);
        String sbomDigest = e2e.http.pushBlob(repo, sbom);
        byte[] sbomManifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + E2e.OCI_MANIFEST + "\",\"artifactType\":\"" + SBOM_TYPE + "\","
                + "\"config\":{\"mediaType\":\"" + EMPTY_TYPE + "\",\"digest\":\"" + emptyDigest + "\",\"size\":2,\"data\":\"e30=\"},"
                + "\"layers\":[{\"mediaType\":\"application/spdx+json\",\"digest\":\"" + sbomDigest + "\",\"size\":" + sbom.length + "}],"
                + "\"subject\":" + subjectDescriptor + ","
                + "\"annotations\":{\"org.opencontainers.image.created\":\"2026-01-01T00:00:00Z\",\"org.example.kind\":\"sbom\"}}")
                .getBytes(StandardCharsets.UTF_8);
        String sbomManifestDigest = Http.sha256(sbomManifest);
        HttpResponse<byte[]> put = e2e.http.method("PUT", "/v2/" + repo + "/manifests/" + sbomManifestDigest, sbomManifest,
                "Content-Type", E2e.OCI_MANIFEST);
        assertThat(put.statusCode()).as(new String(put.body(), StandardCharsets.UTF_8)).isEqualTo(201);
        assertThat(put.headers().firstValue("OCI-Subject")).hasValue(subject);

        // A signature-like artifact with no artifactType: its config media type stands in for it.
        byte[] sigConfig = "{\"signer\":\"e2e\"}".getBytes(StandardCharsets.UTF_8);
        String sigConfigDigest = e2e.http.pushBlob(repo, sigConfig);
        byte[] sig = E2e.randomBytes(64, 7);
        String sigDigest = e2e.http.pushBlob(repo, sig);
        byte[] sigManifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + E2e.OCI_MANIFEST + "\","
                + "\"config\":{\"mediaType\":\"" + SIGNATURE_CONFIG_TYPE + "\",\"digest\":\"" + sigConfigDigest + "\",\"size\":" + sigConfig.length + "},"
                + "\"layers\":[{\"mediaType\":\"application/octet-stream\",\"digest\":\"" + sigDigest + "\",\"size\":" + sig.length + "}],"
                + "\"subject\":" + subjectDescriptor + "}").getBytes(StandardCharsets.UTF_8);
        // Pushed by tag this time (as some clients do); the subject is recorded all the same.
        String sigManifestDigest = e2e.http.pushManifest(repo, "sig-1", E2e.OCI_MANIFEST, sigManifest);
        assertThat(sigManifestDigest).isEqualTo(Http.sha256(sigManifest));

        // Unfiltered: both, each with its artifactType, size and annotations.
        HttpResponse<byte[]> all = e2e.http.get("/v2/" + repo + "/referrers/" + subject);
        assertThat(all.statusCode()).isEqualTo(200);
        assertThat(all.headers().firstValue("Content-Type")).hasValue(E2e.OCI_INDEX);
        assertThat(all.headers().firstValue("OCI-Filters-Applied")).isEmpty();
        JsonNode index = E2e.parse(all.body());
        assertThat(index.path("schemaVersion").asInt()).isEqualTo(2);
        assertThat(index.path("mediaType").asText()).isEqualTo(E2e.OCI_INDEX);
        Map<String, JsonNode> byDigest = new HashMap<>();
        index.path("manifests").forEach(d -> byDigest.put(d.path("digest").asText(), d));
        assertThat(byDigest).containsOnlyKeys(sbomManifestDigest, sigManifestDigest);
        JsonNode sbomEntry = byDigest.get(sbomManifestDigest);
        assertThat(sbomEntry.path("mediaType").asText()).isEqualTo(E2e.OCI_MANIFEST);
        assertThat(sbomEntry.path("artifactType").asText()).isEqualTo(SBOM_TYPE);
        assertThat(sbomEntry.path("size").asLong()).isEqualTo(sbomManifest.length);
        assertThat(sbomEntry.path("annotations").path("org.example.kind").asText()).isEqualTo("sbom");
        assertThat(sbomEntry.path("annotations").path("org.opencontainers.image.created").asText()).isEqualTo("2026-01-01T00:00:00Z");
        JsonNode sigEntry = byDigest.get(sigManifestDigest);
        assertThat(sigEntry.path("artifactType").asText()).isEqualTo(SIGNATURE_CONFIG_TYPE);
        assertThat(sigEntry.path("size").asLong()).isEqualTo(sigManifest.length);

        // Filtered by artifactType: only the SBOM, and the header says the filter was applied.
        HttpResponse<byte[]> filtered = e2e.http.get("/v2/" + repo + "/referrers/" + subject + "?artifactType="
                + URLEncoder.encode(SBOM_TYPE, StandardCharsets.UTF_8));
        assertThat(filtered.statusCode()).isEqualTo(200);
        assertThat(filtered.headers().firstValue("OCI-Filters-Applied")).hasValue("artifactType");
        JsonNode onlySbom = E2e.parse(filtered.body()).path("manifests");
        assertThat(onlySbom).hasSize(1);
        assertThat(onlySbom.get(0).path("digest").asText()).isEqualTo(sbomManifestDigest);

        HttpResponse<byte[]> noMatch = e2e.http.get("/v2/" + repo + "/referrers/" + subject + "?artifactType="
                + URLEncoder.encode("application/x-nothing", StandardCharsets.UTF_8));
        assertThat(noMatch.headers().firstValue("OCI-Filters-Applied")).hasValue("artifactType");
        assertThat(E2e.parse(noMatch.body()).path("manifests")).isEmpty();

        // The artifacts are not tags of their own (beyond sig-1), and the subject is unchanged:
        // skopeo still copies the image, byte for byte.
        Path pulled = tmp.resolve("subject");
        e2e.skopeo("copy", "--src-tls-verify=false", e2e.ref(repo + ":v1"), "oci:" + pulled + ":v1").orFail();
        assertThat(new E2e.OciLayout(pulled).manifestDigest()).isEqualTo(subject);
        JsonNode inspect = E2e.parse(e2e.skopeo("inspect", "--tls-verify=false", e2e.ref(repo + ":v1")).orFail().output());
        assertThat(inspect.path("Digest").asText()).isEqualTo(subject);
        assertThat(E2e.texts(inspect.path("RepoTags"))).containsExactlyInAnyOrder("v1", "sig-1");

        // skopeo reads the SBOM artifact by digest, too.
        JsonNode raw = E2e.parse(e2e.skopeo("inspect", "--raw", "--tls-verify=false", e2e.ref(repo + "@" + sbomManifestDigest))
                .orFail().output());
        assertThat(raw.path("subject").path("digest").asText()).isEqualTo(subject);
        assertThat(raw.path("artifactType").asText()).isEqualTo(SBOM_TYPE);
    }
}
