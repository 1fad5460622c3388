package io.berth.metadata.jdbc;

import static io.berth.metadata.jdbc.Sql.list;
import static io.berth.metadata.jdbc.Sql.optionalLong;

import io.berth.metadata.RepositoryBrowser;
import io.berth.oci.Digest;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** {@link RepositoryBrowser} in SQL: every listing one statement, with keyset pagination. */
final class JdbcRepositoryBrowser implements RepositoryBrowser {
    /**
     * What a tag's manifest references, summed in the same statement: its own blobs, and its children's for an index.
     * The children are found first (IN, by the tag's manifest): as a join, SQLite read every blob reference of the
     * repository for each tag listed (a page of a repository of 1,000 tags took 100 ms instead of 4).
     */
    private static final String CONTENT_BYTES = "(SELECT COALESCE(SUM(b.size), 0) FROM manifest_references r JOIN blobs b ON b.digest = r.digest"
            + " WHERE r.repository = t.repository AND r.manifest_digest = t.digest AND r.kind = 'b')"
            + " + (SELECT COALESCE(SUM(b.size), 0) FROM manifest_references r JOIN blobs b ON b.digest = r.digest"
            + " WHERE r.repository = t.repository AND r.kind = 'b' AND r.manifest_digest IN (SELECT c.digest FROM manifest_references c"
            + " WHERE c.repository = t.repository AND c.manifest_digest = t.digest AND c.kind = 'm'))";
    private static final String TAG_COLUMNS = "t.name, t.digest, m.media_type, m.artifact_type, m.size, " + CONTENT_BYTES + ", t.updated_at";

    /**
     * {@code doomed}: the manifest and the children only it keeps; the answer: the blobs they reference that no
     * reference from outside {@code doomed}, in any repository, holds.
     */
    private static final String FREED_BY = "WITH doomed (repository, manifest_digest) AS ("
            + "SELECT m.repository, m.digest FROM manifests m WHERE m.repository = ? AND m.digest = ?"
            + " UNION SELECT c.repository, c.digest FROM manifest_references c WHERE c.repository = ? AND c.manifest_digest = ? AND c.kind = 'm'"
            + " AND NOT EXISTS (SELECT 1 FROM tags t WHERE t.repository = c.repository AND t.digest = c.digest)"
            + " AND NOT EXISTS (SELECT 1 FROM manifest_references o WHERE o.repository = c.repository AND o.digest = c.digest"
            + " AND o.kind = 'm' AND o.manifest_digest <> c.manifest_digest))"
            + " SELECT b.digest, b.size FROM blobs b WHERE b.digest IN (SELECT r.digest FROM manifest_references r"
            + " JOIN doomed d ON d.repository = r.repository AND d.manifest_digest = r.manifest_digest WHERE r.kind = 'b')"
            + " AND NOT EXISTS (SELECT 1 FROM manifest_references o JOIN repositories ro ON ro.name = o.repository"
            + " WHERE o.digest = b.digest AND NOT EXISTS"
            + " (SELECT 1 FROM doomed d WHERE d.repository = o.repository AND d.manifest_digest = o.manifest_digest)";

    private static final String REPOSITORY_SELECT = "SELECT r.name, r.description,"
            + " (SELECT COUNT(*) FROM tags t WHERE t.repository = r.name),"
            + " (SELECT COALESCE(MAX(t.updated_at), 0) FROM tags t WHERE t.repository = r.name)"
            + " FROM repositories r";

    private final Sql sql;

    JdbcRepositoryBrowser(Sql sql) {
        this.sql = sql;
    }

