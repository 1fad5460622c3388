package io.berth.http;

import io.berth.testing.Http;
import io.berth.testing.RawHttp;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A request acts on the repository its client named, or on none: paths with dot segments ("." and
 * "..", also percent-encoded), path parameters (";x", which Jetty strips), encoded slashes and empty
 * segments are refused with 400 instead of being resolved into another name. Raw sockets, because
 * java.net.http resolves dot segments itself before sending.
 */
class DotSegmentTest extends ApiTestBase {

    private static RawHttp.Answer raw(String method, String target) {
        return RawHttp.send(server.port(), RawHttp.request(method, target, http.authorization(), null, "Content-Length: 0"), false);
    }

    /** 400: Berth's NAME_INVALID, or Jetty's own clean 400 for a URI it finds ambiguous. */
    private static void assertRefused(String method, String target) {
        RawHttp.Answer a = raw(method, target);
        assertThat(a.status()).as("%s %s → %s", method, target, a).isEqualTo(400);
        assertThat(a.body()).doesNotContain("Exception", "\tat ");
        if (a.body().startsWith("{")) {
            assertThat(a.body()).as(target).contains("\"NAME_INVALID\"");
        }
    }

    @Test
    void repositoryPathsWithDotSegmentsAreRefused() {
        String repo = repo(); // test/repoN
        String digest = http.pushImage(repo, "latest", bytes("{}"), bytes("layer"));
        String other = repo + "x";
        String[] parts = repo.split("/");
        List<String> manifestPaths = List.of(
                "/v2/" + parts[0] + "/elsewhere/../" + parts[1] + "/manifests/latest",
                "/v2/" + parts[0] + "/./" + parts[1] + "/manifests/latest",
                "/v2/" + parts[0] + "/elsewhere/%2e%2e/" + parts[1] + "/manifests/latest",
                "/v2/" + parts[0] + "/elsewhere/%2E%2E/" + parts[1] + "/manifests/latest",
                "/v2/" + parts[0] + "/elsewhere/.%2e/" + parts[1] + "/manifests/latest",
                "/v2/" + parts[0] + "/%2e/" + parts[1] + "/manifests/latest",
                "/v2/" + parts[0] + "/elsewhere/..;/" + parts[1] + "/manifests/latest",
                "/v2/" + parts[0] + ";p=1/" + parts[1] + "/manifests/latest",
                "/v2/" + repo + ";p/manifests/latest",
                "/v2/" + parts[0] + "%2F" + parts[1] + "/manifests/latest",
                "/v2/" + parts[0] + "%2f" + parts[1] + "/manifests/latest",
                "/v2/" + parts[0] + "//" + parts[1] + "/manifests/latest",
                "/v2/" + repo + "/manifests/../manifests/latest",
                "/v2/" + repo + "/manifests/latest/.",
                "/v2/" + repo + "/blobs/../manifests/" + digest,
                "/elsewhere/../v2/" + repo + "/manifests/latest",
                "/v2/" + other + "/../" + parts[1] + "/manifests/latest");
        for (String path : manifestPaths) {
            assertRefused("GET", path);
            assertRefused("DELETE", path);
        }
        // the repository and its tag are untouched
        assertThat(http.get("/v2/" + repo + "/manifests/latest").statusCode()).isEqualTo(200);
    }

    @Test
    void uploadsCannotBeOpenedInAnotherRepositoryThroughDotSegments() {
        String repo = repo();
        String[] parts = repo.split("/");
        for (String path : List.of("/v2/" + parts[0] + "/a/../" + parts[1] + "/blobs/uploads/",
                "/v2/" + parts[0] + "/a/%2e%2e/" + parts[1] + "/blobs/uploads/",
                "/v2/" + repo + "/blobs/uploads/../uploads/",
                "/v2/" + parts[0] + ";x/" + parts[1] + "/blobs/uploads/")) {
            assertRefused("POST", path);
        }
        assertThat(http.get("/v2/" + repo + "/tags/list").statusCode()).isEqualTo(404);
    }

    @Test
    void adminPathsWithDotSegmentsAreRefused() {
        String ns = "dotns" + repo().replaceAll("\\D", "");
        http.pushBlob(ns + "/r", bytes("make the namespace exist"));
        assertThat(http.get("/api/v1/namespaces/" + ns).statusCode()).isEqualTo(200);
        for (String path : List.of("/api/v1/namespaces/elsewhere/../" + ns, "/api/v1/namespaces/./" + ns,
                "/api/v1/namespaces/elsewhere/%2e%2e/" + ns, "/api/v1/users/../namespaces/" + ns,
                "/api/v1/namespaces/" + ns + ";v", "/v2/../api/v1/namespaces/" + ns)) {
            assertRefused("GET", path);
            RawHttp.Answer patch = RawHttp.send(server.port(), RawHttp.request("PATCH", path, http.authorization(),
                    "{\"visibility\":\"public\"}", "Content-Length: 23", "Content-Type: application/json"), false);
            assertThat(patch.status()).as("PATCH %s → %s", path, patch).isEqualTo(400);
        }
        assertThat(Http.json(http.get("/api/v1/namespaces/" + ns)).path("visibility").asText()).isNotEqualTo("public");
    }

    @Test
    void ordinaryPathsStillWork() {
        String repo = repo();
        String digest = http.pushImage(repo, "v1.0", bytes("{}"), bytes("l"));
        // dots inside segments are names, tags and digests, not dot segments
        assertThat(raw("GET", "/v2/" + repo + "/manifests/v1.0").status()).isEqualTo(200);
        assertThat(raw("GET", "/v2/" + repo + "/manifests/" + digest.replace(":", "%3A")).status()).isEqualTo(200);
        String dotted = "test/a.b/c..d".replace("c..d", "c.d");
        http.pushImage(dotted, "x", bytes("{}"), bytes("l"));
        assertThat(raw("GET", "/v2/" + dotted + "/manifests/x").status()).isEqualTo(200);
        assertThat(raw("GET", "/v2/").status()).isEqualTo(200);
    }
}
