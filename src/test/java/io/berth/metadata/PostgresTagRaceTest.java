package io.berth.metadata;

import io.berth.metadata.jdbc.JdbcMetadataStore;
import io.berth.oci.Digest;
import io.berth.oci.ManifestRecord;
import io.berth.testing.Postgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * On PostgreSQL a manifest delete and a push of the same manifest under a tag run concurrently: whichever
 * order they interleave in, the tag never ends up pointing at a manifest that is gone. The other side of
 * each race is a transaction on a raw connection, held open at the interesting point.
 */
class PostgresTagRaceTest {
    private String database;
    private JdbcMetadataStore store;

    @BeforeEach
    void open() {
        Postgres.require();
        database = Postgres.createDatabase();
        store = JdbcMetadataStore.postgres(Postgres.jdbcUrl(database), 4);
    }

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
        if (database != null) {
            Postgres.dropDatabase(database);
        }
    }

    /** A manifest stored untagged in race/app. */
    private ManifestRecord stored() {
        byte[] content = "{\"schemaVersion\":2}".getBytes(StandardCharsets.UTF_8);
        ManifestRecord m = new ManifestRecord("race/app", Digest.sha256(content), "application/vnd.oci.image.manifest.v1+json", content,
                null, null, null, System.currentTimeMillis());
        store.putManifest(m, null, List.of(), List.of());
        return m;
    }

    /** A raw connection in a transaction: the other side of the race. */
    private Connection transaction() throws java.sql.SQLException {
        Connection c = DriverManager.getConnection(Postgres.jdbcUrl(database));
        c.setAutoCommit(false);
        return c;
    }

    @Test
    void aDeleteWaitsForAPushTaggingTheManifestAndTakesTheTagAlong() throws Exception {
        ManifestRecord m = stored();
        try (Connection push = transaction(); Statement st = push.createStatement()) {
            // What a push under a tag holds before it commits: the manifest row FOR SHARE, and its new tag.
            st.execute("SELECT 1 FROM manifests WHERE repository = 'race/app' AND digest = '" + m.digest() + "' FOR SHARE");
            st.execute("INSERT INTO tags (repository, name, digest, updated_at, pushed_at) VALUES ('race/app', 'v1', '" + m.digest() + "', 0, 0)");
            CompletableFuture<Boolean> delete = CompletableFuture.supplyAsync(() -> store.deleteManifest("race/app", m.digest()));
            Thread.sleep(500);
            assertThat(delete).as("the delete waits for the push").isNotDone();
            push.commit();
            assertThat(delete.get(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(store.tags("race/app", null, 10)).as("no tag left pointing at nothing").isEmpty();
        assertThat(store.manifestByTag("race/app", "v1")).isEmpty();
    }

    @Test
    void aPushWhoseManifestIsDeletedUnderItStoresItAgain() throws Exception {
        ManifestRecord m = stored();
        try (Connection delete = transaction(); Statement st = delete.createStatement()) {
            // A delete that has locked the row (as deleteManifest does first) but not yet removed it.
            st.execute("SELECT 1 FROM manifests WHERE repository = 'race/app' AND digest = '" + m.digest() + "' FOR UPDATE");
            CompletableFuture<Void> push = CompletableFuture.runAsync(() -> store.putManifest(m, "v1", List.of(), List.of()));
            Thread.sleep(500);
            assertThat(push).as("the push waits for the delete").isNotDone();
            st.execute("DELETE FROM manifest_references WHERE repository = 'race/app' AND manifest_digest = '" + m.digest() + "'");
            st.execute("DELETE FROM manifests WHERE repository = 'race/app' AND digest = '" + m.digest() + "'");
            delete.commit();
            push.get(30, TimeUnit.SECONDS);
        }
        assertThat(store.manifestByTag("race/app", "v1")).as("the tag's manifest is there").isPresent();
    }
}
