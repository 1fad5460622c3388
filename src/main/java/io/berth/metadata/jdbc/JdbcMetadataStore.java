package io.berth.metadata.jdbc;

import io.berth.oci.Names;
import static io.berth.metadata.jdbc.Sql.exists;
import static io.berth.metadata.jdbc.Sql.list;
import static io.berth.metadata.jdbc.Sql.one;
import static io.berth.metadata.jdbc.Sql.optionalLong;
import static io.berth.metadata.jdbc.Sql.strings;
import static io.berth.metadata.jdbc.Sql.update;

import io.berth.oci.ManifestRecord;
import io.berth.metadata.ImmutableTagException;
import io.berth.metadata.MetadataStore;
import io.berth.metadata.MissingReferencesException;
import io.berth.metadata.RepositoryBrowser;
import io.berth.oci.Digest;
import io.berth.stats.Counter;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/** The metadata store on SQLite or PostgreSQL, through plain JDBC. */
public final class JdbcMetadataStore implements MetadataStore {
    private static final String MANIFEST_COLUMNS =
            "m.repository, m.digest, m.media_type, m.content, m.artifact_type, m.subject, m.annotations, m.created_at";

    private final Database db;
    private final Sql sql;

    private JdbcMetadataStore(Database db) {
        this.db = db;
        this.sql = new Sql(db);
    }

    /** The access store (users, namespaces, tokens, audit) on the same database. */
    public io.berth.auth.AccessStore accessStore() {
        return new JdbcAccessStore(sql);
    }

    /** What the web UI lists and searches, on the same database. */
    public RepositoryBrowser browser() {
        return new JdbcRepositoryBrowser(sql);
    }

    /** The store of immutable tag and retention rules, on the same database. */
    public io.berth.lifecycle.LifecycleStore lifecycleStore() {
        return new JdbcLifecycleStore(sql);
    }

    /** The webhooks, their outbox and delivery log, on the same database. */
    public io.berth.webhooks.WebhookStore webhookStore() {
        return new JdbcWebhookStore(sql);
    }

    /** The garbage collector's queries on the same database. */
    public io.berth.metadata.GcStore gcStore() {
        return new JdbcGcStore(sql);
    }

    /** The usage statistics (counters kept by this store's writes, daily activity, last pulls) on the same database. */
    public io.berth.stats.UsageStore usageStore() {
        return new JdbcUsageStore(sql);
    }

    /** An embedded SQLite database in the given file (created and migrated as needed). */
    public static JdbcMetadataStore sqlite(Path file) {
        return sqlite(file, true);
    }

    /** {@code durable} false trades power-loss safety of the last transactions for speed (synchronous=NORMAL). */
    public static JdbcMetadataStore sqlite(Path file, boolean durable) {
        return new JdbcMetadataStore(Database.sqlite(file, Math.max(4, Runtime.getRuntime().availableProcessors() * 2),
                durable, GroupCommit.Listener.NONE));
    }

    /** A PostgreSQL database, from a jdbc:postgresql:// or postgres:// URL. */
    public static JdbcMetadataStore postgres(String url, int poolSize) {
        return new JdbcMetadataStore(Database.postgres(url, poolSize));
    }

    // --- repositories -----------------------------------------------------------------------

    @Override
    public boolean repositoryExists(String repository) {
        return sql.read(c -> exists(c, "SELECT 1 FROM repositories WHERE name = ?", repository));
    }

    @Override
    public List<String> repositories(String last, int limit) {
        return sql.read(c -> strings(c, last == null
                        ? "SELECT name FROM repositories ORDER BY name LIMIT ?"
                        : "SELECT name FROM repositories WHERE name > ? ORDER BY name LIMIT ?",
                last == null ? new Object[]{limit} : new Object[]{last, limit}));
    }

    @Override
    public List<String> pushedRepositories(String namespace) {
        String prefix = namespace.isEmpty() ? "" : namespace + "/"; // "": every repository (a mirror at the root)
        // SUBSTR, not LIKE: namespaces may contain "_", a LIKE wildcard
        return sql.read(c -> strings(c, "SELECT name FROM repositories WHERE pushed AND SUBSTR(name, 1, ?) = ? ORDER BY name",
                prefix.length(), prefix));
    }

