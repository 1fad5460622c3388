package io.berth.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.lifecycle.LifecycleStore.Outcome;
import io.berth.lifecycle.RetentionPlan.Item;
import io.berth.oci.Digest;
import io.berth.testing.Http;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Retention on a real server: content pushed over HTTP, push times backdated in the server's database, rules
 * set through the service the admin API will call, previews compared with real runs, and the outcome seen
 * over HTTP and in the audit log. On SQLite here, on PostgreSQL in the subclass.
 */
class RetentionTest extends LifecycleServer {

    private static RetentionRule keepLast(int n) {
        return new RetentionRule(List.of(), n, null, List.of(), false);
    }

    /** Pushes {@code tag} to its own image, pushed {@code days} ago; returns the digest. */
    private String tagged(String repository, String tag, double days) {
        String digest = push(repository, tag, image(repository, repository + ":" + tag));
        tagPushedDaysAgo(repository, tag, days);
        manifestPushedDaysAgo(repository, digest, days);
        return digest;
    }

    private static List<String> targets(List<Item> items) {
        return items.stream().map(Item::target).toList();
    }

    @Test
    void keepLastKeepsTheMostRecentlyPushedTagsOfEachRepository() {
        tagged("team/app", "a", 10);
        tagged("team/app", "b", 5);
        tagged("team/app", "c", 1);
        String d = tagged("team/app", "d", 20);
        tagged("team/web", "x", 3);
        tagged("team/web", "y", 30);
        tagged("other/app", "old", 100); // another namespace, without rules
        retention().setRules("team", List.of(keepLast(2)));

        RetentionPlan preview = retention().preview("team");
        assertThat(targets(preview.items())).containsExactly("team/app:a", "team/app:d");
        assertThat(preview.repositories()).isEqualTo(2);
        assertThat(preview.tagsKept()).isEqualTo(4);
        Item dItem = preview.items().get(1);
        assertThat(dItem.digest().toString()).isEqualTo(d);
        assertThat(dItem.reason()).isEqualTo("kept by no rule (rule 1: not among the 2 most recently pushed (4th))");

        RetentionReport run = retention().run("team", "alice");
        assertThat(run.plan().items()).isEqualTo(preview.items());
        assertThat(run.outcomes()).containsOnly(Outcome.DELETED);
        assertThat(tags("team/app")).containsExactly("b", "c");
        assertThat(tags("team/web")).containsExactly("x", "y");
        assertThat(tags("other/app")).containsExactly("old");
        // Without deleteUntagged the manifests stay (untagged) for GC's own policy; retention frees no bytes.
        assertThat(manifestExists("team/app", d)).isTrue();
        // A second run finds nothing more to do.
        assertThat(retention().preview("team").items()).isEmpty();
    }

    @Test
    void keepDaysCountsPushesAndPullsWithinTheWindow() {
        tagged("team/app", "fresh", 2);
        tagged("team/app", "stale", 10);
        tagged("team/app", "pulled", 40);
        tagged("team/app", "pulled-long-ago", 40);
        retention().setRules("team", List.of(new RetentionRule(List.of(), null, 7, List.of(), false)));

        // The recorder of pull times does not exist yet: by default nothing counts as pulled.
        assertThat(targets(retention().preview("team").items()))
                .containsExactly("team/app:pulled", "team/app:pulled-long-ago", "team/app:stale");

        // NOT A MOCK of something runnable: the pull recorder is another helper's work (migration V6). This is a
        // real in-memory LastPulled the test fills, standing in for it, over the server's own database.
        RecordedPulls pulls = new RecordedPulls();
        pulls.tag("team/app", "pulled", ago(1));
        pulls.tag("team/app", "pulled-long-ago", ago(20));
        Retention withPulls = new Retention(lifecycleStore(), pulls, RetentionSettings.defaults(), Clock.systemUTC());
        RetentionPlan preview = withPulls.preview("team");
        assertThat(targets(preview.items())).containsExactly("team/app:pulled-long-ago", "team/app:stale");
        assertThat(preview.items().getFirst().reason())
                .isEqualTo("kept by no rule (rule 1: pushed 40 days ago, last pulled 20 days ago: not within 7 days)");
        assertThat(preview.items().get(1).reason()).contains("pushed 10 days ago, no pull recorded: not within 7 days");

        assertThat(withPulls.run("team", "alice").deleted()).isEqualTo(preview.items());
        assertThat(tags("team/app")).containsExactly("fresh", "pulled");
    }

