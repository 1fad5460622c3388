package io.berth.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.testing.Tools;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** skopeo list-tags over many tags, and skopeo delete. */
class SkopeoTagsAndDeleteIT extends E2eTest {
    private static final int TAGS = 130;

    @Override
    List<String> tools() {
        return List.of("skopeo");
    }

    @Test
    void listTagsReturnsMoreThanAHundredTagsAndDeleteRemovesAManifest() {
        String repo = "e2e/many";
        // One image under 130 tags (pushed over HTTP: the listing is what this test is about)...
        String shared = e2e.http.pushImage(repo, "tag-000", "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8),
                E2e.randomBytes(2048, 1));
        byte[] sharedManifest = e2e.getManifest(repo, "tag-000", E2e.OCI_MANIFEST).body();
        List<String> expected = new ArrayList<>();
        expected.add("tag-000");
        for (int i = 1; i < TAGS; i++) {
            String t = String.format("tag-%03d", i);
            assertThat(e2e.http.pushManifest(repo, t, E2e.OCI_MANIFEST, sharedManifest)).isEqualTo(shared);
            expected.add(t);
        }
        // ...and a different image under its own tag, to be deleted.
        String doomed = e2e.http.pushImage(repo, "doomed", "{\"architecture\":\"arm64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8),
                E2e.randomBytes(2048, 2));
        assertThat(doomed).isNotEqualTo(shared);
        expected.add("doomed");

        JsonNode listed = E2e.parse(e2e.skopeo("list-tags", "--tls-verify=false", e2e.ref(repo)).orFail().output());
        assertThat(listed.path("Repository").asText()).isEqualTo(e2e.host() + "/" + repo);
        assertThat(E2e.texts(listed.path("Tags"))).hasSize(TAGS + 1).containsExactlyInAnyOrderElementsOf(expected);

        // The same list, page by page as the API offers it (n=100 and the Link header).
        HttpResponse<byte[]> first = e2e.http.get("/v2/" + repo + "/tags/list?n=100");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(E2e.parse(first.body()).path("tags")).hasSize(100);
        String link = first.headers().firstValue("Link").orElseThrow();
        String next = link.substring(link.indexOf('<') + 1, link.indexOf('>'));
        HttpResponse<byte[]> second = e2e.http.get(next);
        assertThat(second.headers().firstValue("Link")).isEmpty();
        List<String> paged = new ArrayList<>(E2e.texts(E2e.parse(first.body()).path("tags")));
        paged.addAll(E2e.texts(E2e.parse(second.body()).path("tags")));
        assertThat(paged).containsExactlyInAnyOrderElementsOf(expected);

        // skopeo inspects, then deletes the tag's manifest (skopeo delete resolves the tag to its digest).
        JsonNode before = E2e.parse(e2e.skopeo("inspect", "--raw", "--tls-verify=false", e2e.ref(repo + ":doomed")).orFail().output());
        assertThat(before.path("config").path("digest").asText()).startsWith("sha256:");
        e2e.skopeo("delete", "--tls-verify=false", e2e.ref(repo + ":doomed")).orFail();

        Tools.Result after = e2e.skopeo("inspect", "--tls-verify=false", e2e.ref(repo + ":doomed"));
        assertThat(after.exitCode()).as("inspect after delete:\n%s", after.output()).isNotZero();
        assertThat(after.output()).contains("manifest unknown");
        Tools.Result byDigest = e2e.skopeo("inspect", "--raw", "--tls-verify=false", e2e.ref(repo + "@" + doomed));
        assertThat(byDigest.exitCode()).as("inspect by digest after delete:\n%s", byDigest.output()).isNotZero();
        assertThat(e2e.http.head("/v2/" + repo + "/manifests/" + doomed).statusCode()).isEqualTo(404);

        // Deleting a manifest by digest with skopeo works too; the other 130 tags are untouched until then.
        JsonNode remaining = E2e.parse(e2e.skopeo("list-tags", "--tls-verify=false", e2e.ref(repo)).orFail().output());
        assertThat(E2e.texts(remaining.path("Tags"))).hasSize(TAGS).doesNotContain("doomed");
        e2e.skopeo("inspect", "--tls-verify=false", e2e.ref(repo + ":tag-129")).orFail();
        e2e.skopeo("delete", "--tls-verify=false", e2e.ref(repo + "@" + shared)).orFail();
        Tools.Result gone = e2e.skopeo("inspect", "--tls-verify=false", e2e.ref(repo + ":tag-129"));
        assertThat(gone.exitCode()).as("inspect after deleting the shared manifest:\n%s", gone.output()).isNotZero();
        JsonNode none = E2e.parse(e2e.skopeo("list-tags", "--tls-verify=false", e2e.ref(repo)).orFail().output());
        assertThat(none.path("Tags")).isEmpty();
    }
}
