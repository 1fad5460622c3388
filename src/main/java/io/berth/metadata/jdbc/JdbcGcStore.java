package io.berth.metadata.jdbc;

import static io.berth.metadata.jdbc.Sql.batch;
import static io.berth.metadata.jdbc.Sql.exists;
import static io.berth.metadata.jdbc.Sql.list;
import static io.berth.metadata.jdbc.Sql.one;
import static io.berth.metadata.jdbc.Sql.optionalLong;
import static io.berth.metadata.jdbc.Sql.strings;
import static io.berth.metadata.jdbc.Sql.update;

import io.berth.metadata.GcStore;
import io.berth.metadata.MetadataStore.Link;
import io.berth.oci.Digest;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The garbage collector's queries on SQLite or PostgreSQL. What deletes takes its rows with
 * {@link Dialect#forUpdateSkipLocked} and re-checks there; SQLite's one writer serialises it with every push.
 */
final class JdbcGcStore implements GcStore {
    private static final String LEASE = "gc";
    private static final String NO_REFERENCE_IN_REPOSITORY =
            "NOT EXISTS (SELECT 1 FROM manifest_references mr WHERE mr.repository = rb.repository AND mr.digest = rb.digest)";

    private final Sql sql;
    private final String skipLocked;

    JdbcGcStore(Sql sql) {
        this.sql = sql;
        this.skipLocked = sql.dialect().forUpdateSkipLocked;
    }

    // --- the lease and the history ------------------------------------------------------------

    @Override
    public boolean acquireLease(String holder, long now, long expiresAt) {
        return sql.write(c -> update(c, "INSERT INTO gc_lease (name, holder, acquired_at, expires_at) VALUES (?, ?, ?, ?) "
                + "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, acquired_at = excluded.acquired_at, "
                + "expires_at = excluded.expires_at WHERE gc_lease.expires_at < ? OR gc_lease.holder = excluded.holder",
                LEASE, holder, now, expiresAt, now) > 0);
    }

    @Override
    public boolean renewLease(String holder, long expiresAt) {
        return sql.write(c -> update(c, "UPDATE gc_lease SET expires_at = ? WHERE name = ? AND holder = ?", expiresAt, LEASE, holder) > 0);
    }

    @Override
    public void releaseLease(String holder) {
        sql.write(c -> update(c, "DELETE FROM gc_lease WHERE name = ? AND holder = ?", LEASE, holder));
    }

    @Override
    public Optional<Lease> lease() {
        return sql.read(c -> one(c, rs -> new Lease(rs.getString(1), rs.getLong(2), rs.getLong(3)),
                "SELECT holder, acquired_at, expires_at FROM gc_lease WHERE name = ?", LEASE));
    }

    @Override
    public long startRun(long startedAt, boolean dryRun, String trigger, String node) {
        return sql.write(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO gc_runs (started_at, dry_run, trigger_name, node) VALUES (?, ?, ?, ?)",
                    Statement.RETURN_GENERATED_KEYS)) {
                ps.setLong(1, startedAt);
                ps.setBoolean(2, dryRun);
                ps.setString(3, trigger);
                ps.setString(4, node);
                ps.executeUpdate();
                try (ResultSet keys = ps.getGeneratedKeys()) {
                    keys.next();
                    return keys.getLong(1);
                }
            }
        });
    }

    @Override
    public void finishRun(Run r) {
        sql.write(c -> update(c, "UPDATE gc_runs SET finished_at = ?, marked = ?, manifests_deleted = ?, links_removed = ?, "
                        + "blobs_swept = ?, orphans = ?, bytes_freed = ?, errors = ?, error_detail = ?, mark_ms = ?, sweep_ms = ? WHERE id = ?",
                r.finishedAt(), r.marked(), r.manifestsDeleted(), r.linksRemoved(), r.blobsSwept(), r.orphans(), r.bytesFreed(),
                r.errors(), r.errorDetail(), r.markMs(), r.sweepMs(), r.id()));
    }

    @Override
    public List<Run> runs(int limit) {
        return sql.read(c -> list(c, rs -> {
            long finished = rs.getLong(3);
            Long finishedAt = rs.wasNull() ? null : finished;
            return new Run(rs.getLong(1), rs.getLong(2), finishedAt, rs.getBoolean(4), rs.getString(5), rs.getString(6),
                    rs.getLong(7), rs.getLong(8), rs.getLong(9), rs.getLong(10), rs.getLong(11), rs.getLong(12), rs.getLong(13),
                    rs.getString(14), nullableLong(rs, 15), nullableLong(rs, 16));
        }, "SELECT id, started_at, finished_at, dry_run, trigger_name, node, marked, manifests_deleted, links_removed, "
                + "blobs_swept, orphans, bytes_freed, errors, error_detail, mark_ms, sweep_ms FROM gc_runs ORDER BY id DESC LIMIT ?", limit));
    }

    private static Long nullableLong(ResultSet rs, int column) throws java.sql.SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }

    @Override
    public OptionalLong lastCollectionStart() {
        return sql.read(c -> optionalLong(c, "SELECT started_at FROM gc_runs WHERE NOT dry_run ORDER BY started_at DESC LIMIT 1"));
    }

    // --- mark -------------------------------------------------------------------------------

    @Override
    public long referencedBlobs() {
        return sql.read(c -> optionalLong(c, "SELECT COUNT(DISTINCT digest) FROM manifest_references").orElse(0));
    }

    // --- manifest policies ------------------------------------------------------------------

    @Override
    public RepositoryGraph graph(String repository) {
        return sql.read(c -> new RepositoryGraph(
                list(c, rs -> new ManifestNode(Digest.parse(rs.getString(1)), rs.getLong(2), digestOrNull(rs.getString(3)), rs.getBoolean(4)),
                        "SELECT m.digest, m.created_at, m.subject, "
                                + "EXISTS (SELECT 1 FROM tags t WHERE t.repository = m.repository AND t.digest = m.digest) "
                                + "FROM manifests m WHERE m.repository = ? ORDER BY m.digest", repository),
                list(c, rs -> new Reference(Digest.parse(rs.getString(1)), Digest.parse(rs.getString(2))),
                        "SELECT manifest_digest, digest FROM manifest_references WHERE repository = ?", repository)));
    }

    private static Digest digestOrNull(String s) {
        return s == null ? null : Digest.parse(s);
    }

    @Override
    public boolean deleteUntaggedManifest(String repository, Digest digest, long createdBefore) {
        String d = digest.toString();
        return UsageDelta.write(sql, (c, delta) -> {
            Optional<Optional<String>> subject = heldManifest(c, repository, d, createdBefore);
            if (subject.isEmpty() || exists(c, "SELECT 1 FROM tags WHERE repository = ? AND digest = ?", repository, d)
                    || referenced(c, repository, d) || (subject.get().isPresent() && stored(c, repository, subject.get().get()))) {
                return false;
            }
            return JdbcMetadataStore.deleteManifest(c, repository, d, delta);
        });
    }

    @Override
    public boolean deleteDanglingReferrer(String repository, Digest digest, long createdBefore) {
        String d = digest.toString();
        return UsageDelta.write(sql, (c, delta) -> {
            Optional<Optional<String>> subject = heldManifest(c, repository, d, createdBefore);
            if (subject.isEmpty() || subject.get().isEmpty() || stored(c, repository, subject.get().get()) || referenced(c, repository, d)) {
                return false;
            }
            return JdbcMetadataStore.deleteManifest(c, repository, d, delta);
        });
    }

    /**
     * Takes the manifest's row, unless a push holds it, and gives its subject (empty inside when it has none);
     * empty when it is not stored, is held, or was created since {@code createdBefore}.
     */
    private Optional<Optional<String>> heldManifest(Connection c, String repository, String digest, long createdBefore) throws SQLException {
        return one(c, rs -> Optional.ofNullable(rs.getString(1)),
                "SELECT subject FROM manifests WHERE repository = ? AND digest = ? AND created_at < ?" + skipLocked,
                repository, digest, createdBefore);
    }

    private static boolean referenced(Connection c, String repository, String digest) throws SQLException {
        return exists(c, "SELECT 1 FROM manifest_references WHERE repository = ? AND digest = ?", repository, digest);
    }

    private static boolean stored(Connection c, String repository, String digest) throws SQLException {
        return exists(c, "SELECT 1 FROM manifests WHERE repository = ? AND digest = ?", repository, digest);
    }

    // --- cache eviction ---------------------------------------------------------------------

    @Override
    public List<String> cachedRepositories(String namespace) {
        String prefix = namespace.isEmpty() ? "" : namespace + "/";
        return sql.read(c -> strings(c, "SELECT name FROM repositories WHERE NOT pushed AND SUBSTR(name, 1, ?) = ? ORDER BY name",
                prefix.length(), prefix));
    }

    @Override
    public CacheGraph cacheGraph(String repository) {
        return sql.read(c -> new CacheGraph(new RepositoryGraph(
                list(c, rs -> new ManifestNode(Digest.parse(rs.getString(1)), Math.max(rs.getLong(2), rs.getLong(3)),
                                digestOrNull(rs.getString(4)), rs.getBoolean(5)),
                        "SELECT m.digest, m.created_at, COALESCE(p.last_pulled_at, 0), m.subject, "
                                + "EXISTS (SELECT 1 FROM tags t WHERE t.repository = m.repository AND t.digest = m.digest) "
                                + "FROM manifests m LEFT JOIN manifest_pulls p ON p.repository = m.repository AND p.digest = m.digest "
                                + "WHERE m.repository = ? ORDER BY m.digest", repository),
                list(c, rs -> new Reference(Digest.parse(rs.getString(1)), Digest.parse(rs.getString(2))),
                        "SELECT manifest_digest, digest FROM manifest_references WHERE repository = ?", repository)),
                list(c, rs -> new CachedTag(rs.getString(1), Digest.parse(rs.getString(2)), Math.max(rs.getLong(3), rs.getLong(4))),
                        "SELECT t.name, t.digest, t.pushed_at, COALESCE(p.last_pulled_at, 0) FROM tags t "
                                + "LEFT JOIN tag_pulls p ON p.repository = t.repository AND p.tag = t.name "
                                + "WHERE t.repository = ? ORDER BY t.name", repository)));
    }

    @Override
    public boolean evictTag(String repository, String tag, Digest digest, long usedBefore) {
        return UsageDelta.write(sql, (c, delta) -> {
            if (!cached(c, repository) || JdbcLifecycleStore.immutableRule(c, sql.dialect().forUpdate, repository, tag) != null
                    || exists(c, "SELECT 1 FROM tag_pulls WHERE repository = ? AND tag = ? AND last_pulled_at >= ?", repository, tag, usedBefore)) {
                return false;
            }
            if (update(c, "DELETE FROM tags WHERE repository = ? AND name = ? AND digest = ? AND pushed_at < ?",
                    repository, tag, digest.toString(), usedBefore) == 0) {
                return false;
            }
            JdbcMetadataStore.bumpTagVersion(c, repository);
            delta.add(repository, io.berth.stats.Counter.TAGS, -1);
            UsageDelta.forgetTagPulls(c, repository, List.of(tag));
            return true;
        });
    }

    @Override
    public boolean evictManifest(String repository, Digest digest, long usedBefore) {
        String d = digest.toString();
        return UsageDelta.write(sql, (c, delta) -> {
            Optional<Optional<String>> subject = heldManifest(c, repository, d, usedBefore);
            if (subject.isEmpty() || !cached(c, repository) || exists(c, "SELECT 1 FROM tags WHERE repository = ? AND digest = ?", repository, d)
                    || exists(c, "SELECT 1 FROM manifest_pulls WHERE repository = ? AND digest = ? AND last_pulled_at >= ?", repository, d, usedBefore)
                    || referenced(c, repository, d) || (subject.get().isPresent() && stored(c, repository, subject.get().get()))) {
                return false;
            }
            return JdbcMetadataStore.deleteManifest(c, repository, d, delta);
        });
    }

    /** Whether only the cache ever filled the repository (re-checked in the deleting transaction). */
    private static boolean cached(Connection c, String repository) throws SQLException {
        return exists(c, "SELECT 1 FROM repositories WHERE name = ? AND NOT pushed", repository);
    }

    // --- links and blobs --------------------------------------------------------------------

    @Override
    public List<Link> unreferencedLinks(long seenBefore) {
        return sql.read(c -> list(c, rs -> new Link(rs.getString(1), Digest.parse(rs.getString(2))),
                "SELECT rb.repository, rb.digest FROM repository_blobs rb WHERE rb.last_seen_at < ? AND " + NO_REFERENCE_IN_REPOSITORY
                        + " ORDER BY rb.repository, rb.digest", seenBefore));
    }

    @Override
    public int condemn(List<Link> links, long now, long seenBefore) {
        return sql.write(c -> {
            int condemned = 0;
            for (Link l : links) {
                String d = l.digest().toString();
                // taken first, so that a link a push holds is skipped rather than waited for
                if (exists(c, "SELECT 1 FROM repository_blobs WHERE repository = ? AND digest = ? AND condemned_at IS NULL "
                        + "AND last_seen_at < ?" + skipLocked, l.repository(), d, seenBefore)) {
                    condemned += update(c, "UPDATE repository_blobs SET condemned_at = ? WHERE repository = ? AND digest = ? "
                            + "AND NOT EXISTS (SELECT 1 FROM manifest_references mr WHERE mr.repository = ? AND mr.digest = ?)",
                            now, l.repository(), d, l.repository(), d);
                }
            }
            return condemned;
        });
    }

    @Override
    public List<Digest> sweepCandidates(long condemnedBefore, long seenBefore, long placingBefore) {
        return sql.read(c -> list(c, rs -> Digest.parse(rs.getString(1)),
                "SELECT digest FROM repository_blobs WHERE condemned_at IS NOT NULL AND condemned_at <= ? "
                        + "UNION SELECT b.digest FROM blobs b WHERE b.state = 'L' AND b.last_seen_at < ? "
                        + "AND NOT EXISTS (SELECT 1 FROM manifest_references mr WHERE mr.digest = b.digest) "
                        + "UNION SELECT digest FROM blobs WHERE state = 'P' AND state_at < ? ORDER BY 1",
                condemnedBefore, seenBefore, placingBefore));
    }

    private record Held(char state, long size, long lastSeenAt, long stateAt) {
    }

    @Override
    public Swept sweep(List<Digest> digests, long condemnedBefore, long seenBefore, long placingBefore) {
        return sql.write(c -> {
            long now = System.currentTimeMillis();
            List<Link> unlinked = new ArrayList<>();
            List<BlobRow> tombstoned = new ArrayList<>();
            for (Digest digest : digests.stream().sorted(java.util.Comparator.comparing(Digest::toString)).toList()) {
                String d = digest.toString();
                // The blob row first, then its links, as every writer of the digest takes them; rows a writer holds
                // are skipped: that writer is linking or referencing the blob, so it stays.
                Optional<Held> held = one(c, rs -> new Held(rs.getString(1).charAt(0), rs.getLong(2), rs.getLong(3), rs.getLong(4)),
                        "SELECT state, size, last_seen_at, state_at FROM blobs WHERE digest = ?" + skipLocked, d);
                if (held.isEmpty() || held.get().state() == 'D') {
                    continue;
                }
                for (String repository : strings(c, "SELECT repository FROM repository_blobs WHERE digest = ? ORDER BY repository"
                        + skipLocked, d)) {
                    // A later statement than the lock: it sees the references of every push that held the link before.
                    if (update(c, "DELETE FROM repository_blobs WHERE repository = ? AND digest = ? AND condemned_at IS NOT NULL "
                                    + "AND condemned_at <= ? AND last_seen_at < ? AND NOT EXISTS "
                                    + "(SELECT 1 FROM manifest_references mr WHERE mr.repository = ? AND mr.digest = ?)",
                            repository, d, condemnedBefore, seenBefore, repository, d) > 0) {
                        unlinked.add(new Link(repository, digest));
                    }
                }
                Held b = held.get();
                boolean past = b.state() == 'L' ? b.lastSeenAt() < seenBefore : b.state() == 'P' && b.stateAt() < placingBefore;
                if (past && !exists(c, "SELECT 1 FROM repository_blobs WHERE digest = ?", d)
                        && !exists(c, "SELECT 1 FROM manifest_references WHERE digest = ?", d)) {
                    update(c, "UPDATE blobs SET state = 'D', state_at = ?, deleter = NULL WHERE digest = ?", now, d);
                    tombstoned.add(new BlobRow(digest, b.size()));
                }
            }
            return new Swept(unlinked, tombstoned);
        });
    }

    @Override
    public List<BlobRow> unreferencedBlobs(long seenBefore, long placingBefore) {
        return sql.read(c -> list(c, rs -> new BlobRow(Digest.parse(rs.getString(1)), rs.getLong(2)),
                "SELECT b.digest, b.size FROM blobs b WHERE ((b.state = 'L' AND b.last_seen_at < ?) OR (b.state = 'P' AND b.state_at < ?)) "
                        + "AND NOT EXISTS (SELECT 1 FROM manifest_references mr WHERE mr.digest = b.digest) "
                        + "AND NOT EXISTS (SELECT 1 FROM repository_blobs rb WHERE rb.digest = b.digest AND rb.last_seen_at >= ?) "
                        + "ORDER BY b.digest", seenBefore, placingBefore, seenBefore));
    }

    @Override
    public Optional<BlobFacts> blobFacts(Digest digest) {
        String d = digest.toString();
        return sql.read(c -> {
            Optional<Held> row = one(c, rs -> new Held(rs.getString(1).charAt(0), rs.getLong(2), rs.getLong(3), rs.getLong(4)),
                    "SELECT state, size, last_seen_at, state_at FROM blobs WHERE digest = ?", d);
            if (row.isEmpty()) {
                return Optional.empty();
            }
            List<Link> referencedBy = list(c, rs -> new Link(rs.getString(1), Digest.parse(rs.getString(2))),
                    "SELECT repository, manifest_digest FROM manifest_references WHERE digest = ?", d);
            List<LinkSeen> links = list(c, rs -> new LinkSeen(rs.getString(1), rs.getLong(2)),
                    "SELECT repository, last_seen_at FROM repository_blobs WHERE digest = ?", d);
            return Optional.of(new BlobFacts(digest, row.get().size(), row.get().state(), row.get().lastSeenAt(), referencedBy, links));
        });
    }

    // --- orphans ----------------------------------------------------------------------------

    @Override
    public Set<String> knownBlobs(String prefix) {
        // a range, so the primary key serves it: '~' sorts after every character of a digest
        return new HashSet<>(sql.read(c -> strings(c, "SELECT digest FROM blobs WHERE digest >= ? AND digest < ?", prefix, prefix + "~")));
    }

    @Override
    public boolean queueOrphan(Digest digest, long size, long now) {
        return sql.write(c -> update(c, "INSERT INTO blobs (digest, size, created_at, last_seen_at, state, state_at) "
                + "VALUES (?, ?, ?, 0, 'D', ?) ON CONFLICT (digest) DO NOTHING", digest.toString(), size, now, now) > 0);
    }

    // --- the deletion outbox ------------------------------------------------------------------

    @Override
    public List<BlobRow> claimDeletions(long deleter, long now, long staleBefore, int limit) {
        return sql.write(c -> {
            List<BlobRow> rows = list(c, rs -> new BlobRow(Digest.parse(rs.getString(1)), rs.getLong(2)),
                    "SELECT digest, size FROM blobs WHERE state = 'D' AND (deleter IS NULL OR state_at < ?) ORDER BY digest LIMIT ?"
                            + skipLocked, staleBefore, limit);
            List<Object[]> claims = new ArrayList<>(rows.size());
            for (BlobRow r : rows) {
                claims.add(new Object[]{deleter, now, r.digest().toString()});
            }
            batch(c, "UPDATE blobs SET deleter = ?, state_at = ? WHERE digest = ?", claims);
            return rows;
        });
    }

    @Override
    public void deleted(List<Digest> digests, long deleter) {
        sql.write(c -> batch(c, "DELETE FROM blobs WHERE digest = ? AND state = 'D' AND deleter = ?", byDeleter(digests, deleter)));
    }

    @Override
    public void unclaim(List<Digest> digests, long deleter) {
        sql.write(c -> batch(c, "UPDATE blobs SET deleter = NULL WHERE digest = ? AND deleter = ?", byDeleter(digests, deleter)));
    }

    private static List<Object[]> byDeleter(List<Digest> digests, long deleter) {
        List<Object[]> rows = new ArrayList<>(digests.size());
        for (Digest d : digests) {
            rows.add(new Object[]{d.toString(), deleter});
        }
        return rows;
    }
}
