package io.berth.metadata;

import io.berth.registry.Digest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
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

    @Test
    void healthCheckPasses() {
        store.checkHealth();
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
