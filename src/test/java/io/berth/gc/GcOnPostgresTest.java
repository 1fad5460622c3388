package io.berth.gc;

import io.berth.testing.Postgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

import java.util.Map;

/** Garbage collection with PostgreSQL as the metadata store, each test in a database of its own. */
class GcOnPostgresTest extends GarbageCollectionContract {
    private String database;

    @BeforeAll
    static void requirePostgres() {
        Postgres.require();
    }

    @BeforeEach
    void createDatabase() {
        database = Postgres.createDatabase();
    }

    @AfterEach
    void dropDatabase() {
        Postgres.dropDatabase(database);
    }

    @Override
    protected Map<String, String> database() {
        return Map.of("BERTH_DATABASE_URL", Postgres.jdbcUrl(database));
    }
}
