package io.berth.metadata;

import io.berth.oci.ManifestRecord;

import io.berth.auth.AccessStore;
import io.berth.auth.Action;
import io.berth.auth.Role;
import io.berth.auth.TokenScope;
import io.berth.metadata.jdbc.JdbcMetadataStore;
import io.berth.oci.Digest;
import io.berth.stats.Counter;
import io.berth.stats.Counts;
import io.berth.stats.UsageStore;
import io.berth.testing.UsageRecount;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What every metadata store must do, run unchanged against SQLite and PostgreSQL. Each test gets a
 * fresh, empty, migrated database from {@link #openStore()}.
 */
public abstract class MetadataStoreContract {
    protected MetadataStore store;

    /** A store on a fresh, empty database. */
    protected abstract MetadataStore openStore() throws Exception;

    /** The JDBC URL of the database {@link #openStore()} opened, for reading its rows directly. */
    protected abstract String jdbcUrl();

    /** Drops what {@link #openStore()} created, after the store is closed. */
    protected void dropStore() throws Exception {
    }

    @BeforeEach
    void open() throws Exception {
        store = openStore();
    }

    @AfterEach
    void close() throws Exception {
        if (store != null) {
            store.close();
        }
        dropStore();
    }

    // --- repositories and blobs -------------------------------------------------------------

    @Test
    void linkingABlobCreatesTheRepository() {
        assertThat(store.repositoryExists("lib/app")).isFalse();
        Digest d = blob("layer");
        store.linkBlob("lib/app", d, 5);
        assertThat(store.repositoryExists("lib/app")).isTrue();
        assertThat(store.linkedBlobSize("lib/app", d)).hasValue(5);
        assertThat(store.blobSize(d)).hasValue(5);
        assertThat(store.linkedBlobSize("other", d)).isEmpty();

        store.linkBlob("lib/app", d, 5); // again: no error, nothing changes
        store.linkBlob("other", d, 5);
        assertThat(store.linkedBlobSize("other", d)).hasValue(5);
    }

    @Test
    void unlinkingABlobHidesItFromThatRepositoryOnly() {
        Digest d = blob("x");
        store.linkBlob("a", d, 1);
        store.linkBlob("b", d, 1);
        assertThat(store.unlinkBlob("a", d)).isTrue();
        assertThat(store.unlinkBlob("a", d)).isFalse();
        assertThat(store.linkedBlobSize("a", d)).isEmpty();
        assertThat(store.linkedBlobSize("b", d)).hasValue(1);
        assertThat(store.blobSize(d)).hasValue(1);
    }

    @Test
    void repositoriesAreInByteOrderWithPagination() {
        List<String> names = List.of("b", "a_b", "a-b", "a.b", "Z", "a/b", "a", "B/c", "a0");
        for (String n : names) {
            store.linkBlob(n, blob(n), 1);
        }
        List<String> sorted = new ArrayList<>(names);
        sorted.sort(null); // String order is byte order for ASCII
        assertThat(sorted).startsWith("B/c", "Z", "a", "a-b", "a.b", "a/b", "a0", "a_b", "b");
        assertThat(store.repositories(null, 100)).containsExactlyElementsOf(sorted);
        assertThat(store.repositories(null, 3)).containsExactly("B/c", "Z", "a");
        assertThat(store.repositories("a", 3)).containsExactly("a-b", "a.b", "a/b");
        assertThat(store.repositories("a/b", 100)).containsExactly("a0", "a_b", "b");
        assertThat(store.repositories("b", 100)).isEmpty();
        assertThat(store.repositories("A", 1)).containsExactly("B/c");
    }

    // --- garbage collection: the blob-row protocol and the collector's queries ---------------

    /** Cut-offs that make everything old enough. */
    private static final long FUTURE = Long.MAX_VALUE / 4;

    private GcStore gc() {
        return ((JdbcMetadataStore) store).gcStore();
    }

    /** A blob that was linked, unlinked and then swept: tombstoned, its bytes queued for deletion. */
    private Digest tombstoned(String seed, long size) {
        Digest d = blob(seed);
        store.linkBlob("a", d, size);
        store.unlinkBlob("a", d);
        assertThat(gc().sweep(List.of(d), FUTURE, FUTURE, 0).tombstoned()).containsExactly(new GcStore.BlobRow(d, size));
        return d;
    }

    @Test
    void aTombstonedBlobIsGoneForEveryReaderAndAReuploadMakesItLiveAgain() {
        Digest d = tombstoned("tombstoned", 5);
        assertThat(store.blobSize(d)).isEmpty();
        assertThat(store.linkStoredBlob("b", d)).isEmpty();
        assertThat(store.linkedBlobSize("b", d)).isEmpty();
        assertThat(store.repositoryExists("b")).isFalse();

        // an upload of the same bytes takes the row back from the outbox before it moves them into place
        assertThat(store.reserveBlob("a", d, 5, null)).isEqualTo(MetadataStore.Placement.PLACE);
        assertThat(gc().claimDeletions(7, System.currentTimeMillis(), 0, 100)).isEmpty();
        assertThat(gc().sweep(List.of(d), FUTURE, FUTURE, 0).tombstoned()).as("placing, and not for a day").isEmpty();
        store.linkBlob("a", d, 5);
        assertThat(store.linkedBlobSize("a", d)).hasValue(5);
        assertThat(gc().claimDeletions(7, System.currentTimeMillis(), 0, 100)).isEmpty();

        // stored again: the next upload is linked at once
        assertThat(store.reserveBlob("c", d, 5, null)).isEqualTo(MetadataStore.Placement.LINKED);
        assertThat(store.linkedBlobSize("c", d)).hasValue(5);
    }

    @Test
    void whileACollectorDeletesTheBytesEveryWriterWaits() {
        Digest d = tombstoned("being-deleted", 3);
        long now = System.currentTimeMillis();
        assertThat(gc().claimDeletions(42, now, 0, 100)).containsExactly(new GcStore.BlobRow(d, 3));
        assertThat(gc().claimDeletions(43, now, 0, 100)).as("claimed once").isEmpty();

        assertThat(store.reserveBlob("a", d, 3, null)).isEqualTo(MetadataStore.Placement.BUSY);
        assertThatThrownBy(() -> store.linkBlob("a", d, 3)).isInstanceOf(MetadataUnavailableException.class);
        assertThat(store.mountBlob("b", d, "a")).isEmpty();

        gc().unclaim(List.of(d), 99); // not its claim: nothing changes
        assertThat(store.reserveBlob("a", d, 3, null)).isEqualTo(MetadataStore.Placement.BUSY);
        gc().deleted(List.of(d), 42);
        assertThat(gc().knownBlobs("sha256:")).doesNotContain(d.toString());
        assertThat(store.reserveBlob("a", d, 3, null)).isEqualTo(MetadataStore.Placement.PLACE);
    }

    @Test
    void aFailedOrAbandonedDeletionIsTakenUpAgain() {
        Digest d = tombstoned("retried", 1);
        long now = System.currentTimeMillis();
        assertThat(gc().claimDeletions(1, now, 0, 10)).hasSize(1);
        gc().unclaim(List.of(d), 1);
        assertThat(gc().claimDeletions(2, now, 0, 10)).as("unclaimed: queued again").hasSize(1);
        assertThat(gc().claimDeletions(3, now, now - 1, 10)).as("a fresh claim is not stale").isEmpty();
        assertThat(gc().claimDeletions(3, now, now + 1, 10)).as("a stale one is taken over").hasSize(1);
    }

    @Test
    void onlyLinksThatAreCondemnedUnreferencedAndUnseenGo() {
        Digest shared = blob("shared-layer");
        Digest lone = blob("lone-layer");
        store.linkBlob("kept", shared, 10);
        store.linkBlob("idle", shared, 10);
        store.linkBlob("idle", lone, 20);
        store.putManifest(manifest("kept", "image", null, null), "v1", List.of(shared), List.of());
        long now = System.currentTimeMillis();

        List<MetadataStore.Link> stale = gc().unreferencedLinks(FUTURE);
        assertThat(stale).containsExactly(new MetadataStore.Link("idle", lone), new MetadataStore.Link("idle", shared));
        assertThat(gc().unreferencedLinks(0)).as("seen since").isEmpty();
        assertThat(gc().sweep(List.of(shared, lone), FUTURE, FUTURE, 0).unlinked()).as("not condemned yet").isEmpty();

        assertThat(gc().condemn(stale, now, FUTURE)).isEqualTo(2);
        assertThat(gc().sweepCandidates(now, FUTURE, 0)).contains(shared, lone);
        assertThat(gc().sweepCandidates(now - 1, 0, 0)).as("condemned too recently").isEmpty();
        GcStore.Swept swept = gc().sweep(List.of(lone, shared), now, FUTURE, 0);
        assertThat(swept.unlinked()).containsExactlyInAnyOrder(new MetadataStore.Link("idle", lone), new MetadataStore.Link("idle", shared));
        assertThat(swept.tombstoned()).as("the shared layer is still linked where it is used").containsExactly(new GcStore.BlobRow(lone, 20));
        assertThat(store.linkedBlobSize("kept", shared)).hasValue(10);
        assertThat(store.linkedBlobSize("idle", shared)).isEmpty();
    }

    @Test
    void aReadRescuesACondemnedLinkAndSeenMarksDoToo() {
        Digest d = blob("rescued");
        Digest e = blob("seen");
        store.linkBlob("r", d, 1);
        store.linkBlob("r", e, 1);
        long now = System.currentTimeMillis();
        assertThat(gc().condemn(gc().unreferencedLinks(FUTURE), now, FUTURE)).isEqualTo(2);

        assertThat(store.linkedBlobSize("r", d)).as("a HEAD of a condemned link").hasValue(1);
        store.recordBlobsSeen(List.of(new MetadataStore.Link("r", e)), now + 1);
        GcStore.Swept swept = gc().sweep(List.of(d, e), FUTURE, FUTURE, 0);
        assertThat(swept.unlinked()).isEmpty();
        assertThat(swept.tombstoned()).isEmpty();
        assertThat(gc().unreferencedLinks(now)).as("both seen after the condemnation").isEmpty();
    }

    @Test
    void aManifestPushedAfterTheCondemnationKeepsItsBlobs() {
        Digest d = blob("referenced-late");
        store.linkBlob("late", d, 1);
        long now = System.currentTimeMillis();
        gc().condemn(gc().unreferencedLinks(FUTURE), now, FUTURE);
        store.putManifest(manifest("late", "late-image", null, null), "v1", List.of(d), List.of());
        GcStore.Swept swept = gc().sweep(List.of(d), FUTURE, FUTURE, 0);
        assertThat(swept.unlinked()).isEmpty();
        assertThat(store.linkedBlobSize("late", d)).hasValue(1);
    }

    @Test
    void mountsNeedALiveBlobAndTheSourceLink() {
        Digest d = blob("mounted");
        store.linkBlob("src", d, 4);
        assertThat(store.mountBlob("dst", d, "src")).hasValue(4);
        assertThat(store.linkedBlobSize("dst", d)).hasValue(4);
        assertThat(store.mountBlob("dst2", d, "nowhere")).isEmpty();
        assertThat(store.repositoryExists("dst2")).isFalse();
        assertThat(store.mountBlob("dst2", blob("absent"), "src")).isEmpty();
    }

    @Test
    void orphansAreQueuedOnlyWhenTheMetadataDoesNotKnowThem() {
        Digest known = blob("known");
        Digest orphan = blob("orphan");
        store.linkBlob("o", known, 1);
        assertThat(gc().knownBlobs(known.toString().substring(0, 9))).contains(known.toString());
        assertThat(gc().queueOrphan(known, 1, 0)).isFalse();
        assertThat(gc().queueOrphan(orphan, 9, 0)).isTrue();
        assertThat(gc().queueOrphan(orphan, 9, 0)).isFalse();
        assertThat(store.blobSize(orphan)).isEmpty();
        assertThat(gc().claimDeletions(5, 0, 0, 10)).containsExactly(new GcStore.BlobRow(orphan, 9));
    }

    @Test
    void theDryRunsQueriesSeeWhatTheSweepWould() {
        Digest unused = blob("unused");
        Digest used = blob("used");
        store.linkBlob("d", unused, 3);
        store.linkBlob("d", used, 4);
        store.putManifest(manifest("d", "image", null, null), "v1", List.of(used), List.of());
        assertThat(gc().unreferencedBlobs(FUTURE, 0)).as("its stale link would go first").containsExactly(new GcStore.BlobRow(unused, 3));
        assertThat(gc().unreferencedBlobs(0, 0)).as("linked and seen since").isEmpty();
        store.unlinkBlob("d", unused);
        assertThat(gc().unreferencedBlobs(FUTURE, 0)).containsExactly(new GcStore.BlobRow(unused, 3));
        GcStore.BlobFacts facts = gc().blobFacts(used).orElseThrow();
        assertThat(facts.state()).isEqualTo('L');
        assertThat(facts.referencedBy()).hasSize(1);
        assertThat(facts.links()).extracting(GcStore.LinkSeen::repository).containsExactly("d");
        assertThat(gc().referencedBlobs()).isEqualTo(1);
    }

    @Test
    void untaggedManifestsGoOnlyWhenNothingHoldsThem() {
        Digest layer = blob("policy-layer");
        store.linkBlob("p", layer, 1);
        ManifestRecord child = manifest("p", "child", null, null);
        ManifestRecord index = manifest("p", "index", null, null);
        ManifestRecord tagged = manifest("p", "tagged", null, null);
        ManifestRecord referrer = manifest("p", "referrer", null, tagged.digest());
        store.putManifest(child, null, List.of(layer), List.of());
        store.putManifest(index, null, List.of(), List.of(child.digest()));
        store.putManifest(tagged, "v1", List.of(), List.of());
        store.putManifest(referrer, null, List.of(), List.of());
        assertThat(gc().graph("p").manifests()).hasSize(4);

        assertThat(gc().deleteUntaggedManifest("p", child.digest(), FUTURE)).as("an index holds it").isFalse();
        assertThat(gc().deleteUntaggedManifest("p", tagged.digest(), FUTURE)).as("tagged").isFalse();
        assertThat(gc().deleteUntaggedManifest("p", referrer.digest(), FUTURE)).as("its subject is stored").isFalse();
        assertThat(gc().deleteUntaggedManifest("p", index.digest(), 0)).as("too new").isFalse();
        assertThat(gc().deleteUntaggedManifest("p", index.digest(), FUTURE)).isTrue();
        assertThat(gc().deleteUntaggedManifest("p", child.digest(), FUTURE)).isTrue();
        assertThat(gc().deleteDanglingReferrer("p", referrer.digest(), FUTURE)).as("its subject is stored").isFalse();
        store.deleteManifest("p", tagged.digest());
        assertThat(gc().deleteDanglingReferrer("p", referrer.digest(), FUTURE)).isTrue();
        assertThat(store.referrers("p", tagged.digest(), null)).isEmpty();
    }

    @Test
    void oneCollectorHoldsTheLeaseAndRunsAreRecorded() {
        long now = System.currentTimeMillis();
        assertThat(gc().acquireLease("node-a", now, now + 60_000)).isTrue();
        assertThat(gc().acquireLease("node-b", now, now + 60_000)).isFalse();
        assertThat(gc().lease()).hasValueSatisfying(l -> assertThat(l.holder()).isEqualTo("node-a"));
        assertThat(gc().renewLease("node-b", now + 120_000)).isFalse();
        assertThat(gc().renewLease("node-a", now + 120_000)).isTrue();
        assertThat(gc().acquireLease("node-b", now + 130_000, now + 190_000)).as("expired: taken over").isTrue();
        assertThat(gc().renewLease("node-a", now + 200_000)).isFalse();
        gc().releaseLease("node-b");
        assertThat(gc().lease()).isEmpty();

        long dry = gc().startRun(now, true, "api", "node-a");
        long real = gc().startRun(now + 5, false, "schedule", "node-b");
        assertThat(real).isGreaterThan(dry);
        gc().finishRun(new GcStore.Run(real, now + 5, now + 10, false, "schedule", "node-b", 1, 2, 3, 4, 5, 6, 1, "boom", 7L, 8L));
        List<GcStore.Run> runs = gc().runs(10);
        assertThat(runs).extracting(GcStore.Run::id).containsExactly(real, dry);
        assertThat(runs.getFirst()).isEqualTo(new GcStore.Run(real, now + 5, now + 10, false, "schedule", "node-b", 1, 2, 3, 4, 5, 6, 1, "boom", 7L, 8L));
        assertThat(runs.getLast().finishedAt()).isNull();
        assertThat(runs.getLast().markMs()).as("unfinished: no phase times").isNull();
        assertThat(gc().lastCollectionStart()).hasValue(now + 5);
    }

    @Test
    void deletingARepositoryTakesEverythingButTheBlobs() {
        Digest d = blob("repository-layer");
        store.linkBlob("gone/app", d, 2);
        store.linkBlob("gone/app2", d, 2);
        store.putManifest(manifest("gone/app", "image", null, null), "v1", List.of(d), List.of());
        store.createUpload("u-1", "gone/app", Instant.now());
        assertThat(store.deleteRepository("gone/app")).isTrue();
        assertThat(store.deleteRepository("gone/app")).isFalse();
        assertThat(store.repositoryExists("gone/app")).isFalse();
        assertThat(store.tags("gone/app", null, 10)).isEmpty();
        assertThat(store.linkedBlobSize("gone/app", d)).isEmpty();
        assertThat(store.uploadRepository("u-1")).isEmpty();
        assertThat(store.linkedBlobSize("gone/app2", d)).as("a repository whose name extends it").hasValue(2);
        assertThat(store.blobSize(d)).hasValue(2);
        assertThat(gc().referencedBlobs()).isZero();
    }

    // --- manifests and tags -----------------------------------------------------------------

    @Test
    void putAndGetAManifestWithItsReferences() {
        Digest config = blob("config");
        Digest layer = blob("layer");
        store.linkBlob("app", config, 6);
        store.linkBlob("app", layer, 5);
        ManifestRecord m = manifest("app", "image-1", null, null);
        store.putManifest(m, "v1", List.of(config, layer, layer), List.of());

        ManifestRecord byDigest = store.manifest("app", m.digest()).orElseThrow();
        assertThat(byDigest.content()).isEqualTo(m.content());
        assertThat(byDigest.mediaType()).isEqualTo(m.mediaType());
        assertThat(byDigest.createdMillis()).isEqualTo(m.createdMillis());
        assertThat(byDigest.subject()).isNull();
        assertThat(store.manifestByTag("app", "v1")).hasValueSatisfying(r -> assertThat(r.digest()).isEqualTo(m.digest()));
        assertThat(store.manifest("other", m.digest())).isEmpty();
        assertThat(store.manifestByTag("app", "v2")).isEmpty();

        // an index referring to the image
        ManifestRecord index = manifest("app", "index-1", null, null);
        store.putManifest(index, "multi", List.of(), List.of(m.digest()));
        assertThat(store.manifestByTag("app", "multi")).isPresent();

        // the same manifest again: idempotent
        store.putManifest(m, null, List.of(config, layer), List.of());
        assertThat(store.manifest("app", m.digest())).isPresent();
    }

    @Test
    void onlyPushedRepositoriesCountAsLocalContentOfANamespace() {
        store.putManifest(manifest("team/app", "pushed", null, null), "v1", List.of(), List.of());
        store.putCachedManifest(manifest("team/cached", "cached", null, null), "v1", List.of(), List.of());
        store.putManifest(manifest("team_x/app", "other", null, null), "v1", List.of(), List.of());
        store.putManifest(manifest("teamy", "root", null, null), "v1", List.of(), List.of());
        assertThat(store.pushedRepositories("team")).containsExactly("team/app");
        assertThat(store.pushedRepositories("team_x")).containsExactly("team_x/app");
        assertThat(store.pushedRepositories("nobody")).isEmpty();
        assertThat(store.pushedRepositories("")).containsExactly("team/app", "team_x/app", "teamy");
    }

    @Test
    void manifestContentKeepsEveryByte() {
        byte[] content = new byte[256];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) i;
        }
        ManifestRecord m = new ManifestRecord("bytes", Digest.sha256(content), "application/vnd.oci.image.manifest.v1+json",
                content, null, null, "{\"a\":\"ü\"}", 42);
        store.putManifest(m, null, List.of(), List.of());
        ManifestRecord back = store.manifest("bytes", m.digest()).orElseThrow();
        assertThat(back.content()).isEqualTo(content);
        assertThat(back.annotations()).isEqualTo("{\"a\":\"ü\"}");
    }

    @Test
    void missingReferencesAreRefusedAndNothingIsWritten() {
        Digest present = blob("present");
        Digest absent = blob("absent");
        Digest absentChild = blob("child");
        store.linkBlob("refs", present, 1);
        ManifestRecord m = manifest("refs", "m", null, null);

        assertThatThrownBy(() -> store.putManifest(m, "t", List.of(present, absent), List.of(absentChild)))
                .isInstanceOfSatisfying(MissingReferencesException.class, e -> {
                    assertThat(e.missingBlobs()).containsExactly(absent);
                    assertThat(e.missingManifests()).containsExactly(absentChild);
                });
        assertThat(store.manifest("refs", m.digest())).isEmpty();
        assertThat(store.manifestByTag("refs", "t")).isEmpty();
        assertThat(store.tags("refs", null, 10)).isEmpty();

        // nor is a repository created by a refused push
        ManifestRecord lone = manifest("new/repo", "lone", null, null);
        assertThatThrownBy(() -> store.putManifest(lone, "t", List.of(absent), List.of()))
                .isInstanceOf(MissingReferencesException.class);
        assertThat(store.repositoryExists("new/repo")).isFalse();
        assertThat(store.repositories(null, 100)).containsExactly("refs");

        // a blob linked to another repository does not count
        store.linkBlob("elsewhere", absent, 1);
        assertThatThrownBy(() -> store.putManifest(m, "t", List.of(absent), List.of()))
                .isInstanceOf(MissingReferencesException.class);
    }

    @Test
    void tagsUpsertAndTheLastWriterWins() {
        ManifestRecord a = manifest("tags", "a", null, null);
        ManifestRecord b = manifest("tags", "b", null, null);
        store.putManifest(a, "latest", List.of(), List.of());
        store.putManifest(b, "latest", List.of(), List.of());
        assertThat(store.manifestByTag("tags", "latest").orElseThrow().digest()).isEqualTo(b.digest());
        store.putManifest(a, "latest", List.of(), List.of());
        assertThat(store.manifestByTag("tags", "latest").orElseThrow().digest()).isEqualTo(a.digest());
        assertThat(store.tags("tags", null, 10)).containsExactly("latest");
    }

    @Test
    void concurrentTagUpdatesAllSucceedAndOneWins() throws Exception {
        int writers = 8;
        List<ManifestRecord> manifests = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
            manifests.add(manifest("race", "m" + i, null, null));
        }
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (ManifestRecord m : manifests) {
                done.add(pool.submit(() -> {
                    go.await();
                    for (int round = 0; round < 10; round++) {
                        store.putManifest(m, "hot", List.of(), List.of());
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : done) {
                f.get(2, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        Set<Digest> all = new HashSet<>();
        manifests.forEach(m -> all.add(m.digest()));
        assertThat(all).contains(store.manifestByTag("race", "hot").orElseThrow().digest());
        // afterwards, a single writer's update is what everyone sees
        store.putManifest(manifests.get(3), "hot", List.of(), List.of());
        assertThat(store.manifestByTag("race", "hot").orElseThrow().digest()).isEqualTo(manifests.get(3).digest());
    }

    @Test
    void deletingAManifestRemovesItsTags() {
        ManifestRecord a = manifest("del", "a", null, null);
        ManifestRecord b = manifest("del", "b", null, null);
        store.putManifest(a, "one", List.of(), List.of());
        store.putManifest(a, "two", List.of(), List.of());
        store.putManifest(b, "three", List.of(), List.of());
        assertThat(store.deleteManifest("del", a.digest())).isTrue();
        assertThat(store.deleteManifest("del", a.digest())).isFalse();
        assertThat(store.manifest("del", a.digest())).isEmpty();
        assertThat(store.tags("del", null, 10)).containsExactly("three");
        assertThat(store.manifestByTag("del", "one")).isEmpty();
    }

    @Test
    void deletingATagKeepsTheManifest() {
        ManifestRecord a = manifest("dt", "a", null, null);
        store.putManifest(a, "x", List.of(), List.of());
        assertThat(store.deleteTag("dt", "x")).isTrue();
        assertThat(store.deleteTag("dt", "x")).isFalse();
        assertThat(store.manifest("dt", a.digest())).isPresent();
        assertThat(store.tags("dt", null, 10)).isEmpty();
    }

    @Test
    void tagsAreInByteOrderWithPagination() {
        ManifestRecord m = manifest("order", "m", null, null);
        List<String> tags = List.of("v1", "V1", "latest", "Latest", "a-b", "a_b", "a.b", "1.0", "10", "9");
        for (String t : tags) {
            store.putManifest(m, t, List.of(), List.of());
        }
        List<String> sorted = new ArrayList<>(tags);
        sorted.sort(null);
        assertThat(sorted).containsExactly("1.0", "10", "9", "Latest", "V1", "a-b", "a.b", "a_b", "latest", "v1");
        assertThat(store.tags("order", null, 100)).containsExactlyElementsOf(sorted);
        assertThat(store.tags("order", null, 2)).containsExactly("1.0", "10");
        assertThat(store.tags("order", "V1", 2)).containsExactly("a-b", "a.b");
        assertThat(store.tags("order", "a.b", 100)).containsExactly("a_b", "latest", "v1");
        assertThat(store.tags("order", "v1", 100)).isEmpty();
        assertThat(store.tags("nobody", null, 100)).isEmpty();
    }

    @Test
    void referrersWithAndWithoutArtifactType() {
        ManifestRecord subject = manifest("ref", "subject", null, null);
        store.putManifest(subject, "v1", List.of(), List.of());
        ManifestRecord sig = manifest("ref", "signature", "application/vnd.example.signature", subject.digest());
        ManifestRecord sbom = manifest("ref", "sbom", "application/vnd.example.sbom", subject.digest());
        ManifestRecord sbom2 = manifest("ref", "sbom2", "application/vnd.example.sbom", subject.digest());
        ManifestRecord unrelated = manifest("ref", "other", "application/vnd.example.sbom", blob("nothing"));
        for (ManifestRecord r : List.of(sig, sbom, sbom2, unrelated)) {
            store.putManifest(r, null, List.of(), List.of());
        }
        assertThat(store.referrers("ref", subject.digest(), null)).extracting(ManifestRecord::digest)
                .containsExactlyInAnyOrder(sig.digest(), sbom.digest(), sbom2.digest());
        assertThat(store.referrers("ref", subject.digest(), "application/vnd.example.sbom")).extracting(ManifestRecord::digest)
                .containsExactlyInAnyOrder(sbom.digest(), sbom2.digest());
        assertThat(store.referrers("ref", subject.digest(), "application/none")).isEmpty();
        assertThat(store.referrers("other-repo", subject.digest(), null)).isEmpty();
        ManifestRecord back = store.referrers("ref", subject.digest(), "application/vnd.example.signature").getFirst();
        assertThat(back.subject()).isEqualTo(subject.digest());
        assertThat(back.artifactType()).isEqualTo("application/vnd.example.signature");
    }

    // --- uploads ----------------------------------------------------------------------------

    @Test
    void uploadSessions() {
        Instant t0 = Instant.ofEpochMilli(1_700_000_000_000L);
        store.createUpload("u1", "repo/a", t0);
        store.createUpload("u2", "repo/b", t0.plusSeconds(60));
        store.createUpload("u3", "repo/a", t0.plusSeconds(120));
        assertThat(store.uploadRepository("u1")).hasValue("repo/a");
        assertThat(store.uploadRepository("nope")).isEmpty();
        assertThat(store.uploadsStartedBefore(t0.plusSeconds(90))).containsExactly("u1", "u2");
        assertThat(store.uploadsStartedBefore(t0)).isEmpty();
        store.deleteUpload("u1");
        store.deleteUpload("u1");
        assertThat(store.uploadRepository("u1")).isEmpty();
        assertThat(store.uploadsStartedBefore(t0.plusSeconds(1000))).containsExactly("u2", "u3");
    }

    // --- deleting namespaces and users (the access store on the same database) ---------------

    /** The access store on the same database as {@link #store}. */
    protected AccessStore access() {
        return ((JdbcMetadataStore) store).accessStore();
    }

    @Test
    void aNamespaceWithRepositoriesIsDeletedOnlyWhenForcedAndWithEverythingInIt() {
        AccessStore access = access();
        assertThat(access.createUser("owner", "hash", false)).isTrue();
        assertThat(access.createNamespace("ns", false, "owner")).isTrue();
        Digest layer = blob("ns-layer");
        store.linkBlob("ns/app", layer, 8);
        store.linkBlob("ns", layer, 8);
        ManifestRecord m = manifest("ns/app", "ns-image", null, null);
        store.putManifest(m, "v1", List.of(layer), List.of());
        store.createUpload("ns-upload", "ns/app", Instant.now());
        for (String neighbour : List.of("nsx/app", "ns-b", "ns.b/app", "ns_b")) {
            store.linkBlob(neighbour, layer, 8);
        }
        access.createToken(token("t-only", "owner", "only", List.of(new TokenScope("ns", EnumSet.of(Action.PULL)))));
        access.createToken(token("t-both", "owner", "both", List.of(new TokenScope("ns", EnumSet.of(Action.PULL)),
                new TokenScope("owner", EnumSet.of(Action.PULL)))));
        access.createToken(token("t-all", "owner", "all", List.of(new TokenScope("*", EnumSet.of(Action.PULL)))));

        assertThat(access.deleteNamespace("ns", false)).isEqualTo(new AccessStore.Deletion(AccessStore.DeleteOutcome.HOLDS_REPOSITORIES, 2));
        assertThat(store.manifestByTag("ns/app", "v1")).isPresent();
        assertThat(access.namespace("ns")).isPresent();

        assertThat(access.deleteNamespace("ns", true)).isEqualTo(new AccessStore.Deletion(AccessStore.DeleteOutcome.DELETED, 2));
        assertThat(store.repositories(null, 100)).containsExactly("ns-b", "ns.b/app", "ns_b", "nsx/app");
        assertThat(store.manifest("ns/app", m.digest())).isEmpty();
        assertThat(store.tags("ns/app", null, 10)).isEmpty();
        assertThat(store.tagVersion("ns/app")).isEmpty();
        assertThat(store.linkedBlobSize("ns/app", layer)).isEmpty();
        assertThat(store.linkedBlobSize("ns", layer)).isEmpty();
        assertThat(store.uploadRepository("ns-upload")).isEmpty();
        assertThat(store.blobSize(layer)).as("blob bytes are garbage collection's").hasValue(8);
        assertThat(store.linkedBlobSize("nsx/app", layer)).hasValue(8);
        assertThat(access.namespace("ns")).isEmpty();
        assertThat(access.members("ns")).isEmpty();
        assertThat(access.token("t-only").orElseThrow().revoked()).isTrue();
        assertThat(access.token("t-only").orElseThrow().scopes()).isEmpty();
        assertThat(access.token("t-both").orElseThrow().revoked()).isFalse();
        assertThat(access.token("t-both").orElseThrow().scopes()).extracting(TokenScope::namespace).containsExactly("owner");
        assertThat(access.token("t-all").orElseThrow().scopes()).extracting(TokenScope::namespace).containsExactly("*");
        assertThat(access.deleteNamespace("ns", true).outcome()).isEqualTo(AccessStore.DeleteOutcome.NOT_FOUND);

        // The name starts empty again, and an old tag list cached by version cannot match the new repository.
        store.putManifest(manifest("ns/app", "ns-image-2", null, null), "v2", List.of(), List.of());
        assertThat(store.tags("ns/app", null, 10)).containsExactly("v2");
        assertThat(store.manifest("ns/app", m.digest())).isEmpty();
    }

    @Test
    void aRecreatedRepositoryGetsAnotherTagVersion() {
        AccessStore access = access();
        store.putManifest(manifest("again/app", "a", null, null), "v1", List.of(), List.of());
        long before = store.tagVersion("again/app").orElseThrow();
        access.deleteNamespace("again", true);
        store.putManifest(manifest("again/app", "b", null, null), "v1", List.of(), List.of());
        assertThat(store.tagVersion("again/app").orElseThrow()).isNotEqualTo(before);
    }

    @Test
    void userNamesAndNamespaceNamesAreOneSpace() {
        AccessStore access = access();
        access.createNamespace("team", false, null);
        store.linkBlob("orphan/app", blob("orphan"), 1); // repositories without a namespace row take the name too
        assertThat(access.nameTaken("team")).isTrue();
        assertThat(access.nameTaken("orphan")).isTrue();
        assertThat(access.nameTaken("free")).isFalse();
        assertThat(access.createUser("team", "h", false)).isFalse();
        assertThat(access.createUser("orphan", "h", false)).isFalse();
        assertThat(access.members("team")).isEmpty();
        assertThat(access.upsertUserHash("team", "h")).isEqualTo(AccessStore.Upsert.REFUSED_NAMESPACE);
        assertThat(access.user("team")).isEmpty();
        assertThat(access.upsertUserHash("fresh", "h1")).isEqualTo(AccessStore.Upsert.CREATED);
        assertThat(access.upsertUserHash("fresh", "h2")).isEqualTo(AccessStore.Upsert.UPDATED);
        assertThat(access.user("fresh").orElseThrow().passwordHash()).isEqualTo("h2");
        assertThat(access.members("fresh")).extracting(AccessStore.Member::role).containsExactly(Role.OWNER);
        assertThat(access.createUser("fresh", "h", false)).isFalse();
    }

    @Test
    void deletingAUserTakesTheirNamespaceRolesAndTokens() {
        AccessStore access = access();
        access.createUser("leaver", "h", false);
        access.createUser("other", "h", false);
        access.setMember("other", "leaver", Role.READER);
        access.createToken(token("lt", "leaver", "ci", List.of(new TokenScope("leaver", EnumSet.of(Action.PULL)))));
        access.createToken(token("ot", "other", "ci", List.of(new TokenScope("leaver", EnumSet.of(Action.PULL)),
                new TokenScope("other", EnumSet.of(Action.PULL)))));
        store.linkBlob("leaver/app", blob("l"), 1);

        assertThat(access.deleteUser("leaver", false)).isEqualTo(new AccessStore.Deletion(AccessStore.DeleteOutcome.HOLDS_REPOSITORIES, 1));
        assertThat(access.user("leaver")).isPresent();
        assertThat(access.deleteUser("leaver", true)).isEqualTo(new AccessStore.Deletion(AccessStore.DeleteOutcome.DELETED, 1));
        assertThat(access.user("leaver")).isEmpty();
        assertThat(store.repositoryExists("leaver/app")).isFalse();
        assertThat(access.namespace("leaver")).isEmpty();
        assertThat(access.memberships("leaver")).isEmpty();
        assertThat(access.tokens("leaver")).isEmpty();
        assertThat(access.token("ot").orElseThrow().scopes()).extracting(TokenScope::namespace).containsExactly("other");
        assertThat(access.deleteUser("leaver", true).outcome()).isEqualTo(AccessStore.DeleteOutcome.NOT_FOUND);

        assertThat(access.createUser("leaver", "h", false)).isTrue();
        assertThat(access.memberships("leaver")).extracting(AccessStore.Member::namespace).containsExactly("leaver");
        assertThat(access.deleteUser("leaver", false).outcome()).as("an empty namespace needs no force").isEqualTo(AccessStore.DeleteOutcome.DELETED);
    }

    @Test
    void accessIsConfiguredByAnAdminOrAnyRoleBeyondPersonalOwnership() {
        AccessStore access = access();
        assertThat(access.accessConfigured()).isFalse();
        access.createUser("alice", "h", false);
        access.createUser("bob", "h", false);
        access.createNamespace("pushed", false, null); // an ownerless namespace, as a push in registry:2 mode makes
        assertThat(access.accessConfigured()).isFalse();
        access.setMember("alice", "bob", Role.READER);
        assertThat(access.accessConfigured()).isTrue();
        access.removeMember("alice", "bob");
        assertThat(access.accessConfigured()).isFalse();
        access.updateUser("bob", null, true, null);
        assertThat(access.accessConfigured()).isTrue();
    }

    private static AccessStore.ApiToken token(String id, String owner, String name, List<TokenScope> scopes) {
        return new AccessStore.ApiToken(id, owner, name, "secret-" + id, scopes, null, null, 1L, false);
    }

    @Test
    void healthCheckPasses() {
        store.checkHealth();
    }

    // --- browsing (the web UI's queries) ------------------------------------------------------

    private RepositoryBrowser browser() {
        return ((JdbcMetadataStore) store).browser();
    }

    @Test
    void theBrowserListsOnlyReadableNamespacesByKeysWithTagCounts() {
        Digest layer = blob("browse-layer");
        for (String repo : List.of("alpha/web", "alpha/db", "beta/app", "gamma", "al_pha/x")) {
            store.linkBlob(repo, layer, 7);
            store.putManifest(manifest(repo, "m-" + repo, null, null), "v1", List.of(layer), List.of());
        }
        store.putManifest(manifest("alpha/web", "m2", null, null), "v2", List.of(layer), List.of());
        RepositoryBrowser.Readable alphaAndGamma = RepositoryBrowser.Readable.only(Set.of("alpha", "gamma"));

        assertThat(browser().repositories(alphaAndGamma, null, null, 10)).extracting(RepositoryBrowser.RepositoryRow::name)
                .containsExactly("alpha/db", "alpha/web", "gamma");
        assertThat(browser().repositories(alphaAndGamma, null, null, 10).get(1).tags()).isEqualTo(2);
        assertThat(browser().repositories(alphaAndGamma, null, "alpha/db", 1)).extracting(RepositoryBrowser.RepositoryRow::name)
                .containsExactly("alpha/web");
        assertThat(browser().repositories(RepositoryBrowser.Readable.EVERYTHING, null, null, 10)).hasSize(5);
        assertThat(browser().repositories(RepositoryBrowser.Readable.only(Set.of()), null, null, 10)).isEmpty();
        // A search for "_" means the character, not LIKE's wildcard; and it never reaches past what is readable.
        assertThat(browser().repositories(RepositoryBrowser.Readable.EVERYTHING, "l_p", null, 10))
                .extracting(RepositoryBrowser.RepositoryRow::name).containsExactly("al_pha/x");
        assertThat(browser().repositories(alphaAndGamma, "app", null, 10)).isEmpty();
    }

    @Test
    void theBrowserPagesTagsByNameAndByPushTimeWithTheirContentSize() {
        Digest config = blob("c");
        Digest layer = blob("l");
        store.linkBlob("team/app", config, 100);
        store.linkBlob("team/app", layer, 1000);
        ManifestRecord image = manifest("team/app", "img", null, null);
        for (String tag : List.of("a", "b", "c", "d")) {
            store.putManifest(image, tag, List.of(config, layer), List.of());
        }
        store.touchTag("team/app", "a", 4_000);
        store.touchTag("team/app", "b", 2_000);
        store.touchTag("team/app", "c", 3_000);
        store.touchTag("team/app", "d", 3_000);
        ManifestRecord index = manifest("team/app", "idx", null, null);
        store.putManifest(index, "multi", List.of(), List.of(image.digest()));
        store.touchTag("team/app", "multi", 1_000);

        var byName = browser().tags("team/app", RepositoryBrowser.TagOrder.NAME, null, 2);
        assertThat(byName).extracting(RepositoryBrowser.TagRow::tag).containsExactly("a", "b");
        assertThat(byName.getFirst().contentBytes()).isEqualTo(1100);
        assertThat(byName.getFirst().manifestSize()).isEqualTo(image.size());
        assertThat(browser().tags("team/app", RepositoryBrowser.TagOrder.NAME, byName.get(1).cursor(RepositoryBrowser.TagOrder.NAME), 10))
                .extracting(RepositoryBrowser.TagRow::tag).containsExactly("c", "d", "multi");

        var recent = browser().tags("team/app", RepositoryBrowser.TagOrder.RECENT, null, 2);
        assertThat(recent).extracting(RepositoryBrowser.TagRow::tag).containsExactly("a", "c");
        assertThat(browser().tags("team/app", RepositoryBrowser.TagOrder.RECENT, recent.get(1).cursor(RepositoryBrowser.TagOrder.RECENT), 10))
                .extracting(RepositoryBrowser.TagRow::tag).containsExactly("d", "b", "multi");
        // An index counts its children's content.
        assertThat(browser().tags("team/app", RepositoryBrowser.TagOrder.NAME, "d", 1).getFirst().contentBytes()).isEqualTo(1100);
        assertThat(browser().tagCount("team/app")).isEqualTo(5);
        assertThat(browser().tagCount("team/none")).isZero();
    }

    @Test
    void theBrowserFindsEveryRepositoryAndTagHoldingADigestWithinWhatIsReadable() {
        Digest shared = blob("shared-layer");
        ManifestRecord a = manifest("pub/a", "a", null, null);
        ManifestRecord b = manifest("priv/b", "b", null, null);
        store.linkBlob("pub/a", shared, 5);
        store.linkBlob("priv/b", shared, 5);
        store.putManifest(a, "1.0", List.of(shared), List.of());
        store.putManifest(b, "2.0", List.of(shared), List.of());
        ManifestRecord index = manifest("pub/a", "index", null, null);
        store.putManifest(index, "multi", List.of(), List.of(a.digest()));

        assertThat(browser().containing(RepositoryBrowser.Readable.EVERYTHING, shared, 10))
                .extracting(h -> h.repository() + ":" + h.tag() + ":" + h.via())
                .containsExactly("priv/b:2.0:blob", "pub/a:1.0:blob");
        assertThat(browser().containing(RepositoryBrowser.Readable.only(Set.of("pub")), shared, 10))
                .extracting(RepositoryBrowser.Hit::repository).containsExactly("pub/a");
        assertThat(browser().containing(RepositoryBrowser.Readable.only(Set.of("pub")), a.digest(), 10))
                .extracting(h -> h.tag() + ":" + h.via()).containsExactlyInAnyOrder("1.0:manifest", "multi:child");
        assertThat(browser().tagsMatching(RepositoryBrowser.Readable.only(Set.of("pub")), ".0", 10))
                .extracting(h -> h.repository() + ":" + h.tag()).containsExactly("pub/a:1.0");
    }

    @Test
    void theBrowserTellsAManifestsTagsItsChildrensContentAndWhatDeletingItWouldFreeInTheWholeRegistry() {
        Digest config = blob("img-config");
        Digest own = blob("img-own-layer");
        Digest shared = blob("shared-with-another-repository");
        Digest sibling = blob("shared-within-the-repository");
        store.linkBlob("team/app", config, 100);
        store.linkBlob("team/app", own, 1000);
        store.linkBlob("team/app", shared, 500);
        store.linkBlob("team/app", sibling, 70);
        store.linkBlob("other/x", shared, 500);
        ManifestRecord image = manifest("team/app", "img", null, null);
        store.putManifest(image, "1.0", List.of(config, own, shared, sibling), List.of());
        store.putManifest(image, "latest", List.of(config, own, shared, sibling), List.of());
        store.putManifest(manifest("team/app", "img-sibling", null, null), null, List.of(sibling), List.of());
        store.putManifest(manifest("other/x", "x", null, null), "1", List.of(shared), List.of());

        assertThat(browser().tagsOf("team/app", image.digest(), 10)).containsExactly("1.0", "latest");
        assertThat(browser().tagsOf("team/app", image.digest(), 1)).containsExactly("1.0");
        assertThat(browser().tagsOf("other/x", image.digest(), 10)).isEmpty();
        // Blobs another manifest references — in another repository, or the same one — stay.
        assertThat(browser().freedBy("team/app", image.digest(), RepositoryBrowser.Readable.EVERYTHING)).containsExactlyInAnyOrderElementsOf(
                List.of(new RepositoryBrowser.Sized(config, 100), new RepositoryBrowser.Sized(own, 1000)));
        // A viewer who may not read other/x learns nothing of it: its use of the shared blob does not count.
        assertThat(browser().freedBy("team/app", image.digest(), RepositoryBrowser.Readable.only(java.util.Set.of("team"))))
                .extracting(RepositoryBrowser.Sized::digest).containsExactlyInAnyOrder(config, own, shared);

        // An index: its children's blobs count, unless the child is kept (tagged, or in another index).
        Digest armConfig = blob("arm-config");
        Digest armLayer = blob("arm-layer");
        store.linkBlob("team/app", armConfig, 10);
        store.linkBlob("team/app", armLayer, 2000);
        ManifestRecord arm = manifest("team/app", "arm", null, null);
        store.putManifest(arm, null, List.of(armConfig, armLayer), List.of());
        ManifestRecord index = manifest("team/app", "index", null, null);
        store.putManifest(index, "multi", List.of(), List.of(image.digest(), arm.digest()));
        assertThat(browser().childContent("team/app", index.digest())).containsExactlyInAnyOrder(
                new RepositoryBrowser.Sized(image.digest(), 1670), new RepositoryBrowser.Sized(arm.digest(), 2010));
        assertThat(browser().freedBy("team/app", index.digest(), RepositoryBrowser.Readable.EVERYTHING)).extracting(RepositoryBrowser.Sized::digest)
                .containsExactlyInAnyOrder(armConfig, armLayer); // the amd64 image is tagged: it stays
        ManifestRecord other = manifest("team/app", "other-index", null, null);
        store.putManifest(other, null, List.of(), List.of(arm.digest()));
        assertThat(browser().freedBy("team/app", index.digest(), RepositoryBrowser.Readable.EVERYTHING)).isEmpty();
        assertThat(browser().freedBy("team/app", blob("no such manifest"), RepositoryBrowser.Readable.EVERYTHING)).isEmpty();
        assertThat(browser().childContent("team/app", image.digest())).isEmpty();
    }

    // --- usage counters ---------------------------------------------------------------------

    private UsageStore usage() {
        return ((JdbcMetadataStore) store).usageStore();
    }

    private void assertCountersMatchARecount(String after) {
        assertThat(usage().counters()).as("counters after %s", after).isEqualTo(UsageRecount.of(jdbcUrl()));
    }

    @Test
    void usageCountersStayExactThroughRetentionDeletesAndARepositoryDelete() {
        Digest layer = blob("counted-layer");
        Digest other = blob("counted-other");
        for (String repo : List.of("keep/app", "keep/gone")) {
            store.linkBlob(repo, layer, 10);
            store.linkBlob(repo, other, 20);
        }
        ManifestRecord tagged = manifest("keep/app", "tagged", null, null);
        ManifestRecord untagged = manifest("keep/app", "untagged", null, null);
        store.putManifest(tagged, "v1", List.of(layer), List.of());
        store.putManifest(untagged, null, List.of(other), List.of());
        store.putManifest(manifest("keep/gone", "gone", null, null), "v1", List.of(layer, other), List.of());
        assertCountersMatchARecount("pushes");

        // What a retention run deletes: a tag, then an untagged manifest, each as planned.
        var lifecycle = ((JdbcMetadataStore) store).lifecycleStore();
        assertThat(lifecycle.delete(List.of(
                        new io.berth.lifecycle.RetentionPlan.Item("keep/app", "v1", tagged.digest(), tagged.createdMillis(), null, "test"),
                        new io.berth.lifecycle.RetentionPlan.Item("keep/app", null, untagged.digest(), untagged.createdMillis(), null, "test")),
                "retention", "test"))
                .containsOnly(io.berth.lifecycle.LifecycleStore.Outcome.DELETED);
        assertCountersMatchARecount("retention deletes");

        assertThat(store.deleteRepository("keep/gone")).isTrue();
        assertCountersMatchARecount("a repository delete");
        assertThat(store.deleteRepository("keep/gone")).isFalse();
    }

    @Test
    void cacheEvictionDeletesOnlyWhatTheCacheFilledAndNobodyUsedSinceAndCountsIt() {
        Digest layer = blob("cached-layer");
        store.linkBlob("up/app", layer, 10);
        ManifestRecord cached = manifest("up/app", "cached", null, null);
        store.putCachedManifest(cached, "1", List.of(layer), List.of());
        store.linkBlob("up2/own", layer, 10);
        ManifestRecord own = manifest("up2/own", "own", null, null);
        store.putManifest(own, "1", List.of(layer), List.of());
        assertThat(gc().cachedRepositories("")).containsExactly("up/app");
        assertThat(gc().cachedRepositories("up")).containsExactly("up/app");
        assertThat(gc().cachedRepositories("up2")).as("pushed to: the operator's own").isEmpty();
        GcStore.CacheGraph graph = gc().cacheGraph("up/app");
        assertThat(graph.tags()).singleElement().satisfies(t -> assertThat(t.digest()).isEqualTo(cached.digest()));
        assertCountersMatchARecount("a cache fill");

        assertThat(gc().evictTag("up2/own", "1", own.digest(), FUTURE)).as("a pushed repository").isFalse();
        assertThat(gc().evictManifest("up/app", cached.digest(), FUTURE)).as("still tagged").isFalse();
        assertThat(gc().evictTag("up/app", "1", cached.digest(), 0)).as("used since").isFalse();
        assertThat(gc().evictTag("up/app", "1", cached.digest(), FUTURE)).isTrue();
        assertCountersMatchARecount("a tag evicted");
        assertThat(gc().evictManifest("up/app", cached.digest(), 0)).as("filled since").isFalse();
        assertThat(gc().evictManifest("up/app", cached.digest(), FUTURE)).isTrue();
        assertCountersMatchARecount("a manifest evicted");
        assertThat(store.manifest("up2/own", own.digest())).isPresent();
        assertThat(gc().evictManifest("up2/own", own.digest(), FUTURE)).isFalse();
    }

    @Test
    void usageCountersEqualARecountOfTheRowsAfterEveryKindOfWrite() {
        AccessStore access = access();
        assertCountersMatchARecount("nothing");
        access.createUser("alice", "hash", false);
        access.createUser("bob", "hash", true);
        access.createNamespace("team", false, "alice");
        access.setMember("team", "bob", Role.WRITER);
        access.setMember("team", "bob", Role.READER); // a changed role is no new grant
        access.createNamespace("empty", true, null);
        access.createToken(token("t1", "alice", "ci", List.of(new TokenScope("team", EnumSet.of(Action.PULL)))));
        assertCountersMatchARecount("users, namespaces, grants, tokens");

        Digest config = blob("config");
        Digest layer = blob("layer");
        Digest shared = blob("shared");
        store.linkBlob("team/app", config, 6);
        store.linkBlob("team/app", layer, 5);
        store.linkBlob("team/app", layer, 5); // again: nothing changes
        store.linkBlob("team/app", shared, 100);
        store.linkBlob("team/web", shared, 100); // a mount: the namespace holds it once
        store.linkBlob("bob/tool", shared, 100);
        store.linkBlob("loose", layer, 5); // a repository outside any namespace row
        store.createUpload("u1", "team/app", Instant.now());
        store.linkUploadedBlob("team/app", blob("uploaded"), 7, "u1");
        assertCountersMatchARecount("links and mounts");

        ManifestRecord image = manifest("team/app", "image", "application/vnd.oci.image.config.v1+json", null);
        store.putManifest(image, "v1", List.of(config, layer), List.of());
        store.putManifest(image, "v1", List.of(config, layer), List.of()); // the same push again
        store.putManifest(image, "latest", List.of(config, layer), List.of());
        ManifestRecord helm = manifest("team/app", "chart", "application/vnd.cncf.helm.config.v1+json", null);
        store.putManifest(helm, "chart", List.of(config), List.of());
        ManifestRecord signature = manifest("team/app", "sig", "application/vnd.dev.cosign.artifact.sig.v1+json", image.digest());
        store.putManifest(signature, null, List.of(), List.of());
        byte[] indexJson = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[]}")
                .getBytes(StandardCharsets.UTF_8);
        ManifestRecord index = new ManifestRecord("team/app", Digest.sha256(indexJson), "application/vnd.oci.image.index.v1+json",
                indexJson, null, null, null, 1L);
        store.putManifest(index, "multi", List.of(), List.of(image.digest()));
        store.putManifest(index, "latest", List.of(), List.of(image.digest())); // a tag moves
        store.putManifest(manifest("team/web", "web", null, null), "v1", List.of(shared), List.of());
        store.putCachedManifest(manifest("cache/library/alpine", "alpine", null, null), "3", List.of(blob("not-here")), List.of());
        assertCountersMatchARecount("manifests, tags and tag moves");

        assertThat(store.deleteTag("team/app", "chart")).isTrue();
        assertThat(store.deleteTag("team/app", "chart")).isFalse();
        assertThat(store.deleteManifest("team/app", image.digest())).isTrue(); // with its tag v1
        assertThat(store.deleteManifest("team/app", image.digest())).isFalse();
        assertThat(store.unlinkBlob("team/web", shared)).isTrue(); // team/app still holds it
        assertThat(store.unlinkBlob("team/app", layer)).isTrue();
        assertThat(store.unlinkBlob("team/app", layer)).isFalse();
        assertCountersMatchARecount("deletes and unlinks");
        assertThat(usage().counters().namespaces().get("team").get(Counter.BLOBS)).isEqualTo(3); // config, shared, uploaded
        assertThat(usage().namespace("team")).isEqualTo(usage().counters().namespaces().get("team"));
        assertThat(usage().namespace("team").uniqueBytes()).isEqualTo(6 + 100 + 7 + helm.size() + signature.size() + index.size()
                + manifest("team/web", "web", null, null).size());
        assertThat(usage().namespace("nobody")).isEqualTo(Counts.ZERO);

        assertThat(access.deleteUser("bob", true).outcome()).isEqualTo(AccessStore.DeleteOutcome.DELETED);
        assertCountersMatchARecount("a user deleted with their namespace");
        assertThat(access.removeMember("team", "bob")).isFalse();
        assertThat(access.deleteNamespace("team", true).outcome()).isEqualTo(AccessStore.DeleteOutcome.DELETED);
        assertThat(access.deleteNamespace("empty", false).outcome()).isEqualTo(AccessStore.DeleteOutcome.DELETED);
        assertCountersMatchARecount("namespaces force-deleted");
        assertThat(usage().counters().namespaces()).containsOnlyKeys("alice", "cache", "loose");

        store.linkBlob("team/app", layer, 5); // a repository of the name again starts from nothing
        assertCountersMatchARecount("a repository created again");
    }

    @Test
    void reconcileSetsCorruptedCountersRightAndSaysWhich() throws Exception {
        Digest layer = blob("layer");
        store.linkBlob("team/app", layer, 5);
        store.linkBlob("team/web", layer, 5);
        store.putManifest(manifest("team/app", "m", null, null), "v1", List.of(layer), List.of());
        access().createUser("alice", "hash", false);
        UsageStore.Stored right = UsageRecount.of(jdbcUrl());
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(jdbcUrl()); java.sql.Statement st = c.createStatement()) {
            st.executeUpdate("UPDATE usage_counters SET tags = tags + 7, users = 40 WHERE scope = ''");
            st.executeUpdate("UPDATE namespace_blobs SET refs = 1"); // as if team/web's link were not counted
            st.executeUpdate("INSERT INTO usage_counters (scope, shard, repositories) VALUES ('ghost', 3, 2)");
        }
        assertThat(usage().counters()).isNotEqualTo(right);

        UsageStore.Reconciliation r = usage().reconcile();
        assertThat(r.corrected()).containsExactly("", "ghost");
        assertThat(r.after()).isEqualTo(right);
        assertCountersMatchARecount("reconcile");
        assertThat(usage().reconcile().corrected()).isEmpty();
        // the blob references are right again: unlinking one of two keeps the blob in the namespace
        store.unlinkBlob("team/web", layer);
        assertCountersMatchARecount("an unlink after reconcile");
        assertThat(usage().counters().namespaces().get("team").get(Counter.BLOBS)).isEqualTo(1);
    }

    @Test
    void concurrentWritesKeepTheCountersExact() throws Exception {
        int threads = 8;
        int rounds = 40;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int worker = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < rounds; i++) {
                        String repo = "ns" + (i % 3) + "/r" + ((worker + i) % 4);
                        Digest shared = blob("shared" + (i % 5));
                        store.linkBlob(repo, shared, 10 + i % 5);
                        store.linkBlob(repo, blob("own" + worker + "-" + i), 3);
                        ManifestRecord m = manifest(repo, "m" + worker + "-" + i, null, null);
                        try {
                            store.putManifest(m, "t" + (i % 6), List.of(shared), List.of());
                        } catch (MissingReferencesException unlinkedMeanwhile) {
                            continue; // another writer unlinked the shared blob: refused, nothing written
                        }
                        if (i % 4 == 3) {
                            store.deleteManifest(repo, m.digest());
                            store.unlinkBlob(repo, shared);
                        }
                        if (i % 7 == 6) {
                            store.deleteTag(repo, "t" + (i % 6));
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertCountersMatchARecount("concurrent writers");
        assertThat(usage().reconcile().corrected()).isEmpty();
    }

    @Test
    void pullBatchesAddUpAndLastPulledOnlyMovesForward() {
        Digest layer = blob("layer");
        store.linkBlob("team/app", layer, 5);
        ManifestRecord m = manifest("team/app", "m", null, null);
        store.putManifest(m, "v1", List.of(layer), List.of());
        long day = 20_000;
        UsageStore u = usage();
        u.record(List.of(new UsageStore.DayCount(day, "", 1, 3), new UsageStore.DayCount(day, "team", 1, 3)),
                List.of(new UsageStore.Pull("team/app", m.digest().toString(), 2_000)), List.of(new UsageStore.Pull("team/app", "v1", 2_000)), 0);
        u.record(List.of(new UsageStore.DayCount(day, "", 0, 2), new UsageStore.DayCount(day - 100, "", 5, 5)),
                List.of(new UsageStore.Pull("team/app", m.digest().toString(), 1_000), // another node, behind: ignored
                        new UsageStore.Pull("team/app", blob("gone").toString(), 3_000)), // deleted meanwhile: left out
                List.of(new UsageStore.Pull("team/app", "v1", 5_000), new UsageStore.Pull("team/app", "nope", 5_000)), day - 50);
        assertThat(u.daily(day - 200)).containsExactly(new UsageStore.DayCount(day, "", 1, 5), new UsageStore.DayCount(day, "team", 1, 3));
        assertThat(u.manifestLastPulled("team/app", m.digest())).hasValue(2_000);
        assertThat(u.manifestLastPulled("team/app", blob("gone"))).isEmpty();
        assertThat(u.tagLastPulled("team/app", "v1")).hasValue(5_000);
        assertThat(u.tagLastPulled("team/app", "nope")).isEmpty();
        store.deleteTag("team/app", "v1");
        assertThat(u.tagLastPulled("team/app", "v1")).as("a deleted tag's pulls go with it").isEmpty();
        store.deleteManifest("team/app", m.digest());
        assertThat(u.manifestLastPulled("team/app", m.digest())).isEmpty();
    }

    // --- helpers ----------------------------------------------------------------------------

    protected static Digest blob(String seed) {
        return Digest.sha256(seed.getBytes(StandardCharsets.UTF_8));
    }

    private static ManifestRecord manifest(String repository, String seed, String artifactType, Digest subject) {
        byte[] content = ("{\"schemaVersion\":2,\"seed\":\"" + seed + "\"}").getBytes(StandardCharsets.UTF_8);
        return new ManifestRecord(repository, Digest.sha256(content), "application/vnd.oci.image.manifest.v1+json",
                content, artifactType, subject, null, 1_700_000_000_123L);
    }
}
