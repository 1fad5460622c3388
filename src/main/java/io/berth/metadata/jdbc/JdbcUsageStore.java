package io.berth.metadata.jdbc;

import io.berth.oci.Digest;
import io.berth.stats.Counter;
import io.berth.stats.Counts;
import io.berth.stats.Quota;
import io.berth.stats.UsageStore;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.TreeSet;

import static io.berth.metadata.jdbc.Sql.batch;
import static io.berth.metadata.jdbc.Sql.list;
import static io.berth.metadata.jdbc.Sql.one;
import static io.berth.metadata.jdbc.Sql.optionalLong;
import static io.berth.metadata.jdbc.Sql.update;

/**
 * {@link UsageStore} on the registry's database: reads the counters {@link UsageDelta} keeps, writes the
 * batches of pushes, pulls and last-pulled times, and reconciles the counters with the views of V6__stats.sql.
 */
final class JdbcUsageStore implements UsageStore {
    private static final String SUMS;

    static {
        StringBuilder s = new StringBuilder("SELECT scope");
        for (Counter c : Counter.values()) {
            s.append(", SUM(").append(c.column()).append(')');
        }
        SUMS = s.append(" FROM usage_counters").toString();
    }

    private final Sql sql;

    JdbcUsageStore(Sql sql) {
        this.sql = sql;
    }

    @Override
    public Stored counters() {
        return sql.read(JdbcUsageStore::counters);
    }

    @Override
    public Counts namespace(String namespace) {
        return sql.read(c -> namespace(c, namespace));
    }

    @Override
    public Quota quota(String namespace) {
        return sql.read(c -> quota(c, namespace, "")).orElse(Quota.NONE);
    }

    /** The namespace's quota row, {@code lock} appended to the query (a dialect's FOR UPDATE, or ""). */
    static Optional<Quota> quota(Connection c, String namespace, String lock) throws SQLException {
        return one(c, rs -> new Quota(nullableLong(rs, 1), nullableLong(rs, 2), nullableLong(rs, 3)),
                "SELECT max_bytes, max_repositories, max_tags FROM namespace_quotas WHERE namespace = ?" + lock, namespace);
    }

    private static Long nullableLong(ResultSet rs, int column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }

    @Override
    public void setQuota(String namespace, Quota quota) {
        sql.write(c -> {
            if (quota.isNone()) {
                return deleteQuota(c, namespace);
            }
            return update(c, "INSERT INTO namespace_quotas (namespace, max_bytes, max_repositories, max_tags, updated_at) "
                            + "VALUES (?, ?, ?, ?, ?) ON CONFLICT (namespace) DO UPDATE SET max_bytes = excluded.max_bytes, "
                            + "max_repositories = excluded.max_repositories, max_tags = excluded.max_tags, updated_at = excluded.updated_at",
                    namespace, quota.maxBytes(), quota.maxRepositories(), quota.maxTags(), System.currentTimeMillis());
        });
    }

    /** Removes the namespace's quota (also when the namespace is deleted: a namespace created later under its name starts without). */
    static int deleteQuota(Connection c, String namespace) throws SQLException {
        return update(c, "DELETE FROM namespace_quotas WHERE namespace = ?", namespace);
    }

    /** One namespace's counters summed over its shard rows, in the caller's transaction. */
    static Counts namespace(Connection c, String namespace) throws SQLException {
        return sums(c, " WHERE scope = ? GROUP BY scope", namespace).getOrDefault(namespace, Counts.ZERO);
    }

    /** The shard rows summed per scope: a row per shard that ever counted (at most SHARDS per scope). */
    private static Stored counters(Connection c) throws SQLException {
        Map<String, Counts> namespaces = sums(c, " GROUP BY scope");
        Counts registry = namespaces.remove(UsageDelta.REGISTRY);
        namespaces.values().removeIf(Counts::isZero); // a namespace that was deleted leaves rows of zeros until reconcile
        return new Stored(registry == null ? Counts.ZERO : registry, namespaces);
    }

    private static Map<String, Counts> sums(Connection c, String where, Object... args) throws SQLException {
        Map<String, Counts> out = new TreeMap<>();
        try (PreparedStatement ps = Sql.prepare(c, SUMS + where, args); ResultSet rs = ps.executeQuery()) {
            long[] v = new long[Counter.values().length];
            while (rs.next()) {
                for (int i = 0; i < v.length; i++) {
                    v[i] = rs.getLong(i + 2);
                }
                out.put(rs.getString(1), Counts.of(v));
            }
        }
        return out;
    }

    @Override
    public List<DayCount> daily(long fromDay) {
        return sql.read(c -> list(c, rs -> new DayCount(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getLong(4)),
                "SELECT day, scope, pushes, pulls FROM usage_daily WHERE day >= ? ORDER BY day, scope", fromDay));
    }