    @Override
    public List<RepositoryRow> repositories(Readable readable, String contains, String after, int limit) {
        if (readable.nothing()) {
            return List.of();
        }
        StringBuilder q = new StringBuilder(REPOSITORY_SELECT + " WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        inNamespaces(q, args, readable, "r.namespace");
        if (contains != null && !contains.isEmpty()) {
            q.append(" AND r.name LIKE ? ESCAPE '\\'");
            args.add(likeContaining(contains));
        }
        if (after != null) {
            q.append(" AND r.name > ?");
            args.add(after);
        }
        q.append(" ORDER BY r.name LIMIT ?");
        args.add(limit);
        return sql.read(c -> list(c, JdbcRepositoryBrowser::repositoryRow, q.toString(), args.toArray()));
    }

    @Override
    public java.util.Optional<RepositoryRow> repository(String name) {
        return sql.read(c -> Sql.one(c, JdbcRepositoryBrowser::repositoryRow, REPOSITORY_SELECT + " WHERE r.name = ?", name));
    }

    @Override
    public List<TagRow> tags(String repository, TagOrder order, String after, int limit) {
        StringBuilder q = new StringBuilder("SELECT " + TAG_COLUMNS
                + " FROM tags t JOIN manifests m ON m.repository = t.repository AND m.digest = t.digest WHERE t.repository = ?");
        List<Object> args = new ArrayList<>(List.of(repository));
        if (order == TagOrder.NAME) {
            if (after != null) {
                q.append(" AND t.name > ?");
                args.add(after);
            }
            q.append(" ORDER BY t.name LIMIT ?");
        } else {
            if (after != null) {
                int colon = after.indexOf(':');
                long at = parseLong(colon < 0 ? after : after.substring(0, colon));
                q.append(" AND (t.updated_at < ? OR (t.updated_at = ? AND t.name > ?))");
                args.add(at);
                args.add(at);
                args.add(colon < 0 ? "" : after.substring(colon + 1));
            }
            q.append(" ORDER BY t.updated_at DESC, t.name LIMIT ?");
        }
        args.add(limit);
        return sql.read(c -> list(c, JdbcRepositoryBrowser::tagRow, q.toString(), args.toArray()));
    }

    @Override
    public long tagCount(String repository) {
        return sql.read(c -> optionalLong(c, "SELECT COUNT(*) FROM tags WHERE repository = ?", repository)).orElse(0);
    }

    @Override
    public List<Hit> containing(Readable readable, Digest digest, int limit) {
        if (readable.nothing()) {
            return List.of();
        }
        StringBuilder scope = new StringBuilder();
        List<Object> scopeArgs = new ArrayList<>();
        inNamespaces(scope, scopeArgs, readable, "n.namespace");
        String q = "SELECT * FROM ("
                + "SELECT m.repository, t.name, m.digest, 'manifest' FROM manifests m JOIN repositories n ON n.name = m.repository"
                + " LEFT JOIN tags t ON t.repository = m.repository AND t.digest = m.digest WHERE m.digest = ?" + scope
                + " UNION ALL SELECT r.repository, t.name, r.manifest_digest, CASE r.kind WHEN 'b' THEN 'blob' ELSE 'child' END"
                + " FROM manifest_references r JOIN repositories n ON n.name = r.repository"
                + " LEFT JOIN tags t ON t.repository = r.repository AND t.digest = r.manifest_digest WHERE r.digest = ?" + scope
                + ") hits ORDER BY 1, 2 LIMIT ?";
        List<Object> args = new ArrayList<>();
        args.add(digest.toString());
        args.addAll(scopeArgs);
        args.add(digest.toString());
        args.addAll(scopeArgs);
        args.add(limit);
        return sql.read(c -> list(c, JdbcRepositoryBrowser::hit, q, args.toArray()));
    }

    @Override
    public List<Hit> tagsMatching(Readable readable, String contains, int limit) {
        if (readable.nothing() || contains == null || contains.isEmpty()) {
            return List.of();
        }
        StringBuilder q = new StringBuilder("SELECT t.repository, t.name, t.digest, 'tag' FROM tags t JOIN repositories n ON n.name = t.repository"
                + " WHERE t.name LIKE ? ESCAPE '\\'");
        List<Object> args = new ArrayList<>(List.of(likeContaining(contains)));
        inNamespaces(q, args, readable, "n.namespace");
        q.append(" ORDER BY t.repository, t.name LIMIT ?");
        args.add(limit);
        return sql.read(c -> list(c, JdbcRepositoryBrowser::hit, q.toString(), args.toArray()));
    }

    @Override
    public List<String> tagsOf(String repository, Digest manifest, int limit) {
        return sql.read(c -> list(c, rs -> rs.getString(1), "SELECT name FROM tags WHERE repository = ? AND digest = ? ORDER BY name LIMIT ?",
                repository, manifest.toString(), limit));
    }

    @Override
    public List<Sized> childContent(String repository, Digest index) {
        return sql.read(c -> list(c, JdbcRepositoryBrowser::sized, "SELECT c.digest, COALESCE(SUM(b.size), 0) FROM manifest_references c"
                + " LEFT JOIN manifest_references r ON r.repository = c.repository AND r.manifest_digest = c.digest AND r.kind = 'b'"
                + " LEFT JOIN blobs b ON b.digest = r.digest"
                + " WHERE c.repository = ? AND c.manifest_digest = ? AND c.kind = 'm' GROUP BY c.digest", repository, index.toString()));
    }

    @Override
    public List<Sized> freedBy(String repository, Digest manifest, Readable readable) {
        String d = manifest.toString();
        StringBuilder q = new StringBuilder(FREED_BY);
        List<Object> args = new ArrayList<>(List.of(repository, d, repository, d));
        if (!readable.nothing()) {
            inNamespaces(q, args, readable, "ro.namespace");
        } else {
            q.append(" AND 1 = 0");
        }
        q.append(") ORDER BY b.digest");
        return sql.read(c -> list(c, JdbcRepositoryBrowser::sized, q.toString(), args.toArray()));
    }

    private static void inNamespaces(StringBuilder q, List<Object> args, Readable readable, String column) {
        if (readable.everything()) {
            return;
        }
        q.append(" AND ").append(column).append(" IN (");
        boolean first = true;
        for (String ns : readable.namespaces()) {
            q.append(first ? "?" : ", ?");
            args.add(ns);
            first = false;
        }
        q.append(')');
    }

    /** A LIKE pattern matching names that contain {@code text} literally (its % and _ are not wildcards). */
    private static String likeContaining(String text) {
        return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("malformed page cursor");
        }
    }

    private static RepositoryRow repositoryRow(ResultSet rs) throws SQLException {
        return new RepositoryRow(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4));
    }

    private static TagRow tagRow(ResultSet rs) throws SQLException {
        return new TagRow(rs.getString(1), Digest.parse(rs.getString(2)), rs.getString(3), rs.getString(4), rs.getLong(5),
                rs.getLong(6), rs.getLong(7));
    }

    private static Sized sized(ResultSet rs) throws SQLException {
        return new Sized(Digest.parse(rs.getString(1)), rs.getLong(2));
    }

    private static Hit hit(ResultSet rs) throws SQLException {
        return new Hit(rs.getString(1), rs.getString(2), Digest.parse(rs.getString(3)), rs.getString(4));
    }
}