    /**
     * A new repository's tag version starts at random (below 2^62, so bumps never overflow): a repository
     * deleted and created again under its name must not match a tag list some node cached for the old one.
     * On PostgreSQL the row is then held FOR KEY SHARE until the write commits, so a namespace delete
     * (JdbcAccessStore) waits for it rather than leaving its rows behind; KEY SHARE, unlike SHARE, lets
     * concurrent pushes still bump tag_version without deadlocking. SQLite has one writer anyway.
     */
    private boolean ensureRepository(Connection c, String repository, long now, UsageDelta delta) throws SQLException {
        long tagVersion = java.util.concurrent.ThreadLocalRandom.current().nextLong(1L << 62);
        int created = update(c,
                "INSERT INTO repositories (name, namespace, created_at, tag_version) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING",
                repository, Names.namespaceOf(repository), now, tagVersion);
        delta.add(repository, Counter.REPOSITORIES, created);
        if (db.dialect == Dialect.POSTGRESQL) {
            exists(c, "SELECT 1 FROM repositories WHERE name = ? FOR KEY SHARE", repository);
        }
        return created > 0;
    }

    /**
     * Deletes the repository and every row that belongs to it, counting what went; blob rows stay (their
     * bytes are garbage collection's). The repositories row goes first: on PostgreSQL a push holds it FOR KEY
     * SHARE until it commits ({@link #ensureRepository}), so this waits for pushes in flight, and the deletes
     * that follow see what they wrote; a push that starts later creates a new repository instead.
     */
    @Override
    public boolean deleteRepository(String repository) {
        return UsageDelta.write(sql, (c, delta) -> {
            int deleted = update(c, "DELETE FROM repositories WHERE name = ?", repository);
            JdbcLifecycleStore.refuseImmutableRepository(c, repository); // after the row: a push in flight has committed its tags
            delta.add(repository, Counter.REPOSITORIES, -deleted);
            for (String digest : strings(c, "DELETE FROM repository_blobs WHERE repository = ? RETURNING digest", repository)) {
                delta.blobUnlinked(c, repository, Digest.parse(digest));
            }
            delta.manifestsDeleted(c, "repository = ?", repository);
            delta.add(repository, Counter.TAGS, -update(c, "DELETE FROM tags WHERE repository = ?", repository));
            for (String table : UNCOUNTED_REPOSITORY_TABLES) {
                update(c, "DELETE FROM " + table + " WHERE repository = ?", repository);
            }
            return deleted > 0;
        });
    }

    @Override
    public boolean createRepository(String repository) {
        return UsageDelta.write(sql, (c, delta) -> {
            boolean created = ensureRepository(c, repository, System.currentTimeMillis(), delta);
            if (created) {
                update(c, "UPDATE repositories SET pushed = TRUE WHERE name = ?", repository);
            }
            return created;
        });
    }

    /** Tables whose rows belong to a repository, by their {@code repository} column, that the counters do not count. */
    static final List<String> UNCOUNTED_REPOSITORY_TABLES = List.of("manifest_references", "uploads", "manifest_pulls", "tag_pulls");

    // --- blobs ------------------------------------------------------------------------------
    //
    // blobs.state: 'L' live, 'P' placing (a writer moves bytes into place), 'D' deleting (the outbox; deleter
    // set while a collector deletes the bytes). Every statement here that depends on a blob's state writes or
    // locks its row first, so on PostgreSQL it waits for a collector holding the row and then sees what the
    // collector committed; the collector takes rows FOR UPDATE SKIP LOCKED and so never waits for a writer.

