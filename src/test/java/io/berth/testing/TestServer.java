package io.berth.testing;

import io.berth.config.BerthConfig;
import io.berth.config.Settings;
import io.berth.server.BerthServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A real Berth server on an ephemeral loopback port with its own temporary data directory. Settings
 * are given as environment-style names (REGISTRY_..., BERTH_...), exactly as an operator would.
 */
public final class TestServer implements AutoCloseable {
    /** The password of the {@code admin} user every test server starts with (authentication is on, as by default). */
    public static final String ADMIN_PASSWORD = "test-admin-password";

    private final Path dataDir;
    private final BerthServer server;

    private TestServer(Path dataDir, BerthServer server) {
        this.dataDir = dataDir;
        this.server = server;
    }

    public static TestServer start() {
        return start(Map.of());
    }

    public static TestServer start(Map<String, String> env) {
        try {
            Path dir = Files.createTempDirectory("berth-test-");
            return start(dir, env);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts with a YAML configuration file (for settings only YAML can hold, such as lists of upstreams). */
    public static TestServer startWithConfig(String yaml, Map<String, String> env) {
        try {
            Path dir = Files.createTempDirectory("berth-test-");
            Path file = dir.resolve("berth.yml");
            Files.writeString(file, yaml);
            return start(dir.resolve("data"), env, file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts on an existing data directory (to test restarts). */
    public static TestServer start(Path dataDir, Map<String, String> env) {
        return start(dataDir, env, null);
    }

    private static TestServer start(Path dataDir, Map<String, String> env, Path configFile) {
        Map<String, String> all = new HashMap<>();
        all.put("REGISTRY_HTTP_ADDR", "127.0.0.1:0");
        all.put("REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY", dataDir.toString());
        all.put("BERTH_DATA_DIR", dataDir.toString()); // SQLite's home when storage is an object store
        all.put("REGISTRY_LOG_LEVEL", "warn");
        all.put("BERTH_ADMIN_PASSWORD", ADMIN_PASSWORD);
        all.put("BERTH_AUTH_BCRYPTCOST", "4"); // fast hashing in tests; production default is 10
        all.putAll(env);
        try {
            return new TestServer(dataDir, BerthServer.start(BerthConfig.from(Settings.load(configFile, all))));
        } catch (Exception e) {
            throw new IllegalStateException("test server failed to start: " + e.getMessage(), e);
        }
    }

    public int port() {
        return server.port();
    }

    /** host:port, as clients name a registry ("127.0.0.1:41234"). */
    public String host() {
        return "127.0.0.1:" + port();
    }

    public String url() {
        return "http://" + host();
    }

    /** A client logged in as admin (anonymous when the server runs with BERTH_AUTH=none). */
    public Http http() {
        return server.access() == null ? new Http(url()) : new Http(url(), "admin", ADMIN_PASSWORD);
    }

    /** A client with no credentials. */
    public Http anonymous() {
        return new Http(url());
    }

    /** The value of one Prometheus sample on this server's /metrics (0 when absent), e.g. a route's request count. */
    public double metric(String nameWithLabels) {
        String text = new String(http().get("/metrics").body(), java.nio.charset.StandardCharsets.UTF_8);
        for (String line : text.split("\n")) {
            if (line.startsWith(nameWithLabels + " ")) {
                return Double.parseDouble(line.substring(nameWithLabels.length() + 1).trim());
            }
        }
        return 0;
    }

    public Path dataDir() {
        return dataDir;
    }

    public BerthServer server() {
        return server;
    }

    /** Where the filesystem driver keeps a blob's bytes (registry:2's layout under the data directory). */
    public Path blobFile(String digest) {
        return dataDir.resolve(io.berth.registry.BlobLayout.blobPath(io.berth.oci.Digest.parse(digest)));
    }

    /** Waits (up to 30 s) until no garbage collection runs on this server, as one started with POST /api/v1/gc finishes. */
    public void awaitGcIdle() {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (server.garbageCollector().status().running()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("garbage collection still running after 30 s");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
