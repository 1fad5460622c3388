package io.berth.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.testing.Http;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Immutable tag rules over real HTTP: a tag a rule covers is neither moved nor deleted (403 DENIED naming
 * the tag and the rule), the same digest may be pushed again, cosign's tags and referrers are exempt, and
 * of pushes racing to one new tag exactly one wins. On SQLite here, on PostgreSQL in the subclass.
 */
class ImmutableTagsTest extends LifecycleServer {

    @Test
    void anImmutableTagIsNotMovedButTheSameDigestMayBePushedAgain() {
        immutableTags().setPatterns("team", List.of("v*"));
        byte[] first = image("team/app", "first");
        byte[] second = image("team/app", "second");
        String digest = push("team/app", "v1.0", first);

        HttpResponse<byte[]> moved = put("team/app", "v1.0", second);
        assertThat(moved.statusCode()).isEqualTo(403);
        JsonNode error = Http.json(moved).path("errors").path(0);
        assertThat(error.path("code").asText()).isEqualTo("DENIED");
        assertThat(error.path("message").asText())
                .contains("tag v1.0 of team/app is immutable", "rule v* of namespace team", digest, Http.sha256(second));
        assertThat(error.path("detail").path("tag").asText()).isEqualTo("v1.0");
        assertThat(error.path("detail").path("rule").asText()).isEqualTo("v*");
        assertThat(tagDigest("team/app", "v1.0")).isEqualTo(digest);

        // CI pushes the same image again: allowed, and it counts as a push.
        assertThat(put("team/app", "v1.0", first).statusCode()).isEqualTo(201);
        // Tags the rule does not cover move as before; other namespaces have their own rules.
        push("team/app", "latest", first);
        push("team/app", "latest", second);
        assertThat(tagDigest("team/app", "latest")).isEqualTo(Http.sha256(second));
        push("other/app", "v1.0", image("other/app", "first"));
        push("other/app", "v1.0", image("other/app", "second"));
        // The manifest may still be pushed by digest (that moves no tag).
        push("team/app", null, second);
    }

    @Test
    void anImmutableTagIsNotDeletedNorIsTheManifestItPointsAt() {
        immutableTags().setPatterns("team", List.of("release-?", "v*"));
        String digest = push("team/app", "release-1", image("team/app", "one"));
        push("team/app", "scratch", image("team/app", "one"));

        HttpResponse<byte[]> untag = http.method("DELETE", "/v2/team/app/manifests/release-1", null);
        assertThat(untag.statusCode()).isEqualTo(403);
        assertThat(Http.errorCode(untag)).isEqualTo("DENIED");
        assertThat(text(untag)).contains("tag release-1 of team/app is immutable (rule release-? of namespace team) and cannot be deleted");

        HttpResponse<byte[]> byDigest = http.method("DELETE", "/v2/team/app/manifests/" + digest, null);
        assertThat(byDigest.statusCode()).isEqualTo(403);
        assertThat(text(byDigest)).contains("manifest " + digest + " of team/app cannot be deleted: its tag release-1 is immutable");
        assertThat(tagDigest("team/app", "release-1")).isEqualTo(digest);
        assertThat(tags("team/app")).containsExactly("release-1", "scratch");

        // A tag no rule covers is deleted as before; release-10 is not release-? (one character).
        assertThat(http.method("DELETE", "/v2/team/app/manifests/scratch", null).statusCode()).isEqualTo(202);
        String other = push("team/app", "release-10", image("team/app", "two"));
        assertThat(http.method("DELETE", "/v2/team/app/manifests/" + other, null).statusCode()).isEqualTo(202);

        // Without the rule the tag goes like any other.
        immutableTags().setPatterns("team", List.of());
        assertThat(http.method("DELETE", "/v2/team/app/manifests/" + digest, null).statusCode()).isEqualTo(202);
        assertThat(tags("team/app")).isEmpty();
    }

