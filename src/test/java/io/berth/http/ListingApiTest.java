package io.berth.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.testing.Http;
import io.berth.testing.TestServer;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ListingApiTest extends ApiTestBase {

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void tagsAreListedInLexicalOrderWithPagination() {
        String repo = repo();
        byte[] manifest = http.get("/v2/" + repo + "/manifests/x").statusCode() == 404
                ? http.get("/v2/" + repo + "/manifests/" + http.pushImage(repo, "b", bytes("{}"), bytes("l"))).body() : null;
        for (String t : List.of("a", "C", "c", "a-1", "a_1", "10", "9")) {
            http.pushManifest(repo, t, OCI_MANIFEST, manifest);
        }
        List<String> expected = List.of("10", "9", "C", "a", "a-1", "a_1", "b", "c");
        HttpResponse<byte[]> all = http.get("/v2/" + repo + "/tags/list");
        assertThat(all.statusCode()).isEqualTo(200);
        assertThat(Http.json(all).path("name").asText()).isEqualTo(repo);
        assertThat(strings(Http.json(all).path("tags"))).containsExactlyElementsOf(expected);
        assertThat(header(all, "Link")).isNull();

        HttpResponse<byte[]> first = http.get("/v2/" + repo + "/tags/list?n=3");
        assertThat(strings(Http.json(first).path("tags"))).containsExactly("10", "9", "C");
        assertThat(header(first, "Link")).isEqualTo("</v2/" + repo + "/tags/list?n=3&last=C>; rel=\"next\"");

        // Walk the Link headers to the end.
        List<String> walked = new ArrayList<>();
        String next = "/v2/" + repo + "/tags/list?n=3";
        while (next != null) {
            HttpResponse<byte[]> page = http.get(next);
            walked.addAll(strings(Http.json(page).path("tags")));
            String link = header(page, "Link");
            next = link == null ? null : link.substring(1, link.indexOf('>'));
        }
        assertThat(walked).containsExactlyElementsOf(expected);

        assertThat(strings(Http.json(http.get("/v2/" + repo + "/tags/list?last=a_1")).path("tags"))).containsExactly("b", "c");
        HttpResponse<byte[]> zero = http.get("/v2/" + repo + "/tags/list?n=0");
        assertThat(Http.json(zero).path("tags")).isEmpty();
        assertThat(header(zero, "Link")).isNull();
        assertThat(strings(Http.json(http.get("/v2/" + repo + "/tags/list?n=8")).path("tags"))).hasSize(8);
        assertThat(header(http.get("/v2/" + repo + "/tags/list?n=8"), "Link")).isNull();
    }

    @Test
    void tagListsFollowEveryChangeAtOnce() {
        String repo = repo();
        String digest = http.pushImage(repo, "one", bytes("{}"), bytes("l"));
        byte[] manifest = http.get("/v2/" + repo + "/manifests/one").body();
        assertThat(strings(Http.json(http.get("/v2/" + repo + "/tags/list")).path("tags"))).containsExactly("one");
        http.pushManifest(repo, "two", OCI_MANIFEST, manifest);
        assertThat(strings(Http.json(http.get("/v2/" + repo + "/tags/list")).path("tags"))).containsExactly("one", "two");
        http.method("DELETE", "/v2/" + repo + "/manifests/one", null);
        assertThat(strings(Http.json(http.get("/v2/" + repo + "/tags/list")).path("tags"))).containsExactly("two");
        http.method("DELETE", "/v2/" + repo + "/manifests/" + digest, null);
        assertThat(Http.json(http.get("/v2/" + repo + "/tags/list")).path("tags")).isEmpty();
    }

    @Test
    void tagsOfUnknownRepositoryAndBadParameters() {
        assertError(http.get("/v2/nobody/here/tags/list"), 404, "NAME_UNKNOWN");
        String repo = repo();
        http.pushImage(repo, "v", bytes("{}"), bytes("l"));
        assertError(http.get("/v2/" + repo + "/tags/list?n=-1"), 400, "PAGINATION_NUMBER_INVALID");
        assertError(http.get("/v2/" + repo + "/tags/list?n=abc"), 400, "PAGINATION_NUMBER_INVALID");
    }

    @Test
    void catalogPaginates() {
        try (TestServer fresh = TestServer.start()) {
            Http h = fresh.http();
            for (String r : List.of("zeta", "alpha", "mid/one", "mid/two", "beta")) {
                h.pushBlob(r, bytes(r));
            }
            assertThat(strings(Http.json(h.get("/v2/_catalog")).path("repositories")))
                    .containsExactly("alpha", "beta", "mid/one", "mid/two", "zeta");
            HttpResponse<byte[]> page = h.get("/v2/_catalog?n=2");
            assertThat(strings(Http.json(page).path("repositories"))).containsExactly("alpha", "beta");
            assertThat(header(page, "Link")).isEqualTo("</v2/_catalog?n=2&last=beta>; rel=\"next\"");
            HttpResponse<byte[]> last = h.get("/v2/_catalog?n=2&last=mid%2Ftwo");
            assertThat(strings(Http.json(last).path("repositories"))).containsExactly("zeta");
            assertThat(header(last, "Link")).isNull();
        }
    }

    @Test
    void referrersListsManifestsWithTheSubject() {
        String repo = repo();
        String subject = http.pushImage(repo, "v1", bytes("{}"), bytes("l"));
        String empty = http.pushBlob(repo, bytes("{}"));
        String sbom = pushArtifact(repo, subject, empty, "application/vnd.example.sbom", "{\"kind\":\"sbom\"}");
        String sig = pushArtifact(repo, subject, empty, null, null);

        HttpResponse<byte[]> all = http.get("/v2/" + repo + "/referrers/" + subject);
        assertThat(all.statusCode()).isEqualTo(200);
        assertThat(header(all, "Content-Type")).isEqualTo(OCI_INDEX);
        JsonNode index = Http.json(all);
        assertThat(index.path("schemaVersion").asInt()).isEqualTo(2);
        assertThat(index.path("mediaType").asText()).isEqualTo(OCI_INDEX);
        assertThat(index.path("manifests")).hasSize(2);
        for (JsonNode d : index.path("manifests")) {
            if (d.path("digest").asText().equals(sbom)) {
                assertThat(d.path("artifactType").asText()).isEqualTo("application/vnd.example.sbom");
                assertThat(d.path("annotations").path("kind").asText()).isEqualTo("sbom");
            } else {
                assertThat(d.path("digest").asText()).isEqualTo(sig);
                // No artifactType: the config's media type stands in for it.
                assertThat(d.path("artifactType").asText()).isEqualTo("application/vnd.oci.empty.v1+json");
            }
            assertThat(d.path("mediaType").asText()).isEqualTo(OCI_MANIFEST);
            assertThat(d.path("size").asLong()).isPositive();
        }

        HttpResponse<byte[]> filtered = http.get("/v2/" + repo + "/referrers/" + subject + "?artifactType=application/vnd.example.sbom");
        assertThat(header(filtered, "OCI-Filters-Applied")).isEqualTo("artifactType");
        assertThat(Http.json(filtered).path("manifests")).hasSize(1);

        HttpResponse<byte[]> none = http.get("/v2/" + repo + "/referrers/" + Http.sha256(bytes("no referrers")));
        assertThat(none.statusCode()).isEqualTo(200);
        assertThat(Http.json(none).path("manifests")).isEmpty();
        assertError(http.get("/v2/" + repo + "/referrers/sha256:bad"), 400, "DIGEST_INVALID");
    }

    private static String pushArtifact(String repo, String subject, String emptyConfig, String artifactType, String annotations) {
        String m = "{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST + "\","
                + (artifactType == null ? "" : "\"artifactType\":\"" + artifactType + "\",")
                + "\"config\":" + descriptor("application/vnd.oci.empty.v1+json", emptyConfig, 2) + ",\"layers\":[],"
                + "\"subject\":" + descriptor(OCI_MANIFEST, subject, 1)
                + (annotations == null ? "" : ",\"annotations\":" + annotations) + "}";
        return http.pushManifest(repo, Http.sha256(bytes(m)), OCI_MANIFEST, bytes(m));
    }

    @Test
    void operationalEndpoints() {
        assertThat(text(http.get("/healthz"))).isEqualTo("ok\n");
        HttpResponse<byte[]> ready = http.get("/readyz");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(Http.json(ready).path("storage").asText()).isEqualTo("ok");
        assertThat(Http.json(ready).path("database").asText()).isEqualTo("ok");
        http.get("/v2/");
        String metrics = text(http.get("/metrics"));
        assertThat(metrics).contains("berth_http_requests_total{method=\"GET\",route=\"base\",status=\"200\"}");
        assertThat(metrics).contains("berth_blob_upload_duration_seconds");
    }
}
