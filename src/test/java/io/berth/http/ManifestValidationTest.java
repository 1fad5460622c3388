package io.berth.http;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.testing.Http;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Manifests are checked field by field for the JSON types the OCI image spec and Docker's schema2
 * spec give them: what is stored must unmarshal in every client (Go's encoding/json refuses "2" or 2.0
 * for an int, a number among annotations, a string size). A table of bad manifests, each one field off
 * a good one, must each be MANIFEST_INVALID naming that field; manifests as real clients write them
 * must still be accepted.
 */
class ManifestValidationTest extends ApiTestBase {
    private static final String REMOVE = null;

    /** Set {@code pointer} in {@code json} to {@code value} (JSON text), or remove it; the field named in the error. */
    private record Bad(String pointer, String value, String field) {
    }

    private static String with(String json, String pointer, String value) {
        try {
            JsonNode root = Http.JSON.readTree(json);
            JsonPointer p = JsonPointer.compile(pointer);
            JsonNode parent = root.at(p.head());
            String last = p.last().getMatchingProperty();
            JsonNode v = value == null ? null : Http.JSON.readTree(value);
            if (parent instanceof ArrayNode a) {
                int i = Integer.parseInt(last);
                if (i == a.size()) {
                    a.add(v);
                } else {
                    a.set(i, v);
                }
            } else if (v == null) {
                ((ObjectNode) parent).remove(last);
            } else {
                ((ObjectNode) parent).set(last, v);
            }
            return Http.JSON.writeValueAsString(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every bad variant refused with MANIFEST_INVALID naming its field; all failures reported at once. */
    private static void assertAllRefused(String repo, String good, String contentType, List<Bad> table) {
        List<String> wrong = new ArrayList<>();
        for (Bad b : table) {
            String manifest = with(good, b.pointer(), b.value());
            HttpResponse<byte[]> r = http.method("PUT", "/v2/" + repo + "/manifests/bad", bytes(manifest), "Content-Type", contentType);
            String message = r.statusCode() == 400 ? Http.json(r).path("errors").path(0).path("message").asText() : "";
            if (r.statusCode() != 400 || !"MANIFEST_INVALID".equals(Http.errorCode(r)) || !message.contains(b.field())) {
                wrong.add(b.pointer() + " = " + b.value() + " → " + r.statusCode() + " " + text(r));
            }
        }
        assertThat(wrong).as("bad manifests not refused with their field named").isEmpty();
        assertThat(http.get("/v2/" + repo + "/manifests/bad").statusCode()).isEqualTo(404);
        // and the good one itself is accepted
        assertThat(http.method("PUT", "/v2/" + repo + "/manifests/good", bytes(good), "Content-Type", contentType).statusCode())
                .as(good).isEqualTo(201);
    }

    private static List<Bad> descriptorCases(String at) {
        return List.of(
                new Bad(at, "5", fieldName(at) + " must be a descriptor"),
                new Bad(at + "/mediaType", "5", "mediaType must be a string"),
                new Bad(at + "/mediaType", REMOVE, "mediaType is missing"),
                new Bad(at + "/mediaType", "\"\"", "mediaType must be a media type"),
                new Bad(at + "/mediaType", "\"layer\"", "mediaType must be a media type"),
                new Bad(at + "/mediaType", "\"application/json; charset=utf-8\"", "mediaType must be a media type"),
                new Bad(at + "/digest", "5", "digest must be a string"),
                new Bad(at + "/digest", REMOVE, "digest is missing"),
                new Bad(at + "/digest", "\"sha256:abc\"", "digest is not a valid digest"),
                new Bad(at + "/digest", "\"SHA256:" + "a".repeat(64) + "\"", "digest is not a valid digest"),
                new Bad(at + "/size", "\"2\"", "size must be a non-negative integer"),
                new Bad(at + "/size", "2.0", "size must be a non-negative integer"),
                new Bad(at + "/size", "2.5", "size must be a non-negative integer"),
                new Bad(at + "/size", "1e3", "size must be a non-negative integer"),
                new Bad(at + "/size", "-1", "size must be a non-negative integer"),
                new Bad(at + "/size", "99999999999999999999", "size must be a non-negative integer"),
                new Bad(at + "/size", "true", "size must be a non-negative integer"),
                new Bad(at + "/size", REMOVE, "size is missing"),
                new Bad(at + "/size", "null", "size is missing"),
                new Bad(at + "/urls", "\"https://example.com/l\"", "urls must be an array"),
                new Bad(at + "/urls", "[5]", "urls[0] must be a string"),
                new Bad(at + "/annotations", "\"a=b\"", "annotations must be an object of strings"),
                new Bad(at + "/annotations", "[\"a\"]", "annotations must be an object of strings"),
                new Bad(at + "/annotations", "{\"a\":\"b\",\"n\":1}", "annotations[\"n\"] must be a string"),
                new Bad(at + "/annotations", "{\"a\":null}", "annotations[\"a\"] must be a string"),
                new Bad(at + "/annotations", "{\"a\":{\"b\":\"c\"}}", "annotations[\"a\"] must be a string"),
                new Bad(at + "/data", "5", "data must be a base64 string"),
                new Bad(at + "/data", "\"not base64!\"", "data must be padded standard base64"),
                new Bad(at + "/data", "\"e30\"", "data must be padded standard base64"),
                new Bad(at + "/artifactType", "5", "artifactType must be a string"),
                new Bad(at + "/artifactType", "\"signature\"", "artifactType must be a media type"),
                new Bad(at + "/platform", "\"linux/amd64\"", "platform must be an object"));
    }

    /** "/layers/1" → "layers[1]", as messages name fields. */
    private static String fieldName(String pointer) {
        return pointer.substring(1).replaceAll("/(\\d+)", "[$1]").replace('/', '.');
    }

    @Test
    void badImageManifestsAreRefusedNamingTheField() throws IOException {
        String repo = repo();
        String good = imageManifest(repo, "{\"architecture\":\"amd64\"}", "layer-0");
        good = with(good, "/layers/1", Http.JSON.readTree(good).at("/layers/0").toString());
        List<Bad> table = new ArrayList<>(List.of(
                new Bad("/schemaVersion", "\"2\"", "schemaVersion must be the integer 2"),
                new Bad("/schemaVersion", "2.0", "schemaVersion must be the integer 2"),
                new Bad("/schemaVersion", "2.5", "schemaVersion must be the integer 2"),
                new Bad("/schemaVersion", "2e0", "schemaVersion must be the integer 2"),
                new Bad("/schemaVersion", "3", "schemaVersion must be the integer 2"),
                new Bad("/schemaVersion", "-2", "schemaVersion must be the integer 2"),
                new Bad("/schemaVersion", "[2]", "schemaVersion must be the integer 2"),
                new Bad("/schemaVersion", "true", "schemaVersion must be the integer 2"),
                new Bad("/schemaVersion", "null", "schemaVersion is missing"),
                new Bad("/schemaVersion", REMOVE, "schemaVersion is missing"),
                new Bad("/mediaType", "7", "mediaType must be a string"),
                new Bad("/mediaType", "[\"" + OCI_MANIFEST + "\"]", "mediaType must be a string"),
                new Bad("/mediaType", "\"" + DOCKER_MANIFEST + "\"", "does not match the manifest's mediaType"),
                new Bad("/mediaType", "\"application/vnd.oci.artifact.manifest.v1+json\"", "unsupported manifest media type"),
                new Bad("/config", REMOVE, "config is missing"),
                new Bad("/config", "null", "config is missing"),
                new Bad("/config", "[]", "config must be a descriptor"),
                new Bad("/layers", "{}", "layers must be an array"),
                new Bad("/layers", "\"none\"", "layers must be an array"),
                new Bad("/layers/1", "5", "layers[1] must be a descriptor"),
                new Bad("/layers/1", "null", "layers[1] must be a descriptor"),
                new Bad("/manifests", "[]", "must not have a manifests field"),
                new Bad("/annotations", "{\"org.opencontainers.image.created\":20240101}",
                        "annotations[\"org.opencontainers.image.created\"] must be a string"),
                new Bad("/annotations", "\"x\"", "annotations must be an object of strings"),
                new Bad("/artifactType", "5", "artifactType must be a string"),
                new Bad("/artifactType", "\"sbom\"", "artifactType must be a media type"),
                new Bad("/subject", "5", "subject must be a descriptor"),
                new Bad("/subject", "{\"digest\":\"" + Http.sha256(bytes("x")) + "\",\"size\":1}", "subject.mediaType is missing"),
                new Bad("/subject", "{\"mediaType\":\"" + OCI_MANIFEST + "\",\"digest\":\"" + Http.sha256(bytes("x")) + "\",\"size\":\"1\"}",
                        "subject.size must be a non-negative integer")));
        table.addAll(descriptorCases("/config"));
        table.addAll(descriptorCases("/layers/1"));
        assertAllRefused(repo, good, OCI_MANIFEST, table);
    }

    @Test
    void badIndexesAreRefusedNamingTheField() {
        String repo = repo();
        String child = imageManifest(repo, "{}", "l");
        String childDigest = http.pushManifest(repo, "child", OCI_MANIFEST, bytes(child));
        String good = "{\"schemaVersion\":2,\"mediaType\":\"" + OCI_INDEX + "\",\"manifests\":[{\"mediaType\":\"" + OCI_MANIFEST
                + "\",\"digest\":\"" + childDigest + "\",\"size\":" + bytes(child).length
                + ",\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\",\"os.version\":\"6.1\","
                + "\"os.features\":[\"x\"],\"features\":[\"y\"]}}],\"annotations\":{\"a\":\"b\"}}";
        String p = "/manifests/0/platform";
        List<Bad> table = new ArrayList<>(List.of(
                new Bad("/schemaVersion", "\"2\"", "schemaVersion must be the integer 2"),
                new Bad("/schemaVersion", "2.0", "schemaVersion must be the integer 2"),
                new Bad("/manifests", REMOVE, "manifests is missing"),
                new Bad("/manifests", "null", "manifests is missing"),
                new Bad("/manifests", "{}", "manifests must be an array"),
                new Bad("/manifests", "\"" + childDigest + "\"", "manifests must be an array"),
                new Bad("/manifests/0", "1", "manifests[0] must be a descriptor"),
                new Bad("/config", "{}", "must not have config or layers"),
                new Bad("/layers", "[]", "must not have config or layers"),
                new Bad("/annotations", "{\"a\":2}", "annotations[\"a\"] must be a string"),
                new Bad("/artifactType", "[]", "artifactType must be a string"),
                new Bad("/subject", "\"" + childDigest + "\"", "subject must be a descriptor"),
                new Bad(p + "/architecture", "5", "manifests[0].platform.architecture must be a string"),
                new Bad(p + "/architecture", REMOVE, "manifests[0].platform.architecture is missing"),
                new Bad(p + "/os", "[\"linux\"]", "manifests[0].platform.os must be a string"),
                new Bad(p + "/os", REMOVE, "manifests[0].platform.os is missing"),
                new Bad(p + "/os.version", "10", "manifests[0].platform.os.version must be a string"),
                new Bad(p + "/os.features", "\"win32k\"", "manifests[0].platform.os.features must be an array"),
                new Bad(p + "/os.features", "[1]", "manifests[0].platform.os.features[0] must be a string"),
                new Bad(p + "/variant", "8", "manifests[0].platform.variant must be a string"),
                new Bad(p + "/features", "[true]", "manifests[0].platform.features[0] must be a string"),
                new Bad(p + "/features", "{}", "manifests[0].platform.features must be an array")));
        table.addAll(descriptorCases("/manifests/0"));
        assertAllRefused(repo, good, OCI_INDEX, table);
    }

    @Test
    void badDockerManifestsAreRefusedNamingTheField() {
        String repo = repo();
        String config = http.pushBlob(repo, bytes("{}"));
        String layer = http.pushBlob(repo, bytes("docker layer"));
        String good = "{\"schemaVersion\":2,\"mediaType\":\"" + DOCKER_MANIFEST + "\",\"config\":{\"mediaType\":"
                + "\"application/vnd.docker.container.image.v1+json\",\"size\":2,\"digest\":\"" + config + "\"},\"layers\":[{"
                + "\"mediaType\":\"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"size\":12,\"digest\":\"" + layer + "\"}]}";
        assertAllRefused(repo, good, DOCKER_MANIFEST, List.of(
                new Bad("/mediaType", REMOVE, "mediaType is missing"),
                new Bad("/mediaType", "\"" + OCI_MANIFEST + "\"", "does not match the manifest's mediaType"),
                new Bad("/schemaVersion", "\"2\"", "schemaVersion must be the integer 2"),
                new Bad("/layers", REMOVE, "layers is missing"),
                new Bad("/layers/0/size", "\"12\"", "layers[0].size must be a non-negative integer"),
                new Bad("/config/digest", "null", "config.digest is missing")));
    }

    /** Manifests shaped as docker, buildx, podman, oras and crane write them are still stored. */
    @Test
    void manifestsFromRealClientsAreAccepted() {
        String repo = repo();
        String config = http.pushBlob(repo, bytes("{\"architecture\":\"amd64\",\"os\":\"linux\"}"));
        String layer = http.pushBlob(repo, bytes("real layer"));
        String empty = http.pushBlob(repo, bytes("{}"));
        int configSize = "{\"architecture\":\"amd64\",\"os\":\"linux\"}".length();

        // docker push of a Windows image: a foreign layer with urls, not in the registry
        String docker = "{\n   \"schemaVersion\": 2,\n   \"mediaType\": \"" + DOCKER_MANIFEST + "\",\n   \"config\": {\n"
                + "      \"mediaType\": \"application/vnd.docker.container.image.v1+json\",\n      \"size\": " + configSize
                + ",\n      \"digest\": \"" + config + "\"\n   },\n   \"layers\": [\n      {\n"
                + "         \"mediaType\": \"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip\",\n"
                + "         \"size\": 1718332879,\n         \"digest\": \"" + Http.sha256(bytes("foreign")) + "\",\n"
                + "         \"urls\": [\"https://mcr.microsoft.com/v2/windows/servercore/blobs/" + Http.sha256(bytes("foreign")) + "\"]\n"
                + "      },\n      {\n         \"mediaType\": \"application/vnd.docker.image.rootfs.diff.tar.gzip\",\n"
                + "         \"size\": 10,\n         \"digest\": \"" + layer + "\"\n      }\n   ]\n}";
        String dockerDigest = http.pushManifest(repo, "docker", DOCKER_MANIFEST, bytes(docker));

        // docker manifest list with every platform field
        String list = "{\"schemaVersion\":2,\"mediaType\":\"" + DOCKER_LIST + "\",\"manifests\":[{\"mediaType\":\"" + DOCKER_MANIFEST
                + "\",\"size\":" + bytes(docker).length + ",\"digest\":\"" + dockerDigest + "\",\"platform\":{\"architecture\":\"amd64\","
                + "\"os\":\"windows\",\"os.version\":\"10.0.17763.1879\",\"os.features\":[\"win32k\"],\"variant\":\"\",\"features\":[\"sse4\"]}}]}";
        http.pushManifest(repo, "list", DOCKER_LIST, bytes(list));

        // crane/ggcr: an OCI image with an annotated layer and embedded data in the config descriptor
        String oci = "{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST + "\",\"config\":{\"mediaType\":"
                + "\"application/vnd.oci.image.config.v1+json\",\"size\":" + configSize + ",\"digest\":\"" + config + "\"},"
                + "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"size\":10,\"digest\":\"" + layer
                + "\",\"annotations\":{\"org.opencontainers.image.title\":\"l.tgz\"}}],"
                + "\"annotations\":{\"org.opencontainers.image.created\":\"2024-01-01T00:00:00Z\"}}";
        String ociDigest = http.pushManifest(repo, "oci", OCI_MANIFEST, bytes(oci));

        // buildx: an index with an attestation manifest (platform unknown/unknown) and annotations
        String buildx = "{\"schemaVersion\":2,\"mediaType\":\"" + OCI_INDEX + "\",\"manifests\":[{\"mediaType\":\"" + OCI_MANIFEST
                + "\",\"digest\":\"" + ociDigest + "\",\"size\":" + bytes(oci).length + ",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}},"
                + "{\"mediaType\":\"" + OCI_MANIFEST + "\",\"digest\":\"" + ociDigest + "\",\"size\":" + bytes(oci).length
                + ",\"annotations\":{\"vnd.docker.reference.digest\":\"" + ociDigest + "\",\"vnd.docker.reference.type\":\"attestation-manifest\"},"
                + "\"platform\":{\"architecture\":\"unknown\",\"os\":\"unknown\"}}]}";
        http.pushManifest(repo, "buildx", OCI_INDEX, bytes(buildx));

        // oras: an artifact with the empty config (data inline), an artifactType and a subject
        String oras = "{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST + "\",\"artifactType\":\"application/vnd.example.sbom.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.empty.v1+json\",\"digest\":\"" + empty + "\",\"size\":2,\"data\":\"e30=\"},"
                + "\"layers\":[{\"mediaType\":\"application/vnd.oci.empty.v1+json\",\"digest\":\"" + empty + "\",\"size\":2}],"
                + "\"subject\":{\"mediaType\":\"" + OCI_MANIFEST + "\",\"digest\":\"" + ociDigest + "\",\"size\":" + bytes(oci).length + "},"
                + "\"annotations\":{\"org.opencontainers.image.created\":\"2024-01-01T00:00:00Z\"}}";
        http.pushManifest(repo, "oras", OCI_MANIFEST, bytes(oras));

        // JSON nulls for optional fields (Go clients without omitempty), an empty artifactType, no mediaType
        // (OCI allows it) with a Content-Type that has a parameter, and application/json with a mediaType
        String nulls = "{\"schemaVersion\":2,\"artifactType\":\"\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
                + "\"size\":" + configSize + ",\"digest\":\"" + config + "\",\"urls\":null,\"annotations\":null,\"platform\":null},"
                + "\"layers\":[],\"annotations\":null,\"subject\":null}";
        http.pushManifest(repo, "nulls", OCI_MANIFEST + "; charset=utf-8", bytes(nulls));
        http.pushManifest(repo, "json", "application/json", bytes(oci));
        assertThat(http.get("/v2/" + repo + "/manifests/json", "Accept", OCI_MANIFEST).statusCode()).isEqualTo(200);
    }
}