    @Test
    void cosignTagsAndReferrersAreExempt() {
        immutableTags().setPatterns("team", List.of("*"));
        byte[] subject = image("team/app", "subject");
        String subjectDigest = push("team/app", "v1", subject);
        String cosign = "sha256-" + subjectDigest.substring("sha256:".length());

        // cosign signs again: its .sig tag moves to a new signature manifest, and may be deleted.
        push("team/app", cosign + ".sig", image("team/app", "signature-1"));
        push("team/app", cosign + ".sig", image("team/app", "signature-2"));
        push("team/app", cosign + ".att", image("team/app", "attestation"));
        push("team/app", cosign, image("team/app", "referrers-schema-index"));
        assertThat(http.method("DELETE", "/v2/team/app/manifests/" + cosign + ".att", null).statusCode()).isEqualTo(202);
        assertThat(immutableTags().isImmutable("team/app", cosign + ".sig")).isFalse();

        // An OCI referrer under a tag the rule covers: it may move to another referrer and be deleted, by tag or digest.
        String sbom = push("team/app", "sbom", image("team/app", "sbom-1", subject));
        push("team/app", "sbom", image("team/app", "sbom-2", subject));
        assertThat(immutableTags().isImmutable("team/app", "sbom")).isFalse();
        String signature = push("team/app", "signature", image("team/app", "sig", subject));
        assertThat(http.method("DELETE", "/v2/team/app/manifests/" + signature, null).statusCode()).isEqualTo(202);
        assertThat(http.method("DELETE", "/v2/team/app/manifests/sbom", null).statusCode()).isEqualTo(202);
        assertThat(manifestExists("team/app", sbom)).isTrue();

        // The image itself stays protected, by tag and by digest, and against being replaced by a referrer.
        assertThat(immutableTags().immutableRule("team/app", "v1")).hasValue("*");
        assertThat(put("team/app", "v1", image("team/app", "other")).statusCode()).isEqualTo(403);
        assertThat(put("team/app", "v1", image("team/app", "sneaky", subject)).statusCode()).isEqualTo(403);
        assertThat(http.method("DELETE", "/v2/team/app/manifests/v1", null).statusCode()).isEqualTo(403);
        assertThat(http.method("DELETE", "/v2/team/app/manifests/" + subjectDigest, null).statusCode()).isEqualTo(403);
        assertThat(tagDigest("team/app", "v1")).isEqualTo(subjectDigest);
    }

    /** The check runs in the transaction that moves the tag: of pushes racing to create it, one wins, the others are refused. */
    @Test
    void ofPushesRacingToANewImmutableTagExactlyOneWins() throws Exception {
        immutableTags().setPatterns("team", List.of("v*"));
        int pushers = 8;
        List<byte[]> manifests = new ArrayList<>();
        for (int i = 0; i < pushers; i++) {
            manifests.add(image("team/race", "pusher-" + i));
        }
        for (int round = 0; round < 3; round++) {
            String tag = "v" + round;
            CountDownLatch start = new CountDownLatch(1);
            List<Future<HttpResponse<byte[]>>> answers = new ArrayList<>();
            try (ExecutorService pool = Executors.newFixedThreadPool(pushers)) {
                for (byte[] m : manifests) {
                    answers.add(pool.submit(() -> {
                        start.await();
                        return put("team/race", tag, m);
                    }));
                }
                start.countDown();
                List<String> won = new ArrayList<>();
                for (int i = 0; i < pushers; i++) {
                    HttpResponse<byte[]> r = answers.get(i).get();
                    if (r.statusCode() == 201) {
                        won.add(Http.sha256(manifests.get(i)));
                    } else {
                        assertThat(r.statusCode()).as(text(r)).isEqualTo(403);
                        assertThat(text(r)).contains("tag " + tag + " of team/race is immutable");
                    }
                }
                assertThat(won).as("round %d", round).hasSize(1);
                assertThat(tagDigest("team/race", tag)).isEqualTo(won.getFirst());
            }
        }
    }

    @Test
    void patternsAreCheckedAndADeletedNamespaceTakesItsRulesAlong() {
        assertThat(immutableTags().setPatterns("team", List.of("v*", "v*", "stable"))).containsExactly("v*", "stable");
        assertThat(immutableTags().patterns("team")).containsExactly("v*", "stable");
        assertThatThrownBy(() -> immutableTags().setPatterns("team", List.of("v[0-9]*")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pattern \"v[0-9]*\" may contain only");
        assertThatThrownBy(() -> immutableTags().setPatterns("Team", List.of("v*"))).isInstanceOf(IllegalArgumentException.class);

        push("team/app", "v1", image("team/app", "one"));
        assertThat(http.method("DELETE", "/api/v1/namespaces/team?force=true", null).statusCode()).isEqualTo(204);
        assertThat(immutableTags().patterns("team")).isEmpty();
        // A namespace made again under the name starts without the old rules.
        push("team/app", "v1", image("team/app", "one"));
        push("team/app", "v1", image("team/app", "two"));
    }
}