    @Override
    public void record(List<DayCount> days, List<Pull> manifests, List<Pull> tags, long pruneBefore) {
        // Sorted, so that two nodes writing the same rows lock them in the same order (PostgreSQL).
        List<DayCount> sortedDays = days.stream().sorted(Comparator.comparingLong(DayCount::day).thenComparing(DayCount::scope)).toList();
        Comparator<Pull> byKey = Comparator.comparing(Pull::repository).thenComparing(Pull::reference);
        sql.write(c -> {
            batch(c, "INSERT INTO usage_daily (day, scope, pushes, pulls) VALUES (?, ?, ?, ?) ON CONFLICT (day, scope) "
                            + "DO UPDATE SET pushes = usage_daily.pushes + excluded.pushes, pulls = usage_daily.pulls + excluded.pulls",
                    sortedDays, d -> new Object[]{d.day(), d.scope(), d.pushes(), d.pulls()});
            lastPulled(c, "manifest_pulls", "digest", "manifests", "digest", manifests.stream().sorted(byKey).toList());
            lastPulled(c, "tag_pulls", "tag", "tags", "name", tags.stream().sorted(byKey).toList());
            update(c, "DELETE FROM usage_daily WHERE day < ?", pruneBefore);
            return null;
        });
    }

    /** Moves last-pulled times forward, for what still exists (a pull of something deleted since is dropped). */
    private static void lastPulled(Connection c, String table, String column, String owner, String ownerColumn, List<Pull> pulls)
            throws SQLException {
        batch(c, "INSERT INTO " + table + " (repository, " + column + ", last_pulled_at) "
                + "SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM " + owner + " WHERE repository = ? AND " + ownerColumn + " = ?) "
                + "ON CONFLICT (repository, " + column + ") DO UPDATE SET last_pulled_at = excluded.last_pulled_at "
                + "WHERE excluded.last_pulled_at > " + table + ".last_pulled_at",
                pulls, p -> new Object[]{p.repository(), p.reference(), p.at(), p.repository(), p.reference()});
    }

    /*
     * On PostgreSQL the two tables are locked EXCLUSIVE (reads go on; writes to them wait): a write that
     * already touched them has committed before the recount reads, and one that has not yet touched them
     * has not committed either (the counters are every write's last statement), so the recount leaves it
     * out and its delta lands on the recounted values after this commits. Exact, with pushes running.
     */
    @Override
    public Reconciliation reconcile() {
        Dialect dialect = sql.dialect();
        return sql.write(c -> {
            if (dialect == Dialect.POSTGRESQL) {
                try (Statement st = c.createStatement()) {
                    st.execute("LOCK TABLE namespace_blobs, usage_counters IN EXCLUSIVE MODE");
                }
            }
            Stored before = counters(c);
            update(c, "DELETE FROM namespace_blobs");
            update(c, "INSERT INTO namespace_blobs (namespace, digest, size, refs) SELECT namespace, digest, size, refs FROM namespace_blobs_recount");
            update(c, "DELETE FROM usage_counters");
            String columns = UsageDelta.columns();
            update(c, "INSERT INTO usage_counters (scope, shard, " + columns + ") SELECT scope, 0, " + columns + " FROM usage_recount");
            update(c, "DELETE FROM manifest_pulls WHERE NOT EXISTS "
                    + "(SELECT 1 FROM manifests m WHERE m.repository = manifest_pulls.repository AND m.digest = manifest_pulls.digest)");
            update(c, "DELETE FROM tag_pulls WHERE NOT EXISTS "
                    + "(SELECT 1 FROM tags t WHERE t.repository = tag_pulls.repository AND t.name = tag_pulls.tag)");
            Stored after = counters(c);
            return new Reconciliation(before, after, corrected(before, after));
        });
    }

    private static List<String> corrected(Stored before, Stored after) {
        List<String> scopes = new ArrayList<>();
        if (!before.registry().equals(after.registry())) {
            scopes.add(UsageDelta.REGISTRY);
        }
        TreeSet<String> names = new TreeSet<>(before.namespaces().keySet());
        names.addAll(after.namespaces().keySet());
        for (String n : names) {
            if (!Objects.equals(before.namespaces().get(n), after.namespaces().get(n))) {
                scopes.add(n);
            }
        }
        return scopes;
    }

    @Override
    public OptionalLong manifestLastPulled(String repository, Digest digest) {
        return sql.read(c -> optionalLong(c, "SELECT last_pulled_at FROM manifest_pulls WHERE repository = ? AND digest = ?",
                repository, digest.toString()));
    }

    @Override
    public OptionalLong tagLastPulled(String repository, String tag) {
        return sql.read(c -> optionalLong(c, "SELECT last_pulled_at FROM tag_pulls WHERE repository = ? AND tag = ?", repository, tag));
    }

    @Override
    public java.util.Map<String, Long> tagPulls(String repository) {
        java.util.Map<String, Long> out = new java.util.HashMap<>();
        sql.read(c -> Sql.list(c, rs -> out.put(rs.getString(1), rs.getLong(2)),
                "SELECT tag, last_pulled_at FROM tag_pulls WHERE repository = ?", repository));
        return out;
    }

    @Override
    public java.util.Map<Digest, Long> manifestPulls(String repository) {
        java.util.Map<Digest, Long> out = new java.util.HashMap<>();
        sql.read(c -> Sql.list(c, rs -> out.put(Digest.parse(rs.getString(1)), rs.getLong(2)),
                "SELECT digest, last_pulled_at FROM manifest_pulls WHERE repository = ?", repository));
        return out;
    }
}