    /** Deployments pin digests: an untagged manifest pushed or pulled within keepDays stays. */
    @Test
    void untaggedManifestsPushedOrPulledWithinKeepDaysStay() {
        String pinned = push("team/app", null, image("team/app", "pinned"));
        String recent = push("team/app", null, image("team/app", "recent"));
        String forgotten = push("team/app", null, image("team/app", "forgotten"));
        manifestPushedDaysAgo("team/app", pinned, 90);
        manifestPushedDaysAgo("team/app", recent, 3);
        manifestPushedDaysAgo("team/app", forgotten, 90);
        retention().setRules("team", List.of(new RetentionRule(List.of(), null, 7, List.of(), true)));
        // NOT A MOCK (see RecordedPulls): the pull of the pinned digest a deployment made yesterday.
        RecordedPulls pulls = new RecordedPulls();
        pulls.manifest("team/app", pinned, ago(1));
        Retention withPulls = new Retention(lifecycleStore(), pulls, RetentionSettings.defaults(), Clock.systemUTC());
        RetentionPlan preview = withPulls.preview("team");
        assertThat(targets(preview.items())).containsExactly("team/app@" + forgotten);
        assertThat(preview.items().getFirst().reason())
                .isEqualTo("untagged; pushed 90 days ago; no pull recorded: not within 7 days; rule 1 deletes untagged manifests");
        assertThat(withPulls.run("team", "alice").deleted()).isEqualTo(preview.items());
        assertThat(manifestExists("team/app", pinned)).isTrue();
        assertThat(manifestExists("team/app", recent)).isTrue();
        assertThat(manifestExists("team/app", forgotten)).isFalse();
    }

    @Test
    void keepTagsKeepsMatchingTagsAndRulesAreNarrowedToRepositories() {
        for (String tag : List.of("v1.0", "v2.0", "latest", "pr-17", "pr-18", "main-abc")) {
            tagged("team/app", tag, 50);
            tagged("team/web", tag, 50);
        }
        retention().setRules("team", List.of(
                new RetentionRule(List.of("team/app"), null, null, List.of("v*", "latest"), false),
                new RetentionRule(List.of("team/app"), null, null, List.of("main-*"), false)));

        RetentionPlan preview = retention().preview("team");
        assertThat(targets(preview.items())).containsExactly("team/app:pr-17", "team/app:pr-18");
        assertThat(preview.items().getFirst().reason())
                .isEqualTo("kept by no rule (rule 1: matches none of v*, latest | rule 2: matches none of main-*)");
        assertThat(retention().run("team", null).deleted()).isEqualTo(preview.items());
        assertThat(tags("team/app")).containsExactly("latest", "main-abc", "v1.0", "v2.0");
        assertThat(tags("team/web")).hasSize(6);
    }