    @Override
    public Placement reserveBlob(String repository, Digest digest, long size, String uploadId, boolean push) {
        String d = digest.toString();
        return UsageDelta.write(sql, (c, delta) -> {
            long now = System.currentTimeMillis();
            if (push) {
                delta.limitedByQuota(repository);
            }
            // Queued bytes (D, not claimed by a collector) become this writer's to replace: the outbox never
            // deletes a P row. A collector's claim (deleter set) is waited out by the caller. A new row is
            // counted here; the counters of rows a collection deleted are set right by its reconcile.
            if (update(c, "INSERT INTO blobs (digest, size, created_at, last_seen_at, state, state_at) VALUES (?, ?, ?, ?, 'P', ?) "
                    + "ON CONFLICT (digest) DO NOTHING", d, size, now, now, now) > 0) {
                delta.registry(Counter.BLOBS, 1);
                delta.registry(Counter.BLOB_BYTES, size);
            } else {
                update(c, "UPDATE blobs SET state = CASE WHEN state = 'D' AND deleter IS NULL THEN 'P' ELSE state END, "
                        + "state_at = CASE WHEN state = 'L' OR deleter IS NOT NULL THEN state_at ELSE ? END WHERE digest = ?", now, d);
            }
            String state = one(c, rs -> rs.getString(1), "SELECT state FROM blobs WHERE digest = ?", d).orElseThrow();
            switch (state) {
                case "L" -> {
                    ensureRepository(c, repository, now, delta);
                    update(c, "UPDATE blobs SET last_seen_at = ? WHERE digest = ?", now, d);
                    addLink(c, repository, digest, now, delta);
                    endUpload(c, uploadId);
                    return Placement.LINKED;
                }
                case "P" -> {
                    if (push) {
                        checkQuotaBeforePlacing(c, repository, digest, size);
                    }
                    return Placement.PLACE;
                }
                default -> {
                    return Placement.BUSY;
                }
            }
        });
    }

    /**
     * A push's bytes are refused before they move under their digest when linking them would exceed the quota,
     * so a refused upload leaves nothing but its upload data (deleted with the session). {@link #linkBlob} checks
     * again: a concurrent push may have used the room meanwhile (its bytes then wait, a placing row, for GC).
     */
    private void checkQuotaBeforePlacing(Connection c, String repository, Digest digest, long size) throws SQLException {
        long[] wouldAdd = new long[Counter.values().length];
        wouldAdd[Counter.REPOSITORIES.ordinal()] = exists(c, "SELECT 1 FROM repositories WHERE name = ?", repository) ? 0 : 1;
        wouldAdd[Counter.BLOB_BYTES.ordinal()] = exists(c, "SELECT 1 FROM namespace_blobs WHERE namespace = ? AND digest = ?",
                Names.namespaceOf(repository), digest.toString()) ? 0 : size;
        QuotaCheck.enforce(c, db.dialect, repository, wouldAdd);
    }

    @Override
    public void linkBlob(String repository, Digest digest, long size, boolean push) {
        UsageDelta.write(sql, (c, delta) -> {
            if (push) {
                delta.limitedByQuota(repository);
            }
            link(c, repository, digest, size, delta);
            return null;
        });
    }

    @Override
    public void linkUploadedBlob(String repository, Digest digest, long size, String uploadId) {
        UsageDelta.write(sql, (c, delta) -> {
            delta.limitedByQuota(repository);
            link(c, repository, digest, size, delta);
            endUpload(c, uploadId);
            return null;
        });
    }

    private static void endUpload(Connection c, String uploadId) throws SQLException {
        if (uploadId != null) {
            update(c, "DELETE FROM uploads WHERE id = ?", uploadId);
        }
    }

