package io.berth.metadata.jdbc;

import io.berth.oci.Digest;
import io.berth.stats.Counter;
import io.berth.stats.ManifestKind;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

import static io.berth.metadata.jdbc.Sql.list;
import static io.berth.metadata.jdbc.Sql.one;
import static io.berth.metadata.jdbc.Sql.update;

/**
 * What one write transaction changes in the usage counters (V6__stats.sql), gathered while it runs and
 * written as its last statement: one upsert of a shard row per scope it touched, or nothing when no count
 * changed. Last, so that on PostgreSQL a counter row is locked only from there to the commit, and always
 * after every other row the transaction locks (scopes in one order, the registry's first): concurrent
 * writers queue on a shard briefly but never deadlock on it.
 */
final class UsageDelta {
    /** The scope of the whole registry. */
    static final String REGISTRY = "";
    /** Shard rows per scope on PostgreSQL (SQLite has one writer and uses shard 0). */
    static final int SHARDS = 8;

    @FunctionalInterface
    interface Work<T> {
        T run(Connection c, UsageDelta delta) throws SQLException;
    }

    /** Runs {@code work} in one write transaction and adds what it counted to the counters, in the same transaction. */
    static <T> T write(Sql sql, Work<T> work) {
        Dialect dialect = sql.dialect();
        return sql.write(c -> {
            UsageDelta delta = new UsageDelta();
            T result = work.run(c, delta);
            if (delta.pushedTo != null) {
                QuotaCheck.enforce(c, dialect, delta.pushedTo, delta.scopes.getOrDefault(
                        io.berth.oci.Names.namespaceOf(delta.pushedTo), new long[Counter.values().length]));
            }
            delta.apply(c, dialect);
            return result;
        });
    }

    /** Scope → deltas in Counter order; "" (the registry) sorts first. */
    private final Map<String, long[]> scopes = new TreeMap<>();

    /** The repository a client pushes to, when this write is a push its namespace's quota limits; null otherwise. */
    private String pushedTo;

    /**
     * Makes this write a push to {@code repository}: before its counters are written, what it adds to the
     * namespace is checked against the namespace's quota ({@link QuotaCheck}). Cache fills and deletes are not.
     */
    void limitedByQuota(String repository) {
        pushedTo = repository;
    }

    /** Adds {@code n} to the counter of the registry and of the repository's namespace. */
    void add(String repository, Counter c, long n) {
        registry(c, n);
        namespace(io.berth.oci.Names.namespaceOf(repository), c, n);
    }

    void registry(Counter c, long n) {
        namespace(REGISTRY, c, n);
    }

    void namespace(String namespace, Counter c, long n) {
        if (n != 0) {
            scopes.computeIfAbsent(namespace, k -> new long[Counter.values().length])[c.ordinal()] += n;
        }
    }

    /** A manifest stored ({@code sign} 1) or deleted (-1). */
    void manifest(String repository, String mediaType, String artifactType, long size, int sign) {
        add(repository, ManifestKind.of(mediaType, artifactType).counter(), sign);
        add(repository, Counter.MANIFEST_BYTES, sign * size);
    }

    /** A grant (namespace_members row) added (1) or removed (-1). */
    void member(String namespace, long n) {
        registry(Counter.MEMBERS, n);
        namespace(namespace, Counter.MEMBERS, n);
    }

    // --- the rows behind the counters, changed in the caller's transaction ------------------------

    /**
     * A repository_blobs row was just inserted: counts the link, and references the blob in its namespace
     * (namespace_blobs), where the first reference adds it to the namespace's unique blobs. The size is the
     * stored blob's.
     */
    void blobLinked(Connection c, String repository, Digest digest) throws SQLException {
        String namespace = io.berth.oci.Names.namespaceOf(repository);
        Optional<long[]> ref = one(c, rs -> new long[]{rs.getLong(1), rs.getLong(2)},
                "INSERT INTO namespace_blobs (namespace, digest, size, refs) SELECT ?, digest, size, 1 FROM blobs WHERE digest = ? "
                        + "ON CONFLICT (namespace, digest) DO UPDATE SET refs = namespace_blobs.refs + 1 RETURNING size, refs",
                namespace, digest.toString());
        if (ref.isEmpty()) {
            return; // no blobs row: a link always inserts it first
        }
        long size = ref.get()[0];
        add(repository, Counter.BLOB_LINKS, 1);
        add(repository, Counter.LINKED_BLOB_BYTES, size);
        if (ref.get()[1] == 1) {
            namespace(namespace, Counter.BLOBS, 1);
            namespace(namespace, Counter.BLOB_BYTES, size);
        }
    }