    @Test
    void untaggedManifestsGoButIndexChildrenReferrersAndImmutableTagsStay() {
        String repo = "team/app";
        // An old tag the rule does not keep: the tag goes, and its manifest, left untagged, with it.
        String old = tagged(repo, "old", 30);
        tagged(repo, "new", 1);
        // An old manifest pushed by digest only, and a young one (within the grace: a push in progress).
        String orphan = push(repo, null, image(repo, "orphan"));
        manifestPushedDaysAgo(repo, orphan, 30);
        String young = push(repo, null, image(repo, "young"));
        // A tagged index keeps its untagged children; an untagged old index goes, before its children.
        byte[] kept1 = image(repo, "kept-child-1");
        byte[] kept2 = image(repo, "kept-child-2");
        push(repo, null, kept1);
        push(repo, null, kept2);
        String keptIndex = push(repo, "multi", index(List.of(kept1, kept2)));
        tagPushedDaysAgo(repo, "multi", 2);
        byte[] gone1 = image(repo, "gone-child-1");
        String gone1Digest = push(repo, null, gone1);
        String goneIndex = push(repo, null, index(List.of(gone1)));
        // A referrer of a manifest that stays stays; a referrer of one that goes goes after it, and so does the
        // cosign signature named after it (its tag first, then the signature manifest).
        String keptReferrer = push(repo, null, image(repo, "sbom-of-new", bytesOf(repo, "new")));
        String goneReferrer = push(repo, null, image(repo, "sbom-of-old", bytesOf(repo, "old")));
        String cosignTag = "sha256-" + old.substring(7) + ".sig";
        String signature = push(repo, cosignTag, image(repo, "signature-of-old"));
        // An immutable tag is never deleted, however old.
        immutableTags().setPatterns("team", List.of("release-*"));
        String release = tagged(repo, "release-1", 400);
        for (String digest : List.of(kept1, kept2, gone1).stream().map(Http::sha256).toList()) {
            manifestPushedDaysAgo(repo, digest, 30);
        }
        for (String digest : List.of(keptIndex, goneIndex, keptReferrer, goneReferrer, signature)) {
            manifestPushedDaysAgo(repo, digest, 30);
        }
        retention().setRules("team", List.of(new RetentionRule(List.of(), 2, null, List.of(), true)));

        RetentionPlan preview = retention().preview("team");
        List<String> planned = targets(preview.items());
        assertThat(planned.getFirst()).isEqualTo(repo + ":old");
        assertThat(planned).containsExactlyInAnyOrder(repo + ":old", repo + "@" + old, repo + "@" + orphan, repo + "@" + goneIndex,
                repo + "@" + gone1Digest, repo + "@" + goneReferrer, repo + ":" + cosignTag, repo + "@" + signature);
        // Deletion order: an index before what it lists, a subject before its referrers and its cosign tag,
        // the cosign tag before the signature manifest.
        assertThat(planned.indexOf(repo + "@" + goneIndex)).isLessThan(planned.indexOf(repo + "@" + gone1Digest));
        assertThat(planned.indexOf(repo + "@" + old)).isLessThan(planned.indexOf(repo + "@" + goneReferrer))
                .isLessThan(planned.indexOf(repo + ":" + cosignTag));
        assertThat(planned.indexOf(repo + ":" + cosignTag)).isLessThan(planned.indexOf(repo + "@" + signature));
        Map<String, String> reasons = new HashMap<>();
        preview.items().forEach(i -> reasons.put(i.target(), i.reason()));
        assertThat(reasons.get(repo + "@" + old)).startsWith("untagged once this run deletes old; pushed 30 days ago")
                .endsWith("rule 1 deletes untagged manifests");
        assertThat(reasons.get(repo + "@" + gone1Digest)).contains("listed only by " + RetentionPlanner.shortDigest(Digest.parse(goneIndex))
                + ", which this run deletes");
        assertThat(reasons.get(repo + "@" + goneReferrer)).contains("refers to " + RetentionPlanner.shortDigest(Digest.parse(old))
                + ", which this run deletes");
        assertThat(reasons.get(repo + ":" + cosignTag)).isEqualTo("names " + RetentionPlanner.shortDigest(Digest.parse(old))
                + ", which this run deletes");

        RetentionReport run = retention().run("team", "alice");
        assertThat(run.plan().items()).isEqualTo(preview.items());
        assertThat(run.deleted()).isEqualTo(preview.items());
        assertThat(tags(repo)).containsExactlyInAnyOrder("new", "multi", "release-1");
        for (String gone : List.of(old, orphan, goneIndex, gone1Digest, goneReferrer, signature)) {
            assertThat(manifestExists(repo, gone)).as(gone).isFalse();
        }
        for (String stays : List.of(young, keptIndex, Http.sha256(kept1), Http.sha256(kept2), keptReferrer, release)) {
            assertThat(manifestExists(repo, stays)).as(stays).isTrue();
        }
        assertThat(retention().preview("team").items()).isEmpty();
    }

    @Test
    void everythingARunDeletesIsInTheAuditLog() {
        tagged("team/app", "a", 10);
        tagged("team/app", "b", 1);
        String orphan = push("team/app", null, image("team/app", "orphan"));
        manifestPushedDaysAgo("team/app", orphan, 10);
        retention().setRules("team", List.of(new RetentionRule(List.of(), 1, null, List.of(), true)));
        RetentionReport run = retention().run("team", "alice");
        assertThat(run.deleted()).hasSize(3);

        JsonNode audit = Http.json(http.get("/api/v1/audit?actor=retention"));
        List<String> audited = new ArrayList<>();
        audit.forEach(e -> {
            assertThat(e.path("action").asText()).isEqualTo("delete");
            assertThat(e.path("success").asBoolean()).isTrue();
            assertThat(e.path("detail").asText()).endsWith("; run requested by alice");
            audited.add(e.path("target").asText());
        });
        assertThat(audited).containsExactlyInAnyOrderElementsOf(targets(run.deleted()));
        String reason = run.deleted().getFirst().reason();
        assertThat(audit.findValuesAsText("detail")).contains(reason + "; run requested by alice");
    }

