package io.berth.metadata.jdbc;

import io.berth.metadata.MetadataUnavailableException;
import io.berth.metadata.StatementCount;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/** JDBC plumbing shared by the stores: transactions on the right pool, statements, small result shapes. */
final class Sql {
    private final Database db;

    Sql(Database db) {
        this.db = db;
    }

    @FunctionalInterface
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    @FunctionalInterface
    interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    Dialect dialect() {
        return db.dialect;
    }

    <T> T read(Work<T> work) {
        try (Connection c = db.readSource().getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw unavailable(e);
        }
    }

    /**
     * Runs {@code work} in one transaction on the writer pool; rolls back on any failure. Returns once the
     * transaction is committed, on SQLite as part of a group whose one fsync serves all its writes.
     */
    <T> T write(Work<T> work) {
        return write(work, null);
    }

    /** {@link #write(Work)}, with a tag that {@link GroupCommit.Listener} sees (for tests). */
    <T> T write(Work<T> work, Object tag) {
        if (db.groupCommit != null) {
            try {
                return db.groupCommit.submit(work, tag);
            } catch (SQLException e) {
                throw unavailable(e);
            }
        }
        for (int attempt = 1; ; attempt++) {
            try (Connection c = db.writer.getConnection()) {
                c.setAutoCommit(false);
                try {
                    T result = work.run(c);
                    c.commit();
                    return result;
                } catch (SQLException | RuntimeException e) {
                    rollbackQuietly(c);
                    throw e;
                } finally {
                    c.setAutoCommit(true);
                }
            } catch (SQLException e) {
                if (!DEADLOCK.equals(e.getSQLState()) || attempt == DEADLOCK_ATTEMPTS) {
                    throw unavailable(e);
                }
                // PostgreSQL chose this transaction to break a lock cycle and rolled it back: run it again
            }
        }
    }

    /** PostgreSQL's deadlock_detected: the transaction was rolled back whole, so running it again is safe. */
    private static final String DEADLOCK = "40P01";
    private static final int DEADLOCK_ATTEMPTS = 3;

    static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the connection is broken; the pool discards it and the transaction dies with it
        }
    }

    static MetadataUnavailableException unavailable(SQLException e) {
        String kind = e instanceof SQLTransientException ? "temporarily unavailable" : "failed";
        return new MetadataUnavailableException("metadata database " + kind + ": " + e.getMessage(), e);
    }

    static PreparedStatement prepare(Connection c, String sql, Object... args) throws SQLException {
        StatementCount.add();
        PreparedStatement ps = c.prepareStatement(sql);
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a instanceof byte[] bytes) {
                ps.setBytes(i + 1, bytes);
            } else {
                ps.setObject(i + 1, a);
            }
        }
        return ps;
    }

    static int update(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = prepare(c, sql, args)) {
            return ps.executeUpdate();
        }
    }

    /** Runs one statement per row of arguments as a JDBC batch; returns the update count of each. */
    static int[] batch(Connection c, String sql, List<Object[]> rows) throws SQLException {
        if (rows.isEmpty()) {
            return new int[0];
        }
        StatementCount.add();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (Object[] args : rows) {
                for (int i = 0; i < args.length; i++) {
                    ps.setObject(i + 1, args[i]);
                }
                ps.addBatch();
            }
            return ps.executeBatch();
        }
    }

    static boolean exists(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = prepare(c, sql, args); ResultSet rs = ps.executeQuery()) {
            return rs.next();
        }
    }

    static List<String> strings(Connection c, String sql, Object... args) throws SQLException {
        return list(c, rs -> rs.getString(1), sql, args);
    }

    static <T> List<T> list(Connection c, RowMapper<T> mapper, String sql, Object... args) throws SQLException {
        List<T> out = new ArrayList<>();
        try (PreparedStatement ps = prepare(c, sql, args); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(mapper.map(rs));
            }
        }
        return out;
    }

    static <T> Optional<T> one(Connection c, RowMapper<T> mapper, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = prepare(c, sql, args); ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(mapper.map(rs)) : Optional.empty();
        }
    }

    static OptionalLong optionalLong(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = prepare(c, sql, args); ResultSet rs = ps.executeQuery()) {
            return rs.next() ? OptionalLong.of(rs.getLong(1)) : OptionalLong.empty();
        }
    }

    /** Runs {@code sql} once per row as one batch, with the arguments {@code args} gives each row. */
    static <T> void batch(Connection c, String sql, List<T> rows, java.util.function.Function<T, Object[]> args) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        StatementCount.add();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (T row : rows) {
                Object[] a = args.apply(row);
                for (int i = 0; i < a.length; i++) {
                    ps.setObject(i + 1, a[i]);
                }
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }
}
