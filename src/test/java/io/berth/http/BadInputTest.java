package io.berth.http;

import io.berth.testing.Http;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Malformed input of every kind gets a 4xx with the spec's JSON error body, never a 5xx or a stack trace. */
class BadInputTest extends ApiTestBase {

    @Test
    void malformedRequestsThroughTheHttpClient() {
        String repo = repo();
        String digest = http.pushImage(repo, "v1", bytes("{}"), bytes("l"));
        String upload = http.method("POST", "/v2/" + repo + "/blobs/uploads/", null).headers().firstValue("Location").orElseThrow();
        List<HttpResponse<byte[]>> answers = new ArrayList<>();
        answers.add(http.get("/v2/" + repo + "/manifests/" + "a".repeat(300)));
        answers.add(http.get("/v2/" + repo + "/manifests/sha256:" + "g".repeat(64)));
        answers.add(http.get("/v2/" + repo + "/manifests/SHA256:" + "a".repeat(64)));
        answers.add(http.get("/v2/" + repo + "/blobs/sha999:abc"));
        answers.add(http.get("/v2/" + repo + "/tags/list?n=99999999999999999999"));
        answers.add(http.get("/v2/" + repo + "/tags/list?n="));
        answers.add(http.get("/v2/_catalog?n=-5"));
        answers.add(http.get("/v2/" + repo + "/referrers/nonsense"));
        answers.add(http.get("/v2/" + repo + "/referrers/" + digest + "?artifactType="));
        answers.add(http.method("PUT", "/v2/" + repo + "/manifests/v2", bytes("null"), "Content-Type", OCI_MANIFEST));
        answers.add(http.method("PUT", "/v2/" + repo + "/manifests/v2", bytes(""), "Content-Type", OCI_MANIFEST));
        answers.add(http.method("PUT", "/v2/" + repo + "/manifests/v2", bytes("{\"schemaVersion\":\"2\"}"), "Content-Type", OCI_MANIFEST));
        answers.add(http.method("PUT", "/v2/" + repo + "/manifests/v2", bytes("{\"schemaVersion\":2,\"config\":5,\"layers\":[]}"), "Content-Type", OCI_MANIFEST));
        answers.add(http.method("PUT", "/v2/" + repo + "/manifests/v2", bytes("{\"schemaVersion\":2,\"mediaType\":7}"), "Content-Type", OCI_MANIFEST));
        answers.add(http.method("PUT", "/v2/" + repo + "/manifests/v2", bytes("{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"x\"}]}"), "Content-Type", OCI_INDEX));
        answers.add(http.method("PUT", "/v2/" + repo + "/manifests/v2", bytes("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"a\",\"digest\":\""
                + digest + "\",\"size\":-1},\"layers\":[]}"), "Content-Type", OCI_MANIFEST));
        answers.add(http.method("PUT", "/v2/" + repo + "/manifests/v2", bytes("{}"), "Content-Type", "application/vnd.oci.artifact.manifest.v1+json"));
        answers.add(http.method("PUT", "/v2/" + repo + "/manifests/v2", bytes("{\"a\":1} trailing"), "Content-Type", OCI_MANIFEST));
        answers.add(http.method("PATCH", upload, bytes("x"), "Content-Range", "5-2"));
        answers.add(http.method("PATCH", upload, bytes("x"), "Content-Range", "0-99999999999999999999999"));
        answers.add(http.method("PUT", upload + "?digest=", null));
        answers.add(http.method("PUT", upload + "?digest=sha256:" + "0".repeat(63), null));
        answers.add(http.method("POST", "/v2/" + repo + "/blobs/uploads/?mount=junk&from=" + repo, null));
        answers.add(http.method("POST", "/v2/" + repo + "/blobs/uploads/?mount=" + digest + "&from=INVALID//name", null));
        answers.add(http.get("/v2/" + repo + "/blobs/" + digest, "Range", "bytes=abc-def"));
        answers.add(http.method("POST", "/api/v1/users", bytes("[]")));
        answers.add(http.method("POST", "/api/v1/tokens", bytes("{\"name\":\"x\",\"scopes\":\"all\"}")));
        answers.add(http.method("PATCH", "/api/v1/namespaces/" + repo.split("/")[0], bytes("{\"visibility\":3}")));
        answers.add(http.get("/api/v1/audit?since=yesterday"));
        answers.add(http.get("/api/v1/audit?before=abc"));
        answers.add(http.get("/auth/token?scope=repository::&scope=registry:catalog:pull"));
        answers.add(http.method("POST", "/auth/token", bytes("grant_type=magic"), "Content-Type", "application/x-www-form-urlencoded"));
        for (HttpResponse<byte[]> r : answers) {
            assertThat(r.statusCode()).as("%s → %s", r.request().uri(), new String(r.body(), StandardCharsets.UTF_8))
                    .isBetween(200, 499);
            String body = new String(r.body(), StandardCharsets.UTF_8);
            assertThat(body).doesNotContain("Exception", "\tat ");
        }
    }

    @Test
    void rawRequestsWithBrokenSyntax() throws IOException {
        for (String path : List.of("/v2/%zz/tags/list", "/v2/a/manifests/%", "/v2/" + "x/".repeat(2000) + "tags/list",
                "/v2/a/tags/list?n=%ff%fe", "/v2/..%2f..%2fetc/passwd/blobs/sha256:x")) {
            String status = raw("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            assertThat(status).as(path).matches("HTTP/1\\.1 4\\d\\d .*");
        }
    }

    private static String raw(String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            return response.lines().findFirst().orElse("");
        }
    }
}
