package io.berth.metadata;

import io.berth.auth.AccessStore;
import io.berth.metadata.jdbc.JdbcMetadataStore;
import io.berth.oci.Digest;
import io.berth.testing.Postgres;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The metadata contract on PostgreSQL, each test in a database of its own, created and dropped here. */
class PostgresMetadataStoreTest extends MetadataStoreContract {
    private String database;

    @BeforeAll
    static void requirePostgres() {
        Postgres.require();
    }

    @Override
    protected MetadataStore openStore() {
        database = Postgres.createDatabase();
        return JdbcMetadataStore.postgres(Postgres.jdbcUrl(database), 8);
    }

    @Override
    protected String jdbcUrl() {
        return Postgres.jdbcUrl(database);
    }

    @Override
    protected void dropStore() {
        if (database != null) {
            Postgres.dropDatabase(database);
        }
    }

    /**
     * PostgreSQL runs writers concurrently (SQLite has one): a namespace delete must wait for a push into
     * it that is in flight, and then take what the push wrote, or a later repository of the same name
     * would see the old blob link.
     */
    @Test
    void aNamespaceDeleteWaitsForAPushInFlightAndLeavesNoLinkBehind() throws Exception {
        Digest first = blob("first");
        Digest inFlight = blob("in-flight");
        store.linkBlob("race/app", first, 1);
        try (Connection push = DriverManager.getConnection(Postgres.jdbcUrl(database)); Statement st = push.createStatement()) {
            push.setAutoCommit(false);
            // What linkBlob does for a second blob (its repository row held as ensureRepository holds it), not yet committed.
            st.execute("SELECT 1 FROM repositories WHERE name = 'race/app' FOR KEY SHARE");
            st.execute("INSERT INTO blobs (digest, size, created_at) VALUES ('" + inFlight + "', 1, 0)");
            st.execute("INSERT INTO repository_blobs (repository, digest, created_at) VALUES ('race/app', '" + inFlight + "', 0)");
            CompletableFuture<AccessStore.Deletion> deletion = CompletableFuture.supplyAsync(() -> access().deleteNamespace("race", true));
            Thread.sleep(500);
            assertThat(deletion).as("the delete waits for the push").isNotDone();
            push.commit();
            assertThat(deletion.get(30, TimeUnit.SECONDS).outcome()).isEqualTo(AccessStore.DeleteOutcome.DELETED);
        }
        store.linkBlob("race/app", blob("new"), 1);
        assertThat(store.linkedBlobSize("race/app", inFlight)).isEmpty();
        assertThat(store.linkedBlobSize("race/app", first)).isEmpty();
    }

    /**
     * The collector never waits for a push: a link a manifest push holds (FOR SHARE, as putManifest checks it) is
     * skipped by the sweep, and goes only once the push has committed — without its reference.
     */
    @Test
    void theSweepSkipsALinkAPushHoldsAndNeverWaitsForIt() throws Exception {
        Digest d = blob("held-by-a-push");
        store.linkBlob("race/held", d, 1);
        io.berth.metadata.GcStore gc = ((JdbcMetadataStore) store).gcStore();
        long now = System.currentTimeMillis();
        gc.condemn(gc.unreferencedLinks(Long.MAX_VALUE / 4), now, Long.MAX_VALUE / 4);
        try (Connection push = DriverManager.getConnection(Postgres.jdbcUrl(database)); Statement st = push.createStatement()) {
            push.setAutoCommit(false);
            st.execute("SELECT digest FROM repository_blobs WHERE repository = 'race/held' AND digest = '" + d + "' FOR SHARE");
            CompletableFuture<io.berth.metadata.GcStore.Swept> sweep = CompletableFuture.supplyAsync(
                    () -> gc.sweep(java.util.List.of(d), Long.MAX_VALUE / 4, Long.MAX_VALUE / 4, 0));
            assertThat(sweep.get(5, TimeUnit.SECONDS).unlinked()).as("skipped, not waited for").isEmpty();
            push.rollback();
        }
        assertThat(gc.sweep(java.util.List.of(d), Long.MAX_VALUE / 4, Long.MAX_VALUE / 4, 0).unlinked()).hasSize(1);
    }

    /**
     * A mount and an upload that reach a blob while a collector tombstones it wait for the collector, then see
     * what it committed: the mount finds nothing to mount, the upload takes the tombstoned row for its bytes.
     */
    @Test
    void writersWaitForATombstoneInFlightAndSeeItCommitted() throws Exception {
        Digest d = blob("tombstone-in-flight");
        store.linkBlob("race/src", d, 1);
        try (Connection collector = DriverManager.getConnection(Postgres.jdbcUrl(database)); Statement st = collector.createStatement()) {
            collector.setAutoCommit(false);
            // what GcStore.sweep does for a blob whose last link goes
            st.execute("SELECT state FROM blobs WHERE digest = '" + d + "' FOR UPDATE SKIP LOCKED");
            st.execute("DELETE FROM repository_blobs WHERE digest = '" + d + "'");
            st.execute("UPDATE blobs SET state = 'D', deleter = NULL WHERE digest = '" + d + "'");
            CompletableFuture<java.util.OptionalLong> mount = CompletableFuture.supplyAsync(() -> store.mountBlob("race/dst", d, "race/src"));
            CompletableFuture<MetadataStore.Placement> upload = CompletableFuture.supplyAsync(() -> store.reserveBlob("race/up", d, 1, null));
            Thread.sleep(500);
            assertThat(mount).as("the mount waits for the collector").isNotDone();
            assertThat(upload).as("the upload waits for the collector").isNotDone();
            collector.commit();
            assertThat(mount.get(30, TimeUnit.SECONDS)).isEmpty();
            assertThat(upload.get(30, TimeUnit.SECONDS)).isEqualTo(MetadataStore.Placement.PLACE);
        }
        assertThat(store.repositoryExists("race/dst")).isFalse();
        assertThat(((JdbcMetadataStore) store).gcStore().claimDeletions(1, 0, 0, 10)).as("the upload's now").isEmpty();
    }
}
