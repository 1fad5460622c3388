package io.berth.testing;

import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * An S3 server in the test JVM: S3Proxy on a loopback ephemeral port, keeping objects as files in a
 * temporary directory (so 100 MiB objects cost disk, not heap), with signature-checked static keys.
 */
public final class S3ProxyServer implements AutoCloseable {
    public static final String ACCESS_KEY = "berth-test-access";
    public static final String SECRET_KEY = "berth-test-secret";

    private final S3Proxy proxy;
    private final BlobStore store;
    private final Path dir;

    private S3ProxyServer(S3Proxy proxy, BlobStore store, Path dir) {
        this.proxy = proxy;
        this.store = store;
        this.dir = dir;
    }

    /** Starts the server with the given buckets created. */
    public static S3ProxyServer start(String... buckets) throws Exception {
        Path dir = Files.createTempDirectory("berth-s3proxy-");
        BlobStore store = new FilesystemNio2BlobStore(dir.toString());
        for (String bucket : buckets) {
            store.createContainer(bucket);
        }
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(store)
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        proxy.start();
        for (int i = 0; i < 200 && !"STARTED".equals(proxy.getState()); i++) {
            Thread.sleep(25);
        }
        return new S3ProxyServer(proxy, store, dir);
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + proxy.getPort());
    }

    /** The settings of a Berth that stores in {@code bucket} here, under {@code rootDirectory}, as an operator would give them. */
    public java.util.Map<String, String> registrySettings(String bucket, String rootDirectory) {
        java.util.Map<String, String> env = new java.util.HashMap<>();
        env.put("REGISTRY_STORAGE", "s3");
        env.put("REGISTRY_STORAGE_S3_BUCKET", bucket);
        env.put("REGISTRY_STORAGE_S3_REGION", "us-east-1");
        env.put("REGISTRY_STORAGE_S3_REGIONENDPOINT", endpoint().toString());
        env.put("REGISTRY_STORAGE_S3_FORCEPATHSTYLE", "true");
        env.put("REGISTRY_STORAGE_S3_ACCESSKEY", ACCESS_KEY);
        env.put("REGISTRY_STORAGE_S3_SECRETKEY", SECRET_KEY);
        env.put("REGISTRY_STORAGE_S3_ROOTDIRECTORY", rootDirectory);
        return env;
    }

    /** An S3 client of this server, to look into buckets as the tests' own eyes. */
    public software.amazon.awssdk.services.s3.S3Client client() {
        return software.amazon.awssdk.services.s3.S3Client.builder().region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .endpointOverride(endpoint()).forcePathStyle(true)
                .credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                        software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .build();
    }

    @Override
    public void close() throws Exception {
        try {
            proxy.stop();
        } finally {
            store.close();
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> {
                    try {
                        Files.deleteIfExists(p);
                    } catch (IOException ignored) {
                        // a temporary directory; the OS cleans up what is left
                    }
                });
            }
        }
    }
}