    private void link(Connection c, String repository, Digest digest, long size, UsageDelta delta) throws SQLException {
        long now = System.currentTimeMillis();
        ensureRepository(c, repository, now, delta);
        String d = digest.toString();
        // A new row is counted; one that is there (live, or placed after a tombstone) becomes live again, unless a
        // collector is deleting its bytes. The counters of blobs a collection deleted are set right by its reconcile.
        if (update(c, "INSERT INTO blobs (digest, size, created_at, last_seen_at, state, state_at) VALUES (?, ?, ?, ?, 'L', ?) "
                + "ON CONFLICT (digest) DO NOTHING", d, size, now, now, now) > 0) {
            delta.registry(Counter.BLOBS, 1);
            delta.registry(Counter.BLOB_BYTES, size);
        } else if (update(c, "UPDATE blobs SET state = 'L', last_seen_at = ?, "
                + "state_at = CASE WHEN state = 'L' THEN state_at ELSE ? END WHERE digest = ? AND deleter IS NULL", now, now, d) == 0) {
            throw new io.berth.metadata.MetadataUnavailableException("blob " + d + " is being deleted by garbage collection; try again", null);
        }
        addLink(c, repository, digest, now, delta);
    }

    /** A link told to a client now: fresh, and no longer condemned; a new one is counted. */
    private static void addLink(Connection c, String repository, Digest digest, long now, UsageDelta delta) throws SQLException {
        if (update(c, "INSERT INTO repository_blobs (repository, digest, created_at, last_seen_at) VALUES (?, ?, ?, ?) "
                + "ON CONFLICT (repository, digest) DO NOTHING", repository, digest.toString(), now, now) > 0) {
            delta.blobLinked(c, repository, digest);
        } else {
            update(c, "UPDATE repository_blobs SET last_seen_at = ?, condemned_at = NULL WHERE repository = ? AND digest = ?",
                    now, repository, digest.toString());
        }
    }

    @Override
    public OptionalLong linkStoredBlob(String repository, Digest digest) {
        String d = digest.toString();
        return UsageDelta.write(sql, (c, delta) -> {
            long now = System.currentTimeMillis();
            if (!touchStoredBlob(c, d, now)) {
                return OptionalLong.empty();
            }
            ensureRepository(c, repository, now, delta);
            addLink(c, repository, digest, now, delta);
            return optionalLong(c, "SELECT size FROM blobs WHERE digest = ?", d);
        });
    }

    @Override
    public OptionalLong mountBlob(String repository, Digest digest, String from) {
        String d = digest.toString();
        return UsageDelta.write(sql, (c, delta) -> {
            delta.limitedByQuota(repository);
            long now = System.currentTimeMillis();
            // the blob row first, then the source link held until the mount commits: a collector skips both
            if (!touchStoredBlob(c, d, now)
                    || !exists(c, "SELECT 1 FROM repository_blobs WHERE repository = ? AND digest = ?" + db.dialect.forShare, from, d)) {
                return OptionalLong.empty();
            }
            ensureRepository(c, repository, now, delta);
            addLink(c, repository, digest, now, delta);
            return optionalLong(c, "SELECT size FROM blobs WHERE digest = ?", d);
        });
    }

    /** Marks a live blob as just linked, holding its row (on PostgreSQL) until the transaction ends; false when it is not live. */
    private static boolean touchStoredBlob(Connection c, String digest, long now) throws SQLException {
        return update(c, "UPDATE blobs SET last_seen_at = ? WHERE digest = ? AND state = 'L'", now, digest) > 0;
    }

    /** A link as a read finds it: its blob's size, and whether a collector has condemned it. */
    private record Linked(long size, boolean condemned) {
    }

    @Override
    public OptionalLong linkedBlobSize(String repository, Digest digest) {
        Optional<Linked> linked = sql.read(c -> one(c, rs -> new Linked(rs.getLong(1), rs.getObject(2) != null),
                "SELECT b.size, rb.condemned_at FROM repository_blobs rb JOIN blobs b ON b.digest = rb.digest "
                        + "WHERE rb.repository = ? AND rb.digest = ? AND b.state = 'L'", repository, digest.toString()));
        if (linked.isEmpty()) {
            return OptionalLong.empty();
        }
        return linked.get().condemned() ? rescue(repository, digest) : OptionalLong.of(linked.get().size());
    }

