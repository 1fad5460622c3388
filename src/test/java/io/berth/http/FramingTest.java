package io.berth.http;

import io.berth.testing.Http;
import io.berth.testing.LogCapture;
import io.berth.testing.RawHttp;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Broken HTTP framing is the client's fault: a body shorter than its Content-Length, a malformed or
 * truncated chunked body, an unusable Content-Length. Each gets a 400 or a plain close — never a 500,
 * never a stack trace in the log — and leaves nothing half-done behind. Raw sockets, because
 * java.net.http cannot send any of these.
 */
class FramingTest extends ApiTestBase {

    /** A broken way to send {@code body}: the headers that frame it and what is actually written. */
    private record Framing(String name, List<String> headers, String wire, boolean halfClose) {
    }

    private static List<Framing> framings(String body) {
        int n = body.length();
        return List.of(
                new Framing("body shorter than Content-Length", List.of("Content-Length: " + (n + 50)), body, true),
                new Framing("malformed chunk size", List.of("Transfer-Encoding: chunked"), "zz\r\n" + body + "\r\n0\r\n\r\n", false),
                new Framing("chunk size with junk", List.of("Transfer-Encoding: chunked"), Integer.toHexString(n) + "x!\r\n" + body + "\r\n0\r\n\r\n", false),
                new Framing("truncated chunk", List.of("Transfer-Encoding: chunked"), Integer.toHexString(n + 50) + "\r\n" + body, true),
                new Framing("chunked body without its last chunk", List.of("Transfer-Encoding: chunked"), Integer.toHexString(n) + "\r\n" + body + "\r\n", true),
                new Framing("chunk longer than its size", List.of("Transfer-Encoding: chunked"), "1\r\n" + body + "\r\n0\r\n\r\n", false),
                new Framing("unclosed quote in a chunk extension (CVE-2026-2332)", List.of("Transfer-Encoding: chunked"),
                        "1;ext=\"val\r\nX\r\n0\r\n\r\n", false),
                new Framing("non-numeric Content-Length", List.of("Content-Length: abc"), body, false),
                new Framing("negative Content-Length", List.of("Content-Length: -5"), body, false),
                new Framing("two different Content-Lengths", List.of("Content-Length: " + n, "Content-Length: " + (n + 1)), body, false),
                new Framing("Content-Length and Transfer-Encoding", List.of("Content-Length: " + n, "Transfer-Encoding: chunked"),
                        Integer.toHexString(n) + "\r\n" + body + "\r\n0\r\n\r\n", false),
                new Framing("unknown Transfer-Encoding", List.of("Transfer-Encoding: gzip"), body, true));
    }

    private static RawHttp.Answer send(String method, String target, Framing f, String... headers) {
        List<String> all = new ArrayList<>(List.of(headers));
        all.addAll(f.headers());
        String head = RawHttp.request(method, target, http.authorization(), null, all.toArray(String[]::new));
        return RawHttp.send(server.port(), head + f.wire(), f.halfClose());
    }

    /** Every framing against one endpoint: 400 or a plain close, nothing logged as a fault. */
    private static void assertRefusedEverywhere(String method, java.util.function.Supplier<String> target, String body, String... headers) {
        try (LogCapture log = new LogCapture()) {
            for (Framing f : framings(body)) {
                String to = target.get();
                RawHttp.Answer a = send(method, to, f, headers);
                assertThat(a.status()).as("%s %s with %s: %s", method, to, f.name(), a).isIn(0, 400);
                assertThat(a.body()).as(f.name()).doesNotContain("Exception", "\tat ");
            }
            assertThat(log.faults()).as("faults logged").isEmpty();
        }
    }