    /** A repository_blobs row was just deleted: the reverse of {@link #blobLinked}; the last reference leaves the namespace. */
    void blobUnlinked(Connection c, String repository, Digest digest) throws SQLException {
        String namespace = io.berth.oci.Names.namespaceOf(repository);
        Optional<long[]> ref = one(c, rs -> new long[]{rs.getLong(1), rs.getLong(2)},
                "UPDATE namespace_blobs SET refs = refs - 1 WHERE namespace = ? AND digest = ? RETURNING size, refs",
                namespace, digest.toString());
        long size = ref.isPresent() ? ref.get()[0]
                : Sql.optionalLong(c, "SELECT size FROM blobs WHERE digest = ?", digest.toString()).orElse(0); // drift: reconcile mends it
        add(repository, Counter.BLOB_LINKS, -1);
        add(repository, Counter.LINKED_BLOB_BYTES, -size);
        if (ref.isPresent() && ref.get()[1] <= 0) {
            update(c, "DELETE FROM namespace_blobs WHERE namespace = ? AND digest = ? AND refs <= 0", namespace, digest.toString());
            namespace(namespace, Counter.BLOBS, -1);
            namespace(namespace, Counter.BLOB_BYTES, -size);
        }
    }

    /** Deletes the manifest (counted by what was deleted) and its last-pulled time; true when it existed. */
    boolean manifestDeleted(Connection c, String repository, String digest) throws SQLException {
        if (manifestsDeleted(c, "repository = ? AND digest = ?", repository, digest) == 0) {
            return false;
        }
        update(c, "DELETE FROM manifest_pulls WHERE repository = ? AND digest = ?", repository, digest);
        return true;
    }

    /** Deletes the manifests {@code where} selects, counting each by the row deleted; returns how many. */
    int manifestsDeleted(Connection c, String where, Object... args) throws SQLException {
        List<Object[]> gone = list(c, rs -> new Object[]{rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4)},
                "DELETE FROM manifests WHERE " + where + " RETURNING repository, media_type, artifact_type, size", args);
        for (Object[] m : gone) {
            manifest((String) m[0], (String) m[1], (String) m[2], (Long) m[3], -1);
        }
        return gone.size();
    }

    /**
     * Deletes the namespace's blob references before its repository_blobs rows go (so that on PostgreSQL a
     * push into a new repository of the namespace, in flight, either waits for this or keeps its own
     * reference), and counts the links and unique blobs they stood for.
     */
    void namespaceBlobsDeleted(Connection c, String namespace) throws SQLException {
        for (long[] b : list(c, rs -> new long[]{rs.getLong(1), rs.getLong(2)},
                "DELETE FROM namespace_blobs WHERE namespace = ? RETURNING size, refs", namespace)) {
            add(namespace, Counter.LINKED_BLOB_BYTES, -b[0] * b[1]);
            namespace(namespace, Counter.BLOBS, -1);
            namespace(namespace, Counter.BLOB_BYTES, -b[0]);
        }
    }

    /** Last-pulled times of deleted tags go with them (a tag created again under the name was never pulled). */
    static void forgetTagPulls(Connection c, String repository, List<String> tags) throws SQLException {
        Sql.batch(c, "DELETE FROM tag_pulls WHERE repository = ? AND tag = ?", tags, t -> new Object[]{repository, t});
    }

    void apply(Connection c, Dialect dialect) throws SQLException {
        scopes.values().removeIf(UsageDelta::allZero);
        if (scopes.isEmpty()) {
            return;
        }
        int shard = dialect == Dialect.SQLITE ? 0 : ThreadLocalRandom.current().nextInt(SHARDS);
        try (PreparedStatement ps = c.prepareStatement(upsert(scopes.size()))) {
            int i = 1;
            for (Map.Entry<String, long[]> e : scopes.entrySet()) {
                ps.setString(i++, e.getKey());
                ps.setInt(i++, shard);
                for (long v : e.getValue()) {
                    ps.setLong(i++, v);
                }
            }
            ps.executeUpdate();
        }
        scopes.clear();
    }

    private static boolean allZero(long[] values) {
        for (long v : values) {
            if (v != 0) {
                return false;
            }
        }
        return true;
    }

    /** The column list of usage_counters after (scope, shard), in Counter order. */
    static String columns() {
        StringBuilder s = new StringBuilder();
        for (Counter c : Counter.values()) {
            s.append(s.isEmpty() ? "" : ", ").append(c.column());
        }
        return s.toString();
    }

    private static final String[] UPSERTS = new String[4];

    private static String upsert(int rows) {
        if (rows < UPSERTS.length && UPSERTS[rows] != null) {
            return UPSERTS[rows];
        }
        String row = "(?, ?" + ", ?".repeat(Counter.values().length) + ")";
        StringBuilder s = new StringBuilder("INSERT INTO usage_counters (scope, shard, ").append(columns()).append(") VALUES ");
        for (int r = 0; r < rows; r++) {
            s.append(r == 0 ? "" : ", ").append(row);
        }
        s.append(" ON CONFLICT (scope, shard) DO UPDATE SET ");
        for (Iterator<Counter> it = java.util.Arrays.asList(Counter.values()).iterator(); it.hasNext(); ) {
            String col = it.next().column();
            s.append(col).append(" = usage_counters.").append(col).append(" + excluded.").append(col).append(it.hasNext() ? ", " : "");
        }
        String sql = s.toString();
        if (rows < UPSERTS.length) {
            UPSERTS[rows] = sql;
        }
        return sql;
    }
}
