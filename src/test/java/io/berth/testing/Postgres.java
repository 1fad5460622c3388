package io.berth.testing;

import org.junit.jupiter.api.Assumptions;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * The machine's PostgreSQL (127.0.0.1:5432, trust auth). Each caller gets a fresh database, dropped
 * on close. Unreachable: the test is skipped, unless BERTH_REQUIRE_E2E=1 (CI), where it fails.
 */
public final class Postgres implements AutoCloseable {
    public static final String HOST = "127.0.0.1";
    public static final int PORT = 5432;
    private static final String ADMIN_URL = "jdbc:postgresql://" + HOST + ":" + PORT + "/postgres?user=postgres";
    private final String database;

    private Postgres(String database) {
        this.database = database;
    }

    public static Postgres freshDatabase() {
        String name = "berth_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        try (Connection c = DriverManager.getConnection(ADMIN_URL); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            if ("1".equals(System.getenv("BERTH_REQUIRE_E2E"))) {
                throw new AssertionError("PostgreSQL at " + HOST + ":" + PORT + " is required (BERTH_REQUIRE_E2E=1): " + e.getMessage(), e);
            }
            Assumptions.abort("PostgreSQL is not reachable: " + e.getMessage());
        }
        return new Postgres(name);
    }

    public String database() {
        return database;
    }

    /** A JDBC URL for this database through another port (e.g. a {@link TcpProxy}). */
    public String url(int port) {
        return "jdbc:postgresql://" + HOST + ":" + port + "/" + database + "?user=postgres&connectTimeout=3&socketTimeout=10";
    }

    public String url() {
        return url(PORT);
    }

    @Override
    public void close() {
        try (Connection c = DriverManager.getConnection(ADMIN_URL); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        } catch (SQLException ignored) {
            // best effort: a leftover test database is harmless
        }
    }
}
