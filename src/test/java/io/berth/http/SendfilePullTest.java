package io.berth.http;

import io.berth.testing.Http;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Blob pulls over plain HTTP/1.1 go with sendfile ({@link FileRegionSender}); HTTP/2 keeps the buffered
 * copy. Every answer must carry exactly the blob's bytes, leave the connection usable, and release the
 * file when the client goes away.
 */
class SendfilePullTest extends ApiTestBase {
    private static final String ZERO_COPY = "berth_blob_bytes_sent_zero_copy_total";

    @Test
    void aLargeBlobGoesWithSendfileAndArrivesExactly() throws InterruptedException {
        String repo = repo();
        byte[] data = random(5 * 1024 * 1024 + 3, 1);
        String digest = http.pushBlob(repo, data);
        double before = server.metric(ZERO_COPY);

        HttpResponse<byte[]> r = http.get("/v2/" + repo + "/blobs/" + digest);

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(header(r, "Content-Length")).isEqualTo(String.valueOf(data.length));
        assertThat(Http.sha256(r.body())).isEqualTo(digest);
        assertThat(zeroCopyBytesSince(before, data.length)).as("bytes the kernel sent with sendfile").isEqualTo(data.length);
    }

    /** The end point counts after each sendfile returns, which may be a moment after the client has the bytes. */
    private static double zeroCopyBytesSince(double before, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        double sent = server.metric(ZERO_COPY) - before;
        while (sent < expected && System.nanoTime() < deadline) {
            Thread.sleep(20);
            sent = server.metric(ZERO_COPY) - before;
        }
        return sent;
    }

    @Test
    void rangesOfALargeBlobAreExact() {
        String repo = repo();
        byte[] data = random(3 * 1024 * 1024, 2);
        String path = "/v2/" + repo + "/blobs/" + http.pushBlob(repo, data);

        HttpResponse<byte[]> middle = http.get(path, "Range", "bytes=1000001-2999999");
        assertThat(middle.statusCode()).isEqualTo(206);
        assertThat(middle.body()).isEqualTo(Arrays.copyOfRange(data, 1_000_001, 3_000_000));
        HttpResponse<byte[]> suffix = http.get(path, "Range", "bytes=-200000");
        assertThat(suffix.body()).isEqualTo(Arrays.copyOfRange(data, data.length - 200_000, data.length));
    }

    @Test
    void aBlobLargerThanOneMapWindowIsSentInSeveralWindows() {
        String repo = repo();
        byte[] data = random(4 * 1024 * 1024 + 11, 3);
        String digest = http.pushBlob(repo, data);
        long saved = FileRegionSender.window;
        FileRegionSender.window = 1024 * 1024 + 7; // odd, so windows start at unaligned file offsets
        try {
            assertThat(Http.sha256(http.get("/v2/" + repo + "/blobs/" + digest).body())).isEqualTo(digest);
            HttpResponse<byte[]> range = http.get("/v2/" + repo + "/blobs/" + digest, "Range", "bytes=999-3500000");
            assertThat(range.body()).isEqualTo(Arrays.copyOfRange(data, 999, 3_500_001));
        } finally {
            FileRegionSender.window = saved;
        }
    }

    @Test
    void theConnectionStaysUsableAfterASendfileAnswer() throws IOException {
        String repo = repo();
        byte[] data = random(2 * 1024 * 1024 + 5, 4);
        String digest = http.pushBlob(repo, data);
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            String get = "GET /v2/" + repo + "/blobs/" + digest + " HTTP/1.1\r\nHost: x\r\nAuthorization: "
                    + http.authorization() + "\r\n\r\n";
            // Two requests pipelined on one connection: the second is answered only if the first
            // answer's length was exactly right.
            out.write((get + get).getBytes(StandardCharsets.US_ASCII));
            out.flush();
            for (int i = 0; i < 2; i++) {
                byte[] body = readResponse(in);
                assertThat(Http.sha256(body)).as("answer %d", i + 1).isEqualTo(digest);
            }
        }
    }

    @Test
    void aClientThatLeavesMidBlobReleasesTheFileAndTheServerCarriesOn() throws Exception {
        String repo = repo();
        byte[] data = random(24 * 1024 * 1024, 5);
        String digest = http.pushBlob(repo, data);
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setReceiveBufferSize(64 * 1024);
            s.getOutputStream().write(("GET /v2/" + repo + "/blobs/" + digest + " HTTP/1.1\r\nHost: x\r\nAuthorization: "
                    + http.authorization() + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            s.getInputStream().readNBytes(256 * 1024);
        } // closed with most of the blob unsent
        String hex = digest.substring("sha256:".length());
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (openFilesNamed(hex) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(openFilesNamed(hex)).as("open descriptors of the blob file").isZero();
        assertThat(Http.sha256(http.get("/v2/" + repo + "/blobs/" + digest).body())).isEqualTo(digest);
    }

    @Test
    void manyConcurrentPullsAllGetTheExactBytes() throws Exception {
        String repo = repo();
        byte[] data = random(3 * 1024 * 1024 + 1, 6);
        String digest = http.pushBlob(repo, data);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<String>> pulls = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                Callable<String> pull = () -> Http.sha256(http.get("/v2/" + repo + "/blobs/" + digest).body());
                pulls.add(pool.submit(pull));
            }
            for (Future<String> f : pulls) {
                assertThat(f.get()).isEqualTo(digest);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void http2PullsKeepTheBufferedCopyAndAreExact() throws Exception {
        String repo = repo();
        byte[] data = random(2 * 1024 * 1024 + 9, 7);
        String digest = http.pushBlob(repo, data);
        double before = server.metric(ZERO_COPY);
        HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        HttpRequest get = http.request("/v2/" + repo + "/blobs/" + digest).build();
        // The first request upgrades the connection to h2c; ask until one is answered over HTTP/2.
        HttpResponse<byte[]> r = h2.send(get, HttpResponse.BodyHandlers.ofByteArray());
        if (r.version() != HttpClient.Version.HTTP_2) {
            before = server.metric(ZERO_COPY);
            r = h2.send(get, HttpResponse.BodyHandlers.ofByteArray());
        }
        assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(Http.sha256(r.body())).isEqualTo(digest);
        assertThat(server.metric(ZERO_COPY)).isEqualTo(before);
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Reads one HTTP/1.1 response with a Content-Length body; returns the body. */
    private static byte[] readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("connection closed in the response head: " + head);
            }
            head.write(c);
        }
        String text = head.toString(StandardCharsets.US_ASCII);
        assertThat(text).startsWith("HTTP/1.1 200");
        long length = text.lines().filter(l -> l.toLowerCase().startsWith("content-length:"))
                .mapToLong(l -> Long.parseLong(l.substring(l.indexOf(':') + 1).trim())).findFirst().orElseThrow();
        return in.readNBytes((int) length);
    }

    /** Descriptors of this process (the test server runs in it) open on a file whose path contains {@code name}. */
    private static long openFilesNamed(String name) throws IOException {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().contains(name);
                } catch (IOException e) {
                    return false; // closed meanwhile
                }
            }).count();
        }
    }
}
