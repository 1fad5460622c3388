package io.berth.testing;

import io.berth.stats.Counter;
import io.berth.stats.Counts;
import io.berth.stats.UsageStore;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The test's own recount of the usage counters: every row of the tables read over plain JDBC and counted
 * here, in Java (not with Berth's views or code), for comparing with what Berth keeps.
 */
public final class UsageRecount {
    private static final Set<String> IMAGE_CONFIGS = Set.of("application/vnd.oci.image.config.v1+json",
            "application/vnd.docker.container.image.v1+json");
    private static final Set<String> INDEXES = Set.of("application/vnd.oci.image.index.v1+json",
            "application/vnd.docker.distribution.manifest.list.v2+json");

    private final Map<String, long[]> scopes = new TreeMap<>();

    private UsageRecount() {
    }

    public static UsageStore.Stored of(String jdbcUrl) {
        try (Connection c = DriverManager.getConnection(jdbcUrl); Statement st = c.createStatement()) {
            return recount(st);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static UsageStore.Stored recount(Statement st) throws SQLException {
        UsageRecount r = new UsageRecount();
        try (ResultSet rs = st.executeQuery("SELECT name FROM repositories")) {
            while (rs.next()) {
                r.both(rs.getString(1), Counter.REPOSITORIES, 1);
            }
        }
        try (ResultSet rs = st.executeQuery("SELECT repository, media_type, artifact_type, size FROM manifests")) {
            while (rs.next()) {
                String artifactType = rs.getString(3);
                Counter kind = artifactType != null && !IMAGE_CONFIGS.contains(artifactType) ? Counter.ARTIFACT_MANIFESTS
                        : INDEXES.contains(rs.getString(2)) ? Counter.INDEX_MANIFESTS : Counter.IMAGE_MANIFESTS;
                r.both(rs.getString(1), kind, 1);
                r.both(rs.getString(1), Counter.MANIFEST_BYTES, rs.getLong(4));
            }
        }
        try (ResultSet rs = st.executeQuery("SELECT repository FROM tags")) {
            while (rs.next()) {
                r.both(rs.getString(1), Counter.TAGS, 1);
            }
        }
        Map<String, Long> sizes = new HashMap<>();
        try (ResultSet rs = st.executeQuery("SELECT digest, size FROM blobs")) {
            while (rs.next()) {
                sizes.put(rs.getString(1), rs.getLong(2));
                r.add("", Counter.BLOBS, 1);
                r.add("", Counter.BLOB_BYTES, rs.getLong(2));
            }
        }
        Set<String> seenInNamespace = new HashSet<>();
        try (ResultSet rs = st.executeQuery("SELECT repository, digest FROM repository_blobs")) {
            while (rs.next()) {
                Long size = sizes.get(rs.getString(2));
                if (size == null) {
                    continue;
                }
                String repository = rs.getString(1);
                r.both(repository, Counter.BLOB_LINKS, 1);
                r.both(repository, Counter.LINKED_BLOB_BYTES, size);
                if (seenInNamespace.add(namespaceOf(repository) + " " + rs.getString(2))) {
                    r.add(namespaceOf(repository), Counter.BLOBS, 1);
                    r.add(namespaceOf(repository), Counter.BLOB_BYTES, size);
                }
            }
        }
        try (ResultSet rs = st.executeQuery("SELECT namespace FROM namespace_members")) {
            while (rs.next()) {
                r.add("", Counter.MEMBERS, 1);
                r.add(rs.getString(1), Counter.MEMBERS, 1);
            }
        }
        r.add("", Counter.USERS, count(st, "users"));
        r.add("", Counter.NAMESPACES, count(st, "namespaces"));
        r.add("", Counter.API_TOKENS, count(st, "api_tokens"));
        Counts registry = Counts.of(r.scopes.getOrDefault("", new long[Counter.values().length]));
        Map<String, Counts> namespaces = new TreeMap<>();
        r.scopes.forEach((scope, v) -> {
            if (!scope.isEmpty()) {
                namespaces.put(scope, Counts.of(v));
            }
        });
        return new UsageStore.Stored(registry, namespaces);
    }

    private static long count(Statement st, String table) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String namespaceOf(String repository) {
        int slash = repository.indexOf('/');
        return slash < 0 ? repository : repository.substring(0, slash);
    }

    private void both(String repository, Counter c, long n) {
        add("", c, n);
        add(namespaceOf(repository), c, n);
    }

    private void add(String scope, Counter c, long n) {
        scopes.computeIfAbsent(scope, k -> new long[Counter.values().length])[c.ordinal()] += n;
    }
}
