package io.berth.http;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The raw-path scan on its own: what it refuses, and the dotted names, tags and digests it lets through. */
class RequestTargetTest {

    @Test
    void refusesDotSegmentsParametersAndEncodedSlashes() {
        for (String p : new String[]{"/v2/a/../b", "/v2/a/./b", "/v2/a/..", "/v2/a/.", "/v2/a/%2e%2e/b", "/v2/a/%2E%2e/b",
                "/v2/a/.%2E/b", "/v2/a/%2e/b", "/v2/a/..;/b", "/v2/a;x/b", "/v2/a/b;", "/v2/a%2Fb/c", "/v2/a%2fb", "/api/v1/namespaces/a/../b"}) {
            assertThat(RequestTarget.problem(p)).as(p).isNotNull();
        }
    }

    @Test
    void letsOrdinaryPathsThrough() {
        for (String p : new String[]{"/v2/", "/v2", "/v2/a.b/c.d/manifests/v1.0", "/v2/a/.../b", "/v2/a/..a/b", "/v2/a/b./c",
                "/v2/a/blobs/sha256%3Aab", "/v2/a/%2e%2e%2e/b", "/v2/a/blobs/uploads/", "/v2/a/b%2", "/v2/a/b%", "",
                "/api/v1/namespaces/a.b"}) {
            assertThat(RequestTarget.problem(p)).as(p).isNull();
        }
    }
}
