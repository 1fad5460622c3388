package io.berth.auth;

import io.berth.testing.Postgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.util.Map;

/** {@link MaintenanceApiContract} with PostgreSQL as the metadata store, in a database of its own. */
class MaintenanceApiOnPostgresTest extends MaintenanceApiContract {
    private static String database;

    @BeforeAll
    static void start() {
        Postgres.require();
        database = Postgres.createDatabase();
        startServer(Map.of("BERTH_DATABASE_URL", Postgres.jdbcUrl(database)), Postgres.jdbcUrl(database));
    }

    @AfterAll
    static void drop() {
        stopServer();
        server = null;
        if (database != null) {
            Postgres.dropDatabase(database);
        }
    }
}
