package io.berth.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * CNCF distribution (Debian's docker-registry, registry:2) as a plain process on a loopback port,
 * with a config written here: filesystem storage in a temporary directory, delete enabled, no auth.
 */
public final class Registry2 implements AutoCloseable {
    private final Path dir;
    private final int port;
    private Process process;

    private Registry2(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    public static Registry2 start() {
        return start(null);
    }

    /** With {@code htpasswd} (a file's content), registry:2 asks for Basic credentials as its htpasswd auth does. */
    public static Registry2 start(String htpasswd) {
        return start(htpasswd, "");
    }

    /** With {@code extraYaml} appended to the config (top-level sections such as notifications). */
    public static Registry2 start(String htpasswd, String extraYaml) {
        Tools.require("docker-registry");
        try {
            Path dir = Files.createTempDirectory("registry2-");
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            Files.writeString(dir.resolve("config.yml"), """
                    version: 0.1
                    log:
                      level: warn
                      accesslog:
                        disabled: true
                    storage:
                      filesystem:
                        rootdirectory: %s
                      delete:
                        enabled: true
                    http:
                      addr: 127.0.0.1:%d
                    """.formatted(dir.resolve("data"), port)
                    + (htpasswd == null ? "" : """
                    auth:
                      htpasswd:
                        realm: registry2
                        path: %s
                    """.formatted(dir.resolve("htpasswd")))
                    + extraYaml);
            if (htpasswd != null) {
                Files.writeString(dir.resolve("htpasswd"), htpasswd);
            }
            Registry2 r = new Registry2(dir, port);
            r.launch();
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void launch() throws IOException {
        process = new ProcessBuilder("docker-registry", "serve", dir.resolve("config.yml").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
        Http http = new Http(url());
        Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
        while (Instant.now().isBefore(deadline)) {
            try {
                int status = http.get("/v2/").statusCode();
                if (status == 200 || status == 401) {
                    return;
                }
            } catch (RuntimeException notYet) {
                // starting
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        stop(); // never leave a half-started process behind
        throw new IllegalStateException("docker-registry did not start: " + Files.readString(dir.resolve("registry.log")));
    }

    /** Where registry:2 keeps a blob's bytes (to damage it on purpose). */
    public Path blobFile(String digest) {
        String hex = digest.substring(digest.indexOf(':') + 1);
        return dir.resolve("data/docker/registry/v2/blobs/sha256/" + hex.substring(0, 2) + "/" + hex + "/data");
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public String host() {
        return "127.0.0.1:" + port;
    }

    public Http http() {
        return new Http(url());
    }

    /** Stops the process (the data stays, so {@link #restart()} brings the same content back). */
    public void stop() {
        if (process != null) {
            process.destroy();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    public void restart() {
        try {
            launch();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        stop();
    }
}