    /**
     * A client is about to be told that a condemned link exists: take it back from the collector first (the
     * update waits for a collector holding the row), or answer that it is gone.
     */
    private OptionalLong rescue(String repository, Digest digest) {
        String d = digest.toString();
        return sql.write(c -> {
            if (update(c, "UPDATE repository_blobs SET condemned_at = NULL, last_seen_at = ? WHERE repository = ? AND digest = ?",
                    System.currentTimeMillis(), repository, d) == 0) {
                return OptionalLong.empty();
            }
            return optionalLong(c, "SELECT size FROM blobs WHERE digest = ? AND state = 'L'", d);
        });
    }

    @Override
    public OptionalLong blobSize(Digest digest) {
        return sql.read(c -> optionalLong(c, "SELECT size FROM blobs WHERE digest = ? AND state = 'L'", digest.toString()));
    }

    @Override
    public boolean unlinkBlob(String repository, Digest digest) {
        return UsageDelta.write(sql, (c, delta) -> {
            if (update(c, "DELETE FROM repository_blobs WHERE repository = ? AND digest = ?", repository, digest.toString()) == 0) {
                return false;
            }
            delta.blobUnlinked(c, repository, digest);
            return true;
        });
    }

    @Override
    public void recordBlobsSeen(Collection<Link> links, long when) {
        if (links.isEmpty()) {
            return;
        }
        // In (repository, digest) order, the order in which a manifest push holds its links, so two can never wait for each other.
        List<Link> sorted = new ArrayList<>(links);
        sorted.sort(java.util.Comparator.comparing(Link::repository).thenComparing(l -> l.digest().toString()));
        List<Object[]> rows = new ArrayList<>(sorted.size());
        for (Link l : sorted) {
            rows.add(new Object[]{when, l.repository(), l.digest().toString(), when});
        }
        sql.write(c -> Sql.batch(c, "UPDATE repository_blobs SET last_seen_at = ?, condemned_at = NULL "
                + "WHERE repository = ? AND digest = ? AND (last_seen_at < ? OR condemned_at IS NOT NULL)", rows));
    }

    // --- manifests and tags -----------------------------------------------------------------

    @Override
    public void putManifest(ManifestRecord m, String tag, Collection<Digest> blobs, Collection<Digest> children) {
        storeManifest(m, tag, blobs, children, true);
    }

    @Override
    public void putCachedManifest(ManifestRecord m, String tag, Collection<Digest> blobs, Collection<Digest> children) {
        storeManifest(m, tag, blobs, children, false);
    }

    @Override
    public OptionalLong tagUpdatedAt(String repository, String tag) {
        return sql.read(c -> optionalLong(c, "SELECT updated_at FROM tags WHERE repository = ? AND name = ?", repository, tag));
    }

    @Override
    public void touchTag(String repository, String tag, long when) {
        sql.write(c -> update(c, "UPDATE tags SET updated_at = ? WHERE repository = ? AND name = ?", when, repository, tag));
    }

    private void storeManifest(ManifestRecord m, String tag, Collection<Digest> blobs, Collection<Digest> children, boolean verify) {
        UsageDelta.write(sql, (c, delta) -> {
            if (verify) { // a push; a cache fill follows its upstream and is not limited
                delta.limitedByQuota(m.repository());
                checkReferences(c, m.repository(), blobs, children);
            }
            ensureRepository(c, m.repository(), m.createdMillis(), delta);
            if (verify) {
                update(c, "UPDATE repositories SET pushed = TRUE WHERE name = ? AND NOT pushed", m.repository());
            }
            String digest = m.digest().toString();
            int inserted = insertManifest(c, m, blobs, children);
            if (inserted > 0) {
                delta.manifest(m.repository(), m.mediaType(), m.artifactType(), m.size(), 1);
            }
            if (tag != null) {
                if (inserted == 0 && db.dialect == Dialect.POSTGRESQL && !exists(c, "SELECT 1 FROM manifests WHERE repository = ? "
                        + "AND digest = ? FOR SHARE", m.repository(), digest)) {
                    // A delete committed between our insert (which found the row) and now: store it again, or the
                    // tag would point at nothing. Held FOR SHARE from here on, so a delete waits for this push.
                    if (insertManifest(c, m, blobs, children) > 0) {
                        delta.manifest(m.repository(), m.mediaType(), m.artifactType(), m.size(), 1);
                    }
                }
                if (moveTag(c, m, tag, verify)) {
                    delta.add(m.repository(), Counter.TAGS, 1);
                }
                bumpTagVersion(c, m.repository());
            }
            return null;
        });
    }

