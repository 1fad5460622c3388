package io.berth.lifecycle;

import io.berth.metadata.jdbc.JdbcMetadataStore;
import io.berth.testing.Http;
import io.berth.testing.Postgres;
import io.berth.testing.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real Berth (real HTTP, real database) for the lifecycle tests, on SQLite; {@link #postgres()} switches a
 * subclass to a PostgreSQL database of its own. Pushes go over HTTP; {@link #sql} reaches the server's
 * database directly, to backdate push times.
 */
abstract class LifecycleServer {
    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";

    TestServer server;
    Http http;
    private String database;

    /** Settings beyond the database's, as environment variables. */
    Map<String, String> settings() {
        return Map.of();
    }

    /** Overridden by the PostgreSQL subclasses. */
    boolean postgres() {
        return false;
    }

    @BeforeEach
    void startServer() {
        Map<String, String> env = new HashMap<>(settings());
        if (postgres()) {
            Postgres.require();
            database = Postgres.createDatabase();
            env.put("BERTH_DATABASE_URL", Postgres.jdbcUrl(database));
        }
        server = TestServer.start(env);
        http = server.http();
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
        if (database != null) {
            Postgres.dropDatabase(database);
        }
    }

    ImmutableTags immutableTags() {
        return server.server().immutableTags();
    }

    Retention retention() {
        return server.server().retention();
    }

    LifecycleStore lifecycleStore() {
        return ((JdbcMetadataStore) server.server().metadata()).lifecycleStore();
    }

    /** The server's own database (SQLite file or PostgreSQL), for reaching it beside the running server. */
    String jdbcUrl() {
        return postgres() ? Postgres.jdbcUrl(database) : "jdbc:sqlite:" + server.dataDir().resolve("berth.db");
    }

    /** A statement on the server's own database, beside the running server. */
    void sql(String statement, Object... args) {
        String url = jdbcUrl();
        java.util.Properties p = new java.util.Properties();
        p.setProperty("busy_timeout", "10000");
        try (Connection c = DriverManager.getConnection(url, p); PreparedStatement ps = c.prepareStatement(statement)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static final long DAY = 86_400_000L;

    /** Makes the tag look pushed {@code days} ago. */
    void tagPushedDaysAgo(String repository, String tag, double days) {
        sql("UPDATE tags SET pushed_at = ?, updated_at = ? WHERE repository = ? AND name = ?", ago(days), ago(days), repository, tag);
    }

    /** Makes the manifest look pushed {@code days} ago. */
    void manifestPushedDaysAgo(String repository, String digest, double days) {
        sql("UPDATE manifests SET created_at = ? WHERE repository = ? AND digest = ?", ago(days), repository, digest);
    }

    static long ago(double days) {
        return System.currentTimeMillis() - (long) (days * DAY);
    }

    // --- content ------------------------------------------------------------------------------

    /** An image manifest (config and one layer pushed, the manifest not), different for each seed. */
    byte[] image(String repository, String seed) {
        return image(repository, seed, null);
    }

    /** An image manifest whose subject is {@code subject} (a referrer: signature, SBOM) when given. */
    byte[] image(String repository, String seed, byte[] subject) {
        byte[] config = ("{\"seed\":\"" + seed + "\"}").getBytes(StandardCharsets.UTF_8);
        byte[] layer = ("layer of " + seed).getBytes(StandardCharsets.UTF_8);
        String configDigest = http.pushBlob(repository, config);
        String layerDigest = http.pushBlob(repository, layer);
        return ("{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST + "\""
                + (subject == null ? "" : ",\"artifactType\":\"application/vnd.example.signature\"")
                + ",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + configDigest
                + "\",\"size\":" + config.length + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\""
                + layerDigest + "\",\"size\":" + layer.length + "}]"
                + (subject == null ? "" : ",\"subject\":" + descriptor(subject, OCI_MANIFEST)) + "}").getBytes(StandardCharsets.UTF_8);
    }

    /** An index listing {@code children} (image manifests). */
    static byte[] index(List<byte[]> children) {
        StringBuilder entries = new StringBuilder();
        for (byte[] child : children) {
            entries.append(entries.isEmpty() ? "" : ",").append(descriptor(child, OCI_MANIFEST).replace("}",
                    ",\"platform\":{\"os\":\"linux\",\"architecture\":\"arch" + entries.length() + "\"}}"));
        }
        return ("{\"schemaVersion\":2,\"mediaType\":\"" + OCI_INDEX + "\",\"manifests\":[" + entries + "]}").getBytes(StandardCharsets.UTF_8);
    }

    static String descriptor(byte[] manifest, String mediaType) {
        return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + Http.sha256(manifest) + "\",\"size\":" + manifest.length + "}";
    }

    /** PUTs a manifest by tag or digest ({@code reference} null: by its digest); returns the answer. */
    HttpResponse<byte[]> put(String repository, String reference, byte[] manifest) {
        String mediaType = new String(manifest, StandardCharsets.UTF_8).contains(OCI_INDEX) ? OCI_INDEX : OCI_MANIFEST;
        return http.method("PUT", "/v2/" + repository + "/manifests/" + (reference == null ? Http.sha256(manifest) : reference),
                manifest, "Content-Type", mediaType);
    }

    /** PUTs a manifest, asserting 201; returns its digest. */
    String push(String repository, String reference, byte[] manifest) {
        HttpResponse<byte[]> r = put(repository, reference, manifest);
        assertThat(r.statusCode()).as("PUT %s:%s: %s", repository, reference, new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(201);
        return Http.sha256(manifest);
    }

    /** Where the tag points now, or null when there is no such tag. */
    String tagDigest(String repository, String tag) {
        HttpResponse<byte[]> r = http.head("/v2/" + repository + "/manifests/" + tag, "Accept", OCI_MANIFEST + ", " + OCI_INDEX);
        return r.statusCode() == 200 ? r.headers().firstValue("Docker-Content-Digest").orElseThrow() : null;
    }

    boolean manifestExists(String repository, String digest) {
        return http.head("/v2/" + repository + "/manifests/" + digest, "Accept", OCI_MANIFEST + ", " + OCI_INDEX).statusCode() == 200;
    }

    List<String> tags(String repository) {
        HttpResponse<byte[]> r = http.get("/v2/" + repository + "/tags/list");
        assertThat(r.statusCode()).isEqualTo(200);
        List<String> out = new java.util.ArrayList<>();
        Http.json(r).path("tags").forEach(t -> out.add(t.asText()));
        return out;
    }

    static String text(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }
}
