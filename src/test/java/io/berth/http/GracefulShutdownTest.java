package io.berth.http;

import io.berth.testing.Http;
import io.berth.testing.SlowStream;
import io.berth.testing.TestServer;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Stopping the server lets an upload that is in flight finish. */
class GracefulShutdownTest {

    @Test
    void inFlightUploadCompletesDuringShutdown() throws Exception {
        TestServer server = TestServer.start();
        Http http = server.http();
        byte[] blob = new byte[512 * 1024];
        new java.util.Random(3).nextBytes(blob);
        CountDownLatch started = new CountDownLatch(1);
        HttpRequest put = http.request("/v2/graceful/app/blobs/uploads/?digest=" + Http.sha256(blob))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new SlowStream(blob, 32 * 1024, 100, started))).build();
        CompletableFuture<HttpResponse<byte[]>> upload = CompletableFuture.supplyAsync(() -> http.send(put));
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        // The client may read its body before it connects: wait until the server is receiving the upload.
        java.nio.file.Path uploads = server.dataDir().resolve("berth/uploads");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!receiving(uploads) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(receiving(uploads)).as("the server is receiving the upload").isTrue();
        long began = System.nanoTime();
        server.close(); // blocks until in-flight requests finish (or the drain timeout)
        HttpResponse<byte[]> r = upload.get(30, TimeUnit.SECONDS);
        assertThat(r.statusCode()).isEqualTo(201);
        assertThat((System.nanoTime() - began) / 1e9).as("close waited for the upload").isGreaterThan(0.5);
    }

    private static boolean receiving(java.nio.file.Path uploads) throws IOException {
        if (!java.nio.file.Files.isDirectory(uploads)) {
            return false;
        }
        try (var files = java.nio.file.Files.walk(uploads)) {
            // The upload's data file is created when the handler starts reading the body (its bytes may
            // still be staged in memory: the direct-I/O writer writes whole 4 MiB stages).
            return files.anyMatch(f -> f.getFileName().toString().equals("data"));
        }
    }

    /** 512 KiB in 32 KiB pieces, 100 ms apart: about 1.6 s on the wire. */
}