    private static final String MOVE_TAG = "UPDATE tags SET digest = ?, updated_at = ?, pushed_at = ? WHERE repository = ? AND name = ?";

    /**
     * Points the tag at the manifest; true when the tag is new (counted by the caller). A push (not a cache
     * fill, which follows its upstream) may not move an immutable tag to another digest. The tag is inserted
     * first, so that of two pushes racing to create it the second finds the first's row (PostgreSQL makes it
     * wait for that commit) and is then refused, rather than moving it; the row stays locked for the rest.
     */
    private static boolean moveTag(Connection c, ManifestRecord m, String tag, boolean push) throws SQLException {
        String digest = m.digest().toString();
        if (update(c, "INSERT INTO tags (repository, name, digest, updated_at, pushed_at) VALUES (?, ?, ?, ?, ?) "
                + "ON CONFLICT (repository, name) DO NOTHING", m.repository(), tag, digest, m.createdMillis(), m.createdMillis()) > 0) {
            return true;
        }
        Object[] move = {digest, m.createdMillis(), m.createdMillis(), m.repository(), tag};
        String rule = push ? JdbcLifecycleStore.patternFor(c, m.repository(), tag) : null;
        if (rule == null || update(c, MOVE_TAG + " AND digest = ?", digest, m.createdMillis(), m.createdMillis(), m.repository(), tag,
                digest) > 0) {
            if (rule == null) {
                update(c, MOVE_TAG, move);
            }
            return false;
        }
        Optional<Digest> current = JdbcLifecycleStore.tagTarget(c, "", m.repository(), tag);
        if (current.isPresent() && !JdbcLifecycleStore.isReferrer(c, m.repository(), current.get())) {
            throw ImmutableTagException.move(m.repository(), tag, rule, current.get(), m.digest());
        }
        update(c, MOVE_TAG, move); // the tag names a referrer (a signature, an attestation): exempt
        return false;
    }

    /** The manifest with its references, unless it is there; how many rows it inserted. */
    private static int insertManifest(Connection c, ManifestRecord m, Collection<Digest> blobs, Collection<Digest> children)
            throws SQLException {
        String digest = m.digest().toString();
        int inserted = update(c, "INSERT INTO manifests (repository, digest, media_type, artifact_type, subject, "
                        + "annotations, size, content, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                        + "ON CONFLICT (repository, digest) DO NOTHING",
                m.repository(), digest, m.mediaType(), m.artifactType(),
                m.subject() == null ? null : m.subject().toString(), m.annotations(), m.size(), m.content(),
                m.createdMillis());
        if (inserted > 0) {
            insertReferences(c, m.repository(), digest, blobs, "b");
            insertReferences(c, m.repository(), digest, children, "m");
        }
        return inserted;
    }

    private void checkReferences(Connection c, String repository, Collection<Digest> blobs, Collection<Digest> children)
            throws SQLException {
        List<Digest> missingBlobs = missing(c,
                "SELECT digest FROM repository_blobs WHERE repository = ? AND digest = ?" + db.dialect.forShare, repository, blobs);
        List<Digest> missingChildren = missing(c,
                "SELECT digest FROM manifests WHERE repository = ? AND digest = ?" + db.dialect.forShare, repository, children);
        if (!missingBlobs.isEmpty() || !missingChildren.isEmpty()) {
            throw new MissingReferencesException(missingBlobs, missingChildren);
        }
    }

