package io.berth.storage.s3;

import io.berth.storage.PathNotFoundException;
import io.berth.storage.StorageDriver;
import io.berth.storage.StorageException;
import io.berth.storage.StorageDriverContract;
import io.berth.storage.StorageWriter;
import io.berth.testing.S3ProxyServer;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.ByteBuffer;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The contract against S3Proxy, with the smallest chunk sizes S3 allows so that the large-object paths run. */
class S3DriverTest extends StorageDriverContract {
    private S3ProxyServer server;

    @Override
    protected boolean signsRedirectUrls() {
        return true;
    }

    @Override
    protected StorageDriver openDriver() throws Exception {
        server = S3ProxyServer.start("berth");
        S3Settings settings = S3Settings.of("berth", "us-east-1", server.endpoint(), true,
                        S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY, "/registry-root/")
                .withChunking(S3Settings.MIN_CHUNK_SIZE, S3Settings.MIN_CHUNK_SIZE * 4L, S3Settings.MIN_CHUNK_SIZE * 4L);
        return new S3Driver(settings);
    }

    @Override
    protected void closeStore() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private S3Driver s3() {
        return (S3Driver) driver;
    }

    @Test
    void uncommittedDataIsAnOpenMultipartUploadUntilCommitOrDelete() {
        String p = path("up/data");
        String key = s3().key(p);
        try (StorageWriter w = driver.writer(p, true)) {
            w.write(ByteBuffer.wrap(randomBytes(1, 6 * MiB)));
        }
        assertThat(s3().uploadsOf(key, false)).hasSize(1);
        assertThat(driver.stat(p)).as("not an object until committed").isEmpty();
        try (StorageWriter w = driver.writer(p, true)) {
            w.write(ByteBuffer.wrap(bytes("x")));
            w.commit();
        }
        assertThat(s3().uploadsOf(key, false)).isEmpty();

        try (StorageWriter w = driver.writer(path("up2/data"), true)) {
            w.write(ByteBuffer.wrap(bytes("y")));
        }
        assertThat(s3().uploadsOf(s3().key(path("up2")), true)).hasSize(1);
        driver.delete(path("up2"));
        assertThat(s3().uploadsOf(s3().key(path("up2")), true)).isEmpty();
    }

    /** More than DeleteObjects takes in one request. */
    @Test
    void deletesMoreObjectsThanOneRequestTakes() throws Exception {
        List<String> paths = new java.util.ArrayList<>();
        try (java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(16)) {
            for (int i = 0; i < 1_001; i++) {
                String p = path("many/" + i + "/data");
                paths.add(p);
                threads.submit(() -> driver.putContent(p, bytes("x")));
            }
        }
        assertThat(s3().s3.listObjectsV2Paginator(r -> r.bucket("berth").prefix(s3().key(path("many")))).contents()).hasSize(1_001);
        driver.deleteObjects(paths);
        assertThat(s3().s3.listObjectsV2Paginator(r -> r.bucket("berth").prefix(s3().key(path("many")))).contents()).isEmpty();
    }

    @Test
    void openWritesAreTheMultipartUploadsAndDeletingTheirDirectoryAbortsThem() {
        try (StorageWriter w = driver.writer(path("open/one/data"), true)) {
            w.write(ByteBuffer.wrap(randomBytes(3, 1000)));
        }
        driver.putContent(path("open/two/data"), bytes("committed: an object, not an open write"));
        List<StorageDriver.OpenWrite> open = driver.openWrites(path("open"));
        assertThat(open).singleElement().satisfies(w -> {
            assertThat(w.path()).isEqualTo(path("open/one/data"));
            assertThat(w.size()).isEqualTo(1000);
            assertThat(w.lastActivity()).isAfter(java.time.Instant.now().minusSeconds(60));
        });
        assertThat(driver.openWrites(path("elsewhere"))).isEmpty();
        driver.delete(path("open/one"));
        assertThat(driver.openWrites(path("open"))).isEmpty();
    }

    @Test
    void keysLiveUnderTheRootDirectory() {
        driver.putContent(path("k"), bytes("v"));
        assertThat(s3().key(path("k"))).startsWith("registry-root/contract/");
        assertThat(s3().s3.headObject(r -> r.bucket("berth").key("registry-root/" + path("k"))).contentLength()).isEqualTo(1);
    }

    @Test
    void aMissingBucketIsAnErrorNotAMissingObject() {
        try (S3Driver wrong = new S3Driver(S3Settings.of("no-such-bucket", "us-east-1", server.endpoint(), true,
                S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY, ""))) {
            assertThatThrownBy(() -> wrong.reader("a/b", 0)).isInstanceOf(StorageException.class)
                    .isNotInstanceOf(PathNotFoundException.class);
            assertThatThrownBy(() -> wrong.stat("a/b")).isInstanceOf(StorageException.class);
            assertThatThrownBy(wrong::checkHealth).isInstanceOf(StorageException.class).hasMessageContaining("no-such-bucket");
        }
    }

    @Test
    void settingsNeverShowTheSecretKey() {
        S3Settings s = S3Settings.of("b", "eu-west-1", URI.create("http://127.0.0.1:9000"), true, "AKIDEXAMPLE", "wJalrXUtnFEMI", "");
        assertThat(s.toString()).doesNotContain("wJalrXUtnFEMI").doesNotContain("AKIDEXAMPLE").contains("static keys");
    }
}
