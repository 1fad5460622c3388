package io.berth.metadata.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;

import javax.sql.DataSource;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Connection pools and schema migration. SQLite gets a single-connection writer pool (SQLite has one
 * writer; serialising in Java avoids SQLITE_BUSY) beside a reader pool, in WAL mode so readers never
 * wait for the writer. PostgreSQL gets one pool for both.
 */
final class Database implements AutoCloseable {
    final Dialect dialect;
    final HikariDataSource writer;
    final HikariDataSource reader;

    private Database(Dialect dialect, HikariDataSource writer, HikariDataSource reader) {
        this.dialect = dialect;
        this.writer = writer;
        this.reader = reader;
    }

    static Database sqlite(Path file, int readers) {
        try {
            java.nio.file.Files.createDirectories(file.toAbsolutePath().getParent());
        } catch (java.io.IOException e) {
            throw new io.berth.metadata.MetadataUnavailableException("cannot create " + file.getParent() + ": " + e.getMessage(), e);
        }
        String url = "jdbc:sqlite:" + file.toAbsolutePath();
        HikariDataSource writer = pool("berth-sqlite-writer", url, sqliteProperties(true), 1);
        HikariDataSource reader = pool("berth-sqlite-reader", url, sqliteProperties(false), readers);
        Database db = new Database(Dialect.SQLITE, writer, reader);
        db.migrate();
        return db;
    }

    static Database postgres(String url, int poolSize) {
        probe(toJdbcUrl(url));
        HikariDataSource ds = pool("berth-postgres", toJdbcUrl(url), new Properties(), poolSize);
        Database db = new Database(Dialect.POSTGRESQL, ds, ds);
        db.migrate();
        return db;
    }

    /**
     * One connection before the pool exists, with short timeouts: a wrong host, port, database name or
     * password stops the start at once with the driver's reason, rather than after the pool's 10 s wait as a
     * stack trace. (Once running, an outage is a 503 and the pool reconnects by itself.)
     */
    private static void probe(String jdbcUrl) {
        Properties p = new Properties();
        p.setProperty("connectTimeout", "5"); // seconds; settings in the URL win
        p.setProperty("loginTimeout", "5");
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(jdbcUrl, p)) {
            c.isValid(5);
        } catch (java.sql.SQLException e) {
            String why = String.valueOf(e.getMessage()).lines().findFirst().orElse(e.getClass().getSimpleName());
            throw new io.berth.metadata.MetadataUnavailableException(describe(jdbcUrl) + ": cannot connect: " + why, e);
        }
    }

    /** postgresql://host:port/database: where the URL points, never its credentials. */
    static String describe(String jdbcUrl) {
        return jdbcUrl.replaceFirst("^jdbc:", "").replaceFirst("\\?.*$", "").replaceFirst("//[^/@]*@", "//");
    }

    /** Accepts jdbc:postgresql://… as is and turns postgres://user:pass@host:port/db into it. */
    static String toJdbcUrl(String url) {
        if (url.startsWith("jdbc:")) {
            return url;
        }
        URI u = URI.create(url);
        StringBuilder jdbc = new StringBuilder("jdbc:postgresql://").append(u.getHost());
        if (u.getPort() > 0) {
            jdbc.append(':').append(u.getPort());
        }
        jdbc.append(u.getPath() == null || u.getPath().isEmpty() ? "/postgres" : u.getPath());
        String sep = "?";
        if (u.getRawUserInfo() != null) {
            String[] parts = u.getRawUserInfo().split(":", 2);
            jdbc.append(sep).append("user=").append(URLDecoder.decode(parts[0], StandardCharsets.UTF_8));
            sep = "&";
            if (parts.length > 1) {
                jdbc.append(sep).append("password=").append(URLDecoder.decode(parts[1], StandardCharsets.UTF_8));
            }
        }
        if (u.getRawQuery() != null) {
            jdbc.append(sep).append(u.getRawQuery());
        }
        return jdbc.toString();
    }

    private static Properties sqliteProperties(boolean writer) {
        Properties p = new Properties();
        p.setProperty("journal_mode", "WAL");
        // NORMAL in WAL mode: a commit survives a crash of the process (kill -9); only a power loss
        // may drop the last transactions. Blob files themselves are fsync'ed before they are linked.
        p.setProperty("synchronous", "NORMAL");
        p.setProperty("busy_timeout", "30000");
        p.setProperty("foreign_keys", "false");
        p.setProperty("cache_size", "-16000");
        if (writer) {
            p.setProperty("transaction_mode", "IMMEDIATE");
        }
        return p;
    }

    private static HikariDataSource pool(String name, String url, Properties props, int size) {
        HikariConfig c = new HikariConfig();
        c.setPoolName(name);
        c.setJdbcUrl(url);
        c.setDataSourceProperties(props);
        c.setMaximumPoolSize(size);
        c.setMinimumIdle(Math.min(size, 2));
        c.setConnectionTimeout(10_000);
        // Start even when the database is down: readiness reports it and requests get 503 until it is back.
        c.setInitializationFailTimeout(-1);
        return new HikariDataSource(c);
    }

    private void migrate() {
        try {
            Flyway.configure()
                    .dataSource(writer)
                    .locations("classpath:db/migration")
                    .placeholders(dialect.migrationPlaceholders())
                    .load()
                    .migrate();
        } catch (org.flywaydb.core.api.FlywayException e) {
            throw foreignSchema(e);
        }
    }

    /** Flyway refuses a database whose schema holds tables but no migration history: another application's. */
    private RuntimeException foreignSchema(org.flywaydb.core.api.FlywayException e) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("non-empty schema\\(s\\) (\\S+) but no schema history table")
                .matcher(String.valueOf(e.getMessage()));
        if (!m.find()) {
            return e;
        }
        close();
        return new io.berth.metadata.MetadataUnavailableException((dialect == Dialect.POSTGRESQL ? describe(writer.getJdbcUrl()) : writer.getJdbcUrl())
                + ": holds another application's tables (schema " + m.group(1) + " is not empty and has no Berth migration history); "
                + "give Berth a database of its own", e);
    }

    DataSource readSource() {
        return reader;
    }

    @Override
    public void close() {
        writer.close();
        if (reader != writer) {
            reader.close();
        }
    }
}
