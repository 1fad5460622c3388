package io.berth.registry;

import io.berth.testing.Http;
import io.berth.testing.TestServer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Many clients at once on the same content: all succeed, and the content is stored once. */
class ConcurrencyTest {

    @Test
    void thirtyTwoClientsPushTheSameBlobAndDifferentTags() throws Exception {
        try (TestServer server = TestServer.start(); ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            byte[] layer = new byte[2 * 1024 * 1024];
            new Random(42).nextBytes(layer);
            byte[] config = "{\"architecture\":\"amd64\"}".getBytes();
            String layerDigest = Http.sha256(layer);
            int clients = 32;
            CyclicBarrier together = new CyclicBarrier(clients);
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                int n = i;
                results.add(pool.submit(() -> {
                    Http http = server.http();
                    together.await();
                    if (n % 2 == 0) {
                        return http.pushImage("shared/app", "tag-" + n, config, layer);
                    }
                    // The other half push through chunked sessions.
                    HttpResponse<byte[]> start = http.method("POST", "/v2/shared/app/blobs/uploads/", null);
                    String location = start.headers().firstValue("Location").orElseThrow();
                    HttpResponse<byte[]> patch = http.method("PATCH", location, layer, "Content-Range", "0-" + (layer.length - 1));
                    assertThat(patch.statusCode()).isEqualTo(202);
                    HttpResponse<byte[]> put = http.method("PUT", location + "?digest=" + layerDigest, null);
                    assertThat(put.statusCode()).isEqualTo(201);
                    return http.pushImage("shared/app", "tag-" + n, config, layer);
                }));
            }
            String manifestDigest = null;
            for (Future<String> f : results) {
                String d = f.get();
                manifestDigest = manifestDigest == null ? d : manifestDigest;
                assertThat(d).isEqualTo(manifestDigest);
            }
            Http http = server.http();
            assertThat(Http.json(http.get("/v2/shared/app/tags/list")).path("tags")).hasSize(clients);
            assertThat(Http.sha256(http.get("/v2/shared/app/blobs/" + layerDigest).body())).isEqualTo(layerDigest);

            // One stored copy of each blob, and no upload left behind.
            Path blobs = server.dataDir().resolve("docker/registry/v2/blobs/sha256");
            try (Stream<Path> files = Files.walk(blobs)) {
                assertThat(files.filter(Files::isRegularFile).count()).isEqualTo(2);
            }
            assertThat(leftovers(server.dataDir().resolve("berth/uploads"))).isZero();
        }
    }

    private static long leftovers(Path uploads) throws IOException {
        if (!Files.exists(uploads)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(uploads)) {
            return s.count();
        }
    }
}