    @Test
    void monolithicUploadWithBrokenFraming() {
        String repo = repo();
        String body = "monolithic blob content";
        assertRefusedEverywhere("POST", () -> "/v2/" + repo + "/blobs/uploads/?digest=" + Http.sha256(bytes(body)), body,
                "Content-Type: application/octet-stream");
        // nothing was stored under the digest, and the server still serves this repository
        assertThat(http.head("/v2/" + repo + "/blobs/" + Http.sha256(bytes(body))).statusCode()).isEqualTo(404);
        http.pushBlob(repo, bytes(body));
    }

    @Test
    void patchWithBrokenFraming() {
        String repo = repo();
        assertRefusedEverywhere("PATCH", () -> startUpload(repo), "a chunk of the blob", "Content-Type: application/octet-stream");
    }

    @Test
    void closingPutWithBrokenFraming() {
        String repo = repo();
        String body = "the last chunk";
        assertRefusedEverywhere("PUT", () -> startUpload(repo) + "?digest=" + Http.sha256(bytes(body)), body,
                "Content-Type: application/octet-stream");
        assertThat(http.head("/v2/" + repo + "/blobs/" + Http.sha256(bytes(body))).statusCode()).isEqualTo(404);
    }

    @Test
    void manifestPutWithBrokenFraming() {
        String repo = repo();
        String manifest = imageManifest(repo, "{}", "layer");
        assertRefusedEverywhere("PUT", () -> "/v2/" + repo + "/manifests/v1", manifest, "Content-Type: " + OCI_MANIFEST);
        assertError(http.get("/v2/" + repo + "/manifests/v1"), 404, "MANIFEST_UNKNOWN");
    }

    @Test
    void adminJsonWithBrokenFraming() {
        String name = "framing" + repo().replaceAll("\\D", "");
        assertRefusedEverywhere("POST", () -> "/api/v1/users", "{\"name\":\"" + name + "\",\"password\":\"secret-password\"}",
                "Content-Type: application/json");
        assertThat(http.get("/api/v1/users/" + name).statusCode()).isEqualTo(404);
    }

    /**
     * A PATCH cut short keeps what arrived and says so: the session's offset is the bytes stored, so a
     * client that resumes where the server says (GET the upload, as the spec has it) gets a whole blob,
     * and one that resends the chunk from where it began is told where to resume, never appended twice.
     */
    @Test
    void truncatedPatchLeavesASessionThatResumesAtTheTrueOffset() {
        String repo = repo();
        String location = startUpload(repo);
        String blob = "0123456789abcdefghij";
        assertThat(http.method("PATCH", location, bytes(blob.substring(0, 5)), "Content-Range", "0-4").statusCode()).isEqualTo(202);
        String cut = RawHttp.request("PATCH", location, http.authorization(), blob.substring(5, 9),
                "Content-Range: 5-19", "Content-Length: 15");
        assertThat(RawHttp.send(server.port(), cut, true).status()).isIn(0, 400);

        String range = header(http.get(location), "Range");
        long held = Long.parseLong(range.substring(range.indexOf('-') + 1)) + 1;
        assertThat(held).isBetween(5L, 9L);
        // resending the whole chunk from its start is refused with where to resume
        var again = http.method("PATCH", location, bytes(blob.substring(5)), "Content-Range", "5-19");
        if (held != 5) {
            assertError(again, 416, "BLOB_UPLOAD_INVALID");
            assertThat(header(again, "Range")).isEqualTo(range);
            assertThat(http.method("PATCH", location, bytes(blob.substring((int) held)),
                    "Content-Range", held + "-19").statusCode()).isEqualTo(202);
        } else {
            assertThat(again.statusCode()).isEqualTo(202);
        }
        String digest = Http.sha256(bytes(blob));
        assertThat(http.method("PUT", location + "?digest=" + digest, null).statusCode()).isEqualTo(201);
        assertThat(text(http.get("/v2/" + repo + "/blobs/" + digest))).isEqualTo(blob);
    }

    private static String startUpload(String repo) {
        return header(http.method("POST", "/v2/" + repo + "/blobs/uploads/", null), "Location");
    }
}
