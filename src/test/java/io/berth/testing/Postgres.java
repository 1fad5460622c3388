package io.berth.testing;

import org.junit.jupiter.api.Assumptions;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * Throwaway PostgreSQL databases for tests. The server is BERTH_TEST_POSTGRES_URL (a jdbc:postgresql://
 * URL to an existing database, used only to create and drop test databases), by default the local one
 * with trust authentication. When it cannot be reached, tests are skipped, or fail when
 * BERTH_REQUIRE_E2E=1 (as in CI): CI must never pass by skipping.
 */
public final class Postgres {
    public static final String ADMIN_URL = System.getenv().getOrDefault("BERTH_TEST_POSTGRES_URL",
            "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres");

    private Postgres() {
    }

    public static void require() {
        try (Connection c = DriverManager.getConnection(ADMIN_URL)) {
            c.isValid(5);
        } catch (SQLException e) {
            String why = "PostgreSQL is not reachable at " + ADMIN_URL.replaceAll("password=[^&]*", "password=***")
                    + " (" + e.getMessage() + ")";
            if ("1".equals(System.getenv("BERTH_REQUIRE_E2E"))) {
                throw new AssertionError(why + ", and BERTH_REQUIRE_E2E=1 requires the PostgreSQL tests to run", e);
            }
            Assumptions.abort(why + "; PostgreSQL tests skipped");
        }
    }

    /**
     * Creates an empty database and returns its name. Its default collation is a natural-language one
     * where the server has ICU (en-US: "a" before "B"), so ordering tests prove that Berth's columns sort
     * in byte order whatever the server's locale.
     */
    public static String createDatabase() {
        String name = "berth_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        try {
            execute("CREATE DATABASE " + name + " ENCODING 'UTF8' TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'");
        } catch (SQLException noIcu) {
            try {
                execute("CREATE DATABASE " + name + " ENCODING 'UTF8' TEMPLATE template0");
            } catch (SQLException e) {
                throw new IllegalStateException("cannot create test database " + name + ": " + e.getMessage(), e);
            }
        }
        return name;
    }

    /** The JDBC URL of a database on the test server. */
    public static String jdbcUrl(String database) {
        return ADMIN_URL.replaceFirst("/[^/?]+(\\?|$)", "/" + database + "$1");
    }

    /** host and port of the test server, parsed from its URL (for a {@link TcpProxy} in front of it). */
    public static java.net.URI address() {
        return java.net.URI.create(ADMIN_URL.substring("jdbc:".length()));
    }

    /** The JDBC URL of a database reached through another local port (a {@link TcpProxy}), with short timeouts. */
    public static String jdbcUrlVia(String database, int port) {
        java.net.URI a = address();
        return jdbcUrl(database).replaceFirst("//" + java.util.regex.Pattern.quote(a.getHost() + ":" + a.getPort()), "//127.0.0.1:" + port)
                + (ADMIN_URL.contains("?") ? "&" : "?") + "connectTimeout=3&socketTimeout=10";
    }

    public static void dropDatabase(String name) {
        try {
            execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot drop test database " + name + ": " + e.getMessage(), e);
        }
    }

    private static void execute(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(ADMIN_URL); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
