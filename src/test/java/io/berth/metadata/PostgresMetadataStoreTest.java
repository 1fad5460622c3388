package io.berth.metadata;

import io.berth.metadata.jdbc.JdbcMetadataStore;
import io.berth.testing.Postgres;
import org.junit.jupiter.api.BeforeAll;

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
    protected void dropStore() {
        if (database != null) {
            Postgres.dropDatabase(database);
        }
    }
}