    /** A run deletes an item only if it is still as planned: what changed in between is left alone. */
    @Test
    void aPlanOverTakenByPushesDeletesNothingThatChanged() {
        String a = tagged("team/app", "a", 10);
        tagged("team/app", "b", 9);
        tagged("team/app", "c", 8);
        tagged("team/app", "keep", 1);
        String orphan = push("team/app", null, image("team/app", "orphan"));
        manifestPushedDaysAgo("team/app", orphan, 10);
        retention().setRules("team", List.of(new RetentionRule(List.of(), 1, null, List.of(), true)));
        RetentionPlan stale = retention().preview("team");
        assertThat(targets(stale.items())).contains("team/app:a", "team/app:b", "team/app:c", "team/app@" + orphan);

        push("team/app", "a", image("team/app", "team/app:a")); // pushed again: same digest, new push time
        immutableTags().setPatterns("team", List.of("b"));       // b became immutable
        push("team/app", "orphan-now-tagged", image("team/app", "orphan"));

        List<Outcome> outcomes = lifecycleStore().delete(stale.items(), Retention.ACTOR, "test");
        Map<String, Outcome> byTarget = new HashMap<>();
        for (int i = 0; i < outcomes.size(); i++) {
            byTarget.put(stale.items().get(i).target(), outcomes.get(i));
        }
        assertThat(byTarget).containsEntry("team/app:a", Outcome.CHANGED).containsEntry("team/app:b", Outcome.IMMUTABLE)
                .containsEntry("team/app:c", Outcome.DELETED).containsEntry("team/app@" + orphan, Outcome.CHANGED)
                .containsEntry("team/app@" + a, Outcome.CHANGED);
        assertThat(tags("team/app")).containsExactly("a", "b", "keep", "orphan-now-tagged");
        assertThat(manifestExists("team/app", orphan)).isTrue();
    }

    /** "Most recently pushed" counts pushes: a cache revalidation (touchTag) moves updated_at, not pushed_at. */
    @Test
    void aRevalidationIsNotAPush() {
        tagged("team/app", "older", 10);
        tagged("team/app", "newer", 5);
        server.server().metadata().touchTag("team/app", "older", System.currentTimeMillis());
        retention().setRules("team", List.of(keepLast(1)));
        assertThat(targets(retention().preview("team").items())).containsExactly("team/app:older");
        // A push of the same digest is a push.
        push("team/app", "older", image("team/app", "team/app:older"));
        assertThat(targets(retention().preview("team").items())).containsExactly("team/app:newer");
    }

    @Test
    void rulesAreCheckedStoredInOrderAndRunForAllNamespaces() {
        List<RetentionRule> rules = List.of(new RetentionRule(List.of("team/app*", "team/app*"), 5, 30, List.of("v*"), true),
                new RetentionRule(null, null, null, null, true));
        assertThat(retention().setRules("team", rules)).containsExactly(
                new RetentionRule(List.of("team/app*"), 5, 30, List.of("v*"), true), new RetentionRule(List.of(), null, null, List.of(), true));
        assertThat(retention().rules("team")).isEqualTo(retention().setRules("team", rules));
        assertThatThrownBy(() -> retention().setRules("team", List.of(new RetentionRule(List.of("other/*"), 1, null, null, false))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("rule 1: repository pattern \"other/*\" must be team or start with team/ (patterns match full repository names)");
        assertThatThrownBy(() -> retention().setRules("team", List.of(keepLast(1), new RetentionRule(null, null, null, null, false))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("rule 2 does nothing");
        assertThatThrownBy(() -> retention().setRules("team", List.of(keepLast(0)))).hasMessage("rule 1: keepLast must be from 1 to 100000");

        tagged("team/app", "a", 3);
        tagged("team/app", "b", 2);
        tagged("ops/tool", "x", 3);
        tagged("ops/tool", "y", 2);
        retention().setRules("team", List.of(keepLast(1)));
        retention().setRules("ops", List.of(keepLast(1)));
        RetentionPlan all = retention().previewAll();
        assertThat(targets(all.items())).containsExactly("ops/tool:x", "team/app:a");
        assertThat(retention().runAll("admin").deleted()).isEqualTo(all.items());
        retention().setRules("ops", List.of());
        assertThat(retention().rules("ops")).isEmpty();
    }

    /**
     * A real in-memory {@link LastPulled}, filled by the test — NOT A MOCK of a component we could run: the
     * batched pull recorder (migration V6) is being written by another helper and does not exist here yet.
     */
    static final class RecordedPulls implements LastPulled {
        private final Map<String, Map<String, Long>> tags = new HashMap<>();
        private final Map<String, Map<Digest, Long>> manifests = new HashMap<>();

        void tag(String repository, String tag, long at) {
            tags.computeIfAbsent(repository, k -> new HashMap<>()).put(tag, at);
        }

        void manifest(String repository, String digest, long at) {
            manifests.computeIfAbsent(repository, k -> new HashMap<>()).put(Digest.parse(digest), at);
        }

        @Override
        public OptionalLong lastPulled(String repository, String tag) {
            Long at = tags(repository).get(tag);
            return at == null ? OptionalLong.empty() : OptionalLong.of(at);
        }

        @Override
        public Map<String, Long> tags(String repository) {
            return tags.getOrDefault(repository, Map.of());
        }

        @Override
        public Map<Digest, Long> manifests(String repository) {
            return manifests.getOrDefault(repository, Map.of());
        }
    }

    /** The bytes of the manifest a tag points at. */
    private byte[] bytesOf(String repository, String tag) {
        return http.get("/v2/" + repository + "/manifests/" + tag, "Accept", OCI_MANIFEST).body();
    }

}