    private static List<Digest> missing(Connection c, String sql, String repository, Collection<Digest> digests) throws SQLException {
        List<Digest> missing = new ArrayList<>();
        if (digests.isEmpty()) {
            return missing;
        }
        // Checked (and on PostgreSQL held) in digest order, the order in which the batched "seen" updates take
        // link rows, so the two never wait for each other; reported in the manifest's order.
        Set<String> absent = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (String d : new java.util.TreeSet<>(digests.stream().map(Digest::toString).toList())) {
                ps.setString(1, repository);
                ps.setString(2, d);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        absent.add(d);
                    }
                }
            }
        }
        for (Digest d : new LinkedHashSet<>(digests)) {
            if (absent.contains(d.toString())) {
                missing.add(d);
            }
        }
        return missing;
    }

    private static void insertReferences(Connection c, String repository, String manifest, Collection<Digest> refs,
                                         String kind) throws SQLException {
        if (refs.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO manifest_references (repository, manifest_digest, digest, kind) "
                + "VALUES (?, ?, ?, ?) ON CONFLICT (repository, manifest_digest, digest) DO NOTHING")) {
            Set<Digest> seen = new HashSet<>();
            for (Digest d : refs) {
                if (seen.add(d)) {
                    ps.setString(1, repository);
                    ps.setString(2, manifest);
                    ps.setString(3, d.toString());
                    ps.setString(4, kind);
                    ps.addBatch();
                }
            }
            ps.executeBatch();
        }
    }

    @Override
    public Optional<ManifestRecord> manifest(String repository, Digest digest) {
        return sql.read(c -> oneManifest(c, "SELECT " + MANIFEST_COLUMNS + " FROM manifests m WHERE m.repository = ? AND m.digest = ?",
                repository, digest.toString()));
    }

    @Override
    public Optional<ManifestRecord> manifestByTag(String repository, String tag) {
        return sql.read(c -> oneManifest(c, "SELECT " + MANIFEST_COLUMNS + " FROM tags t JOIN manifests m "
                + "ON m.repository = t.repository AND m.digest = t.digest WHERE t.repository = ? AND t.name = ?", repository, tag));
    }

    /**
     * The manifest row is locked first (PostgreSQL), so a push tagging it that is in flight finishes first and
     * its tag is seen here; one that comes later waits, then stores the manifest again.
     */
    @Override
    public boolean deleteManifest(String repository, Digest digest) {
        String d = digest.toString();
        return UsageDelta.write(sql, (c, delta) -> {
            List<String> subject = strings(c, "SELECT subject FROM manifests WHERE repository = ? AND digest = ?" + db.dialect.forUpdate,
                    repository, d);
            if (!subject.isEmpty() && subject.getFirst() == null) { // referrers are exempt
                JdbcLifecycleStore.refuseImmutableTags(c, repository, digest);
            }
            return deleteManifest(c, repository, d, delta);
        });
    }

    /**
     * Deletes a manifest with its tags and references, bumping the tag version when a tag went; true when it
     * existed; no immutable-tag check. For garbage collection's policies, which delete only untagged manifests
     * and referrers (which immutable tags do not hold), and for the delete above once it checked.
     */
    static boolean deleteManifest(Connection c, String repository, String digest, UsageDelta delta) throws SQLException {
        List<String> tags = strings(c, "DELETE FROM tags WHERE repository = ? AND digest = ? RETURNING name", repository, digest);
        if (!tags.isEmpty()) {
            bumpTagVersion(c, repository);
            delta.add(repository, Counter.TAGS, -tags.size());
            UsageDelta.forgetTagPulls(c, repository, tags);
        }
        return removeManifest(c, repository, digest, delta);
    }

    /** Deletes a manifest row, counted, with its references and last pull (its tags are the caller's); true when it existed. */
    static boolean removeManifest(Connection c, String repository, String digest, UsageDelta delta) throws SQLException {
        update(c, "DELETE FROM manifest_references WHERE repository = ? AND manifest_digest = ?", repository, digest);
        return delta.manifestDeleted(c, repository, digest);
    }

    @Override
    public boolean deleteTag(String repository, String tag) {
        return UsageDelta.write(sql, (c, delta) -> {
            String rule = JdbcLifecycleStore.immutableRule(c, db.dialect.forUpdate, repository, tag);
            if (rule != null) {
                throw ImmutableTagException.delete(repository, tag, rule);
            }
            boolean deleted = update(c, "DELETE FROM tags WHERE repository = ? AND name = ?", repository, tag) > 0;
            if (deleted) {
                bumpTagVersion(c, repository);
                delta.add(repository, Counter.TAGS, -1);
                UsageDelta.forgetTagPulls(c, repository, List.of(tag));
            }
            return deleted;
        });
    }

    @Override
    public OptionalLong tagVersion(String repository) {
        return sql.read(c -> optionalLong(c, "SELECT tag_version FROM repositories WHERE name = ?", repository));
    }

    static void bumpTagVersion(Connection c, String repository) throws SQLException {
        update(c, "UPDATE repositories SET tag_version = tag_version + 1 WHERE name = ?", repository);
    }

    @Override
    public List<String> tags(String repository, String last, int limit) {
        // One row holding the page's names joined by newlines (which a tag cannot contain): with thousands of
        // tags, fetching a row (with SQLite, a JNI call and a String) per name was a third of the request.
        String page = last == null
                ? "SELECT name FROM tags WHERE repository = ? ORDER BY name LIMIT ?"
                : "SELECT name FROM tags WHERE repository = ? AND name > ? ORDER BY name LIMIT ?";
        List<String> joined = sql.read(c -> strings(c, "SELECT " + db.dialect.joinedNames + " FROM (" + page + ") page",
                last == null ? new Object[]{repository, limit} : new Object[]{repository, last, limit}));
        String names = joined.isEmpty() ? null : joined.getFirst();
        return names == null || names.isEmpty() ? List.of() : List.of(names.split("\n"));
    }

    @Override
    public List<ManifestRecord> referrers(String repository, Digest subject, String artifactType) {
        String query = "SELECT " + MANIFEST_COLUMNS + " FROM manifests m WHERE m.repository = ? AND m.subject = ?"
                + (artifactType == null ? "" : " AND m.artifact_type = ?") + " ORDER BY m.digest";
        Object[] args = artifactType == null
                ? new Object[]{repository, subject.toString()}
                : new Object[]{repository, subject.toString(), artifactType};
        return sql.read(c -> list(c, JdbcMetadataStore::toManifest, query, args));
    }

    // --- upload sessions --------------------------------------------------------------------

    @Override
    public void createUpload(String id, String repository, Instant started) {
        sql.write(c -> update(c, "INSERT INTO uploads (id, repository, started_at) VALUES (?, ?, ?)",
                id, repository, started.toEpochMilli()));
    }

    @Override
    public Optional<String> uploadRepository(String id) {
        return sql.read(c -> {
            List<String> r = strings(c, "SELECT repository FROM uploads WHERE id = ?", id);
            return r.isEmpty() ? Optional.empty() : Optional.of(r.getFirst());
        });
    }

    @Override
    public void deleteUpload(String id) {
        sql.write(c -> update(c, "DELETE FROM uploads WHERE id = ?", id));
    }

    @Override
    public List<String> uploadsStartedBefore(Instant before) {
        return sql.read(c -> strings(c, "SELECT id FROM uploads WHERE started_at < ? ORDER BY started_at", before.toEpochMilli()));
    }

    @Override
    public void checkHealth() {
        sql.read(c -> exists(c, "SELECT 1"));
        sql.write(c -> exists(c, "SELECT 1"));
    }

    @Override
    public void close() {
        db.close();
    }

    private static Optional<ManifestRecord> oneManifest(Connection c, String sql, Object... args) throws SQLException {
        return one(c, JdbcMetadataStore::toManifest, sql, args);
    }

    private static ManifestRecord toManifest(ResultSet rs) throws SQLException {
        String subject = rs.getString(6);
        return new ManifestRecord(rs.getString(1), Digest.parse(rs.getString(2)), rs.getString(3), rs.getBytes(4),
                rs.getString(5), subject == null ? null : Digest.parse(subject), rs.getString(7), rs.getLong(8));
    }
}
