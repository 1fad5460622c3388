package io.berth.metadata.jdbc;

import static io.berth.metadata.jdbc.Sql.exists;
import static io.berth.metadata.jdbc.Sql.list;
import static io.berth.metadata.jdbc.Sql.one;
import static io.berth.metadata.jdbc.Sql.optionalLong;
import static io.berth.metadata.jdbc.Sql.strings;
import static io.berth.metadata.jdbc.Sql.update;

import io.berth.oci.ManifestRecord;
import io.berth.metadata.MetadataStore;
import io.berth.metadata.MissingReferencesException;
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
    private void ensureRepository(Connection c, String repository, long now, UsageDelta delta) throws SQLException {
        long tagVersion = java.util.concurrent.ThreadLocalRandom.current().nextLong(1L << 62);
        delta.add(repository, Counter.REPOSITORIES, update(c,
                "INSERT INTO repositories (name, created_at, tag_version) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
                repository, now, tagVersion));
        if (db.dialect == Dialect.POSTGRESQL) {
            exists(c, "SELECT 1 FROM repositories WHERE name = ? FOR KEY SHARE", repository);
        }
    }

    // --- blobs ------------------------------------------------------------------------------

    @Override
    public void linkBlob(String repository, Digest digest, long size) {
        UsageDelta.write(sql, (c, delta) -> {
            link(c, repository, digest, size, delta);
            return null;
        });
    }

    @Override
    public void linkUploadedBlob(String repository, Digest digest, long size, String uploadId) {
        UsageDelta.write(sql, (c, delta) -> {
            link(c, repository, digest, size, delta);
            update(c, "DELETE FROM uploads WHERE id = ?", uploadId);
            return null;
        });
    }

    private void link(Connection c, String repository, Digest digest, long size, UsageDelta delta) throws SQLException {
        long now = System.currentTimeMillis();
        ensureRepository(c, repository, now, delta);
        if (update(c, "INSERT INTO blobs (digest, size, created_at) VALUES (?, ?, ?) ON CONFLICT (digest) DO NOTHING",
                digest.toString(), size, now) > 0) {
            delta.registry(Counter.BLOBS, 1);
            delta.registry(Counter.BLOB_BYTES, size);
        }
        if (update(c, "INSERT INTO repository_blobs (repository, digest, created_at) VALUES (?, ?, ?) "
                + "ON CONFLICT (repository, digest) DO NOTHING", repository, digest.toString(), now) > 0) {
            delta.blobLinked(c, repository, digest);
        }
    }

    @Override
    public OptionalLong linkedBlobSize(String repository, Digest digest) {
        return sql.read(c -> optionalLong(c, "SELECT b.size FROM repository_blobs rb JOIN blobs b ON b.digest = rb.digest "
                + "WHERE rb.repository = ? AND rb.digest = ?", repository, digest.toString()));
    }

    @Override
    public OptionalLong blobSize(Digest digest) {
        return sql.read(c -> optionalLong(c, "SELECT size FROM blobs WHERE digest = ?", digest.toString()));
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
            if (verify) {
                checkReferences(c, m.repository(), blobs, children);
            }
            ensureRepository(c, m.repository(), m.createdMillis(), delta);
            if (verify) {
                update(c, "UPDATE repositories SET pushed = TRUE WHERE name = ? AND NOT pushed", m.repository());
            }
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
                delta.manifest(m.repository(), m.mediaType(), m.artifactType(), m.size(), 1);
            }
            if (tag != null) {
                setTag(c, m.repository(), tag, digest, m.createdMillis(), delta);
                bumpTagVersion(c, m.repository());
            }
            return null;
        });
    }

    /** Points the tag at the digest; a new tag is counted (an insert that found the tag there changes nothing, then it moves). */
    private static void setTag(Connection c, String repository, String tag, String digest, long when, UsageDelta delta) throws SQLException {
        if (update(c, "INSERT INTO tags (repository, name, digest, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (repository, name) DO NOTHING",
                repository, tag, digest, when) > 0) {
            delta.add(repository, Counter.TAGS, 1);
        } else {
            update(c, "UPDATE tags SET digest = ?, updated_at = ? WHERE repository = ? AND name = ?", digest, when, repository, tag);
        }
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
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (Digest d : new LinkedHashSet<>(digests)) {
                ps.setString(1, repository);
                ps.setString(2, d.toString());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        missing.add(d);
                    }
                }
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

    @Override
    public boolean deleteManifest(String repository, Digest digest) {
        String d = digest.toString();
        return UsageDelta.write(sql, (c, delta) -> {
            List<String> tags = strings(c, "DELETE FROM tags WHERE repository = ? AND digest = ? RETURNING name", repository, d);
            if (!tags.isEmpty()) {
                bumpTagVersion(c, repository);
                delta.add(repository, Counter.TAGS, -tags.size());
                UsageDelta.forgetTagPulls(c, repository, tags);
            }
            update(c, "DELETE FROM manifest_references WHERE repository = ? AND manifest_digest = ?", repository, d);
            return delta.manifestDeleted(c, repository, d);
        });
    }

    @Override
    public boolean deleteTag(String repository, String tag) {
        return UsageDelta.write(sql, (c, delta) -> {
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

    private static void bumpTagVersion(Connection c, String repository) throws SQLException {
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
