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
}
