package io.berth.auth;

import org.junit.jupiter.api.BeforeAll;

import java.util.Map;

/** {@link MaintenanceApiContract} with SQLite in the data directory. */
class MaintenanceApiOnSqliteTest extends MaintenanceApiContract {
    @BeforeAll
    static void start() {
        startServer(Map.of(), null);
    }
}
