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
    /** SQLite's writer: every write transaction goes through it (null on PostgreSQL, which has many writers). */
    final GroupCommit groupCommit;

    private Database(Dialect dialect, HikariDataSource writer, HikariDataSource reader, GroupCommit groupCommit) {
        this.dialect = dialect;
        this.writer = writer;
        this.reader = reader;
        this.groupCommit = groupCommit;
    }

    static Database sqlite(Path file, int readers) {
        return sqlite(file, readers, true, GroupCommit.Listener.NONE);
    }

    /**
     * {@code durable}: {@code synchronous=FULL}, so a commit returns only once the WAL is on disk and an
     * acknowledged write survives a power cut; false is {@code NORMAL} (survives a crash of the process,
     * may lose the last transactions on power loss).
     */
    static Database sqlite(Path file, int readers, boolean durable, GroupCommit.Listener listener) {
        try {
            java.nio.file.Files.createDirectories(file.toAbsolutePath().getParent());
        } catch (java.io.IOException e) {
            throw new io.berth.metadata.MetadataUnavailableException("cannot create " + file.getParent() + ": " + e.getMessage(), e);
        }
        String url = "jdbc:sqlite:" + file.toAbsolutePath();
        HikariDataSource writer = pool("berth-sqlite-writer", url, sqliteProperties(true, durable), 1, null);
        HikariDataSource reader = pool("berth-sqlite-reader", url, sqliteProperties(false, durable), readers, null);
        migrate(writer, reader, Dialect.SQLITE);
        return new Database(Dialect.SQLITE, writer, reader, new GroupCommit(writer, listener));
    }

    /**
     * Acknowledged means durable: a server (or role) configured with synchronous_commit=off would answer
     * before the WAL is flushed, so Berth's own sessions turn it back on. Stronger settings (remote_write,
     * remote_apply, for replicas) are left as they are.
     */
    private static final String POSTGRES_DURABLE_COMMITS = "SELECT CASE WHEN current_setting('synchronous_commit') = 'off' "
            + "THEN set_config('synchronous_commit', 'on', false) END";

    static Database postgres(String url, int poolSize) {
        probe(toJdbcUrl(url));
        HikariDataSource ds = pool("berth-postgres", toJdbcUrl(url), new Properties(), poolSize, POSTGRES_DURABLE_COMMITS);
        migrate(ds, ds, Dialect.POSTGRESQL);
        return new Database(Dialect.POSTGRESQL, ds, ds, null);
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

    private static Properties sqliteProperties(boolean writer, boolean durable) {
        Properties p = new Properties();
        p.setProperty("journal_mode", "WAL");
        // FULL in WAL mode: every commit fsyncs the WAL before it returns, so an answered write survives
        // a power cut (group commit makes one fsync serve many writes). NORMAL survives a crash of the
        // process (kill -9) but may drop the last transactions on power loss.
        p.setProperty("synchronous", durable ? "FULL" : "NORMAL");
        p.setProperty("busy_timeout", "30000");
        p.setProperty("foreign_keys", "false");
        p.setProperty("cache_size", "-16000");
        if (writer) {
            p.setProperty("transaction_mode", "IMMEDIATE");
        }
        return p;
    }

    private static HikariDataSource pool(String name, String url, Properties props, int size, String initSql) {
        HikariConfig c = new HikariConfig();
        c.setConnectionInitSql(initSql);
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

    /** Migrates the schema; on failure closes both pools (the start gives up) and says why in one line. */
    private static void migrate(HikariDataSource writer, HikariDataSource reader, Dialect dialect) {
        try {
            Flyway.configure()
                    .dataSource(writer)
                    .locations("classpath:db/migration")
                    .placeholders(dialect.migrationPlaceholders())
                    .load()
                    .migrate();
        } catch (RuntimeException e) {
            String url = writer.getJdbcUrl();
            writer.close();
            reader.close();
            throw e instanceof org.flywaydb.core.api.FlywayException f ? foreignSchema(f, url, dialect) : e;
        }
    }

    /** Flyway refuses a database whose schema holds tables but no migration history: another application's. */
    private static RuntimeException foreignSchema(org.flywaydb.core.api.FlywayException e, String jdbcUrl, Dialect dialect) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("non-empty schema\\(s\\) (\\S+) but no schema history table")
                .matcher(String.valueOf(e.getMessage()));
        if (!m.find()) {
            return e;
        }
        return new io.berth.metadata.MetadataUnavailableException((dialect == Dialect.POSTGRESQL ? describe(jdbcUrl) : jdbcUrl)
                + ": holds another application's tables (schema " + m.group(1) + " is not empty and has no Berth migration history); "
                + "give Berth a database of its own", e);
    }

    DataSource readSource() {
        return reader;
    }

    @Override
    public void close() {
        if (groupCommit != null) {
            groupCommit.close();
        }
        writer.close();
        if (reader != writer) {
            reader.close();
        }
    }
}
