package io.berth.e2e;

import io.berth.testing.Http;
import io.berth.testing.SlowStream;
import io.berth.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * kill -9 the server process while 10 uploads are in flight; after a restart every acknowledged blob
 * and manifest is intact (digests re-verified) and no partial blob is visible anywhere.
 */
class CrashSafetyIT {

    @TempDir
    Path data;

    @Test
    void killDuringUploadsLosesNothingAcknowledgedAndExposesNothingPartial() throws Exception {
        int port = freePort();
        Process first = startServer(port);
        Http http = new Http("http://127.0.0.1:" + port, "admin", TestServer.ADMIN_PASSWORD);
        awaitReady(http);

        Map<String, byte[]> acknowledgedBlobs = new ConcurrentHashMap<>();
        Map<String, String> acknowledgedTags = new ConcurrentHashMap<>();
        Map<String, byte[]> attempted = new ConcurrentHashMap<>();
        CountDownLatch fastDone = new CountDownLatch(5);
        CountDownLatch slowStarted = new CountDownLatch(5);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 10; i++) {
                int n = i;
                pool.submit(() -> {
                    byte[] blob = new byte[4 * 1024 * 1024 + n];
                    new Random(n).nextBytes(blob);
                    String digest = Http.sha256(blob);
                    attempted.put(digest, blob);
                    try {
                        if (n < 5) {
                            // Fast: finishes before the kill, with a manifest tagged on top.
                            String m = http.pushImage("crash/app", "v" + n, ("{\"n\":" + n + "}").getBytes(), blob);
                            acknowledgedBlobs.put(digest, blob);
                            acknowledgedTags.put("v" + n, m);
                            fastDone.countDown();
                        } else {
                            // Slow: streams its body for seconds, and is cut by the kill.
                            HttpRequest put = http.request("/v2/crash/app/blobs/uploads/?digest=" + digest)
                                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new SlowStream(blob, 16 * 1024, 20, slowStarted))).build();
                            HttpResponse<byte[]> r = http.send(put);
                            if (r.statusCode() == 201) {
                                acknowledgedBlobs.put(digest, blob);
                            }
                        }
                    } catch (RuntimeException expectedForSlowOnes) {
                        // the connection died with the server
                    }
                    return null;
                });
            }
            assertThat(fastDone.await(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(slowStarted.await(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            Thread.sleep(300);
            first.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, no flush
        }

        Process second = startServer(port);
        try {
            awaitReady(http);
            assertThat(acknowledgedBlobs).hasSizeGreaterThanOrEqualTo(5);
            for (Map.Entry<String, byte[]> e : acknowledgedBlobs.entrySet()) {
                HttpResponse<byte[]> r = http.get("/v2/crash/app/blobs/" + e.getKey());
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(Http.sha256(r.body())).isEqualTo(e.getKey());
            }
            for (Map.Entry<String, String> t : acknowledgedTags.entrySet()) {
                HttpResponse<byte[]> r = http.get("/v2/crash/app/manifests/" + t.getKey());
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(Http.sha256(r.body())).isEqualTo(t.getValue());
            }
            // Whatever is visible is whole: an interrupted upload is either absent or complete.
            for (String digest : attempted.keySet()) {
                HttpResponse<byte[]> r = http.get("/v2/crash/app/blobs/" + digest);
                if (r.statusCode() == 200) {
                    assertThat(Http.sha256(r.body())).isEqualTo(digest);
                } else {
                    assertThat(r.statusCode()).isEqualTo(404);
                }
            }
            // And on disk, every file stored under a digest hashes to that digest.
            try (Stream<Path> files = Files.walk(data.resolve("docker/registry/v2/blobs"))) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    String hex = f.getParent().getFileName().toString();
                    assertThat(sha256Hex(f)).as("stored blob %s", f).isEqualTo(hex);
                }
            }
        } finally {
            second.destroy();
            second.waitFor();
        }
    }

    private Process startServer(int port) throws IOException {
        String jar = System.getenv("BERTH_TEST_JAR");
        assertThat(jar).as("BERTH_TEST_JAR (set by the build)").isNotNull();
        ProcessBuilder pb = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-Xmx256m", "-jar", jar, "serve"));
        pb.environment().put("REGISTRY_HTTP_ADDR", "127.0.0.1:" + port);
        pb.environment().put("REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY", data.toString());
        pb.environment().put("REGISTRY_LOG_LEVEL", "warn");
        pb.environment().put("BERTH_ADMIN_PASSWORD", TestServer.ADMIN_PASSWORD);
        pb.redirectErrorStream(true).redirectOutput(data.resolveSibling(data.getFileName() + "-server.log").toFile());
        return pb.start();
    }

    private static void awaitReady(Http http) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (Instant.now().isBefore(deadline)) {
            try {
                if (http.get("/v2/").statusCode() == 200) {
                    return;
                }
            } catch (RuntimeException notYet) {
                // still starting
            }
            Thread.sleep(100);
        }
        throw new AssertionError("server did not answer within 30s");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String sha256Hex(Path f) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(f)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
