package io.berth.gc;

import io.berth.gc.Images.Blob;
import io.berth.testing.Http;
import io.berth.testing.S3ProxyServer;
import io.berth.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.berth.gc.GarbageCollectionContract.blob;
import static io.berth.gc.GarbageCollectionContract.config;
import static io.berth.gc.GarbageCollectionContract.pastGrace;
import static org.assertj.core.api.Assertions.assertThat;

/** Garbage collection with S3 (S3Proxy) as the store: the objects are gone from the bucket, abandoned multipart uploads aborted. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GcOnS3Test {
    private static final String BUCKET = "gc-bucket";
    private static final String ROOT = "berth-root/";
    private S3ProxyServer s3;
    private S3Client client;

    @BeforeAll
    void startS3() throws Exception {
        s3 = S3ProxyServer.start(BUCKET);
        client = s3.client();
    }

    @AfterAll
    void stopS3() throws Exception {
        client.close();
        s3.close();
    }

    private List<String> keys() {
        return client.listObjectsV2Paginator(r -> r.bucket(BUCKET)).contents().stream().map(S3Object::key).toList();
    }

    private static String key(String digest) {
        String hex = digest.substring("sha256:".length());
        return ROOT + "docker/registry/v2/blobs/sha256/" + hex.substring(0, 2) + "/" + hex + "/data";
    }

    @Test
    void theDeletedImagesObjectsLeaveTheBucketAndAbandonedUploadsAreAborted() throws Exception {
        Map<String, String> env = s3.registrySettings(BUCKET, "/" + ROOT);
        env.put("REGISTRY_STORAGE_REDIRECT_DISABLE", "true"); // pulls through Berth, to check the bytes here
        env.put("BERTH_DATA_DIR", Files.createTempDirectory("berth-gc-s3-").toString());
        env.put("BERTH_GC_GRACE", GarbageCollectionContract.GRACE.toSeconds() + "s");
        env.put("BERTH_GC_ENABLED", "false");
        try (TestServer server = TestServer.start(env)) {
            Http http = server.http();
            Blob config = config("s3");
            Blob kept = blob(70, 100_000);
            Blob gone = blob(71, 200_000);
            Blob live = Images.push(http, "gc/s3", "kept", config, null, kept);
            Blob doomed = Images.push(http, "gc/s3", "gone", config, null, gone);
            http.method("DELETE", "/v2/gc/s3/manifests/" + doomed.digest(), null);
            Blob orphan = blob(72, 3_000);
            client.putObject(r -> r.bucket(BUCKET).key(key(orphan.digest())), RequestBody.fromBytes(orphan.bytes()));
            String abandonedKey = ROOT + "berth/uploads/" + UUID.randomUUID() + "/data";
            String abandoned = client.createMultipartUpload(r -> r.bucket(BUCKET).key(abandonedKey)).uploadId();
            client.uploadPart(r -> r.bucket(BUCKET).key(abandonedKey).uploadId(abandoned).partNumber(1), RequestBody.fromBytes(new byte[1234]));
            // a chunked upload session whose PATCH left its data in an open multipart upload: the session's to keep
            HttpResponse<byte[]> session = http.method("POST", "/v2/gc/s3/blobs/uploads/", null);
            String location = session.headers().firstValue("Location").orElseThrow();
            assertThat(http.method("PATCH", location, new byte[500], "Content-Type", "application/octet-stream").statusCode()).isEqualTo(202);
            assertThat(client.listMultipartUploads(r -> r.bucket(BUCKET)).uploads()).hasSize(2);
            pastGrace();

            GcResult r = GarbageCollectionContract.collect(server, false);
            assertThat(r.blobsSwept()).isEqualTo(1);
            assertThat(r.orphans()).isEqualTo(2);
            assertThat(r.bytesFreed()).isEqualTo(200_000 + 3_000 + 1234);
            List<String> keys = keys();
            assertThat(keys).doesNotContain(key(gone.digest()), key(orphan.digest()));
            assertThat(keys).contains(key(kept.digest()), key(config.digest()));
            List<MultipartUpload> open = client.listMultipartUploads(q -> q.bucket(BUCKET)).uploads();
            assertThat(open).extracting(MultipartUpload::key).containsExactly(ROOT + "berth/uploads/"
                    + location.substring(location.lastIndexOf('/') + 1) + "/data");
            Images.pullsCompletely(http, "gc/s3", "kept", live.digest());
        }
    }
}
