package io.berth.storage.s3;

import io.berth.storage.FileInfo;
import io.berth.storage.ObjectKeys;
import io.berth.storage.PathNotFoundException;
import io.berth.storage.StorageDriver;
import io.berth.storage.StorageException;
import io.berth.storage.StorageWriter;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.s3.model.UploadPartCopyResponse;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * Objects in an S3 bucket (or an S3-compatible store), under an optional root prefix. Writers are
 * multipart uploads that outlive the writer, so a chunked blob upload resumes where the last request
 * left it (see {@link S3Writer}); moves are server-side copies, multipart above the copy threshold.
 */
public final class S3Driver implements StorageDriver {
    private static final String CONTENT_TYPE = "application/octet-stream";
    private static final int DELETE_BATCH = 1000; // DeleteObjects takes at most 1000 keys

    final S3Client s3;
    /** Signs redirect URLs locally (no request to the store), with the client's credentials and addressing. */
    private final S3Presigner presigner;
    final S3Settings settings;
    final String bucket;
    private final ObjectKeys keys;

    public S3Driver(S3Settings settings) {
        this.settings = settings;
        this.bucket = settings.bucket();
        this.keys = new ObjectKeys(settings.rootDirectory());
        AwsCredentialsProvider credentials = settings.staticCredentials()
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create(settings.accessKey(), settings.secretKey()))
                : DefaultCredentialsProvider.builder().build();
        this.s3 = client(settings, credentials);
        S3Presigner.Builder p = S3Presigner.builder()
                .region(Region.of(settings.region()))
                .credentialsProvider(credentials)
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(settings.forcePathStyle()).build());
        if (settings.endpoint() != null) {
            p.endpointOverride(settings.endpoint());
        }
        this.presigner = p.build();
    }

    private static S3Client client(S3Settings s, AwsCredentialsProvider credentials) {
        S3ClientBuilder b = S3Client.builder()
                .region(Region.of(s.region()))
                .credentialsProvider(credentials)
                .forcePathStyle(s.forcePathStyle())
                // Bounded retries: idempotent calls and throttling are retried with jittered exponential
                // backoff, at most 3 attempts, so an unreachable store fails a request in seconds (503),
                // and the standard mode's retry budget stops retry storms during a long outage.
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder()
                        .maxAttempts(3).build()))
                // Checksums only where the API demands them: S3-compatible stores (older MinIO, Ceph)
                // reject the CRC trailers the SDK now sends by default.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClientBuilder(Apache5HttpClient.builder()
                        .maxConnections(Math.max(64, s.copyConcurrency() + 16))
                        // A store that accepts no connection or stops answering fails the call, not hangs it;
                        // 30 s of silence mid-transfer is far beyond S3's normal latency.
                        .connectionTimeout(Duration.ofSeconds(5))
                        .connectionAcquisitionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(Duration.ofSeconds(30)));
        if (s.endpoint() != null) {
            b.endpointOverride(s.endpoint());
        }
        return b.build();
    }

    @Override
    public String name() {
        return "s3";
    }

    String key(String path) {
        return keys.object(path);
    }

    // --- reading ----------------------------------------------------------------------------

    @Override
    public Optional<FileInfo> stat(String path) {
        String key = key(path);
        try {
            HeadObjectResponse head = s3.headObject(r -> r.bucket(bucket).key(key));
            return Optional.of(new FileInfo(keys.pathOf(key), head.contentLength(), head.lastModified(), false));
        } catch (S3Exception e) {
            if (!missingKey(e)) {
                throw failure("stat", path, e);
            }
            // not an object; maybe a directory
        } catch (SdkException e) {
            throw failure("stat", path, e);
        }
        try {
            // A directory exists while some object is under it; it has the time of the first one.
            ListObjectsV2Response under = s3.listObjectsV2(r -> r.bucket(bucket).prefix(key + "/").maxKeys(1));
            if (under.contents().isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new FileInfo(keys.pathOf(key), 0, under.contents().getFirst().lastModified(), true));
        } catch (SdkException e) {
            throw failure("stat", path, e);
        }
    }

    @Override
    public byte[] getContent(String path) {
        try (InputStream in = reader(path, 0)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new StorageException("s3 read of " + path + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public InputStream reader(String path, long offset) {
        String key = key(path);
        GetObjectRequest.Builder get = GetObjectRequest.builder().bucket(bucket).key(key);
        if (offset > 0) {
            get.range("bytes=" + offset + "-");
        }
        try {
            return s3.getObject(get.build());
        } catch (S3Exception e) {
            if (e.statusCode() == 416) {
                return InputStream.nullInputStream(); // the object exists but ends before the offset
            }
            if (missingKey(e)) {
                throw new PathNotFoundException(path);
            }
            throw failure("read", path, e);
        } catch (SdkException e) {
            throw failure("read", path, e);
        }
    }

    @Override
    public List<String> list(String prefix) {
        String under = keys.children(prefix);
        ListObjectsV2Request request = ListObjectsV2Request.builder().bucket(bucket).prefix(under).delimiter("/").build();
        TreeSet<String> children = new TreeSet<>();
        try {
            for (ListObjectsV2Response page : s3.listObjectsV2Paginator(request)) {
                for (S3Object o : page.contents()) {
                    if (!o.key().equals(under)) { // a "folder" marker some tools create
                        children.add(keys.pathOf(o.key()));
                    }
                }
                for (CommonPrefix p : page.commonPrefixes()) {
                    String dir = p.prefix();
                    children.add(keys.pathOf(dir.substring(0, dir.length() - 1)));
                }
            }
        } catch (SdkException e) {
            throw failure("list", prefix, e);
        }
        return List.copyOf(children);
    }

    // --- writing ----------------------------------------------------------------------------

    @Override
    public void putContent(String path, byte[] content) {
        String key = key(path);
        try {
            s3.putObject(putRequest(key), RequestBody.fromBytes(content));
        } catch (SdkException e) {
            throw failure("write", path, e);
        }
    }

    @Override
    public StorageWriter writer(String path, boolean append) {
        return S3Writer.open(this, path, key(path), append);
    }

    PutObjectRequest putRequest(String key) {
        PutObjectRequest.Builder b = PutObjectRequest.builder().bucket(bucket).key(key).contentType(CONTENT_TYPE);
        if (settings.encrypt()) {
            b.serverSideEncryption(encryption()).ssekmsKeyId(kmsKeyId());
        }
        if (storageClass() != null) {
            b.storageClass(storageClass());
        }
        return b.build();
    }

    String createMultipartUpload(String key) {
        CreateMultipartUploadRequest.Builder b = CreateMultipartUploadRequest.builder().bucket(bucket).key(key)
                .contentType(CONTENT_TYPE);
        if (settings.encrypt()) {
            b.serverSideEncryption(encryption()).ssekmsKeyId(kmsKeyId());
        }
        if (storageClass() != null) {
            b.storageClass(storageClass());
        }
        return s3.createMultipartUpload(b.build()).uploadId();
    }

    static RequestBody body(byte[] bytes, int length) {
        // re-readable for retries, without copying the buffer
        return RequestBody.fromContentProvider(() -> new ByteArrayInputStream(bytes, 0, length), length, CONTENT_TYPE);
    }

    private ServerSideEncryption encryption() {
        return kmsKeyId() == null ? ServerSideEncryption.AES256 : ServerSideEncryption.AWS_KMS;
    }

    private String kmsKeyId() {
        return settings.kmsKeyId() == null || settings.kmsKeyId().isBlank() ? null : settings.kmsKeyId();
    }

    private String storageClass() {
        return "NONE".equals(settings.storageClass()) ? null : settings.storageClass();
    }

    /** In-progress multipart uploads to exactly this key, or (with {@code subtree}) also to keys under it. */
    List<MultipartUpload> uploadsOf(String key, boolean subtree) {
        List<MultipartUpload> out = new ArrayList<>();
        for (MultipartUpload u : s3.listMultipartUploadsPaginator(r -> r.bucket(bucket).prefix(key)).uploads()) {
            if (u.key().equals(key) || (subtree && u.key().startsWith(key + "/"))) {
                out.add(u);
            }
        }
        out.sort(Comparator.comparing(MultipartUpload::initiated));
        return out;
    }

    void abortUploads(String key, boolean subtree) {
        for (MultipartUpload u : uploadsOf(key, subtree)) {
            abortQuietly(u.key(), u.uploadId());
        }
    }

    void abortQuietly(String key, String uploadId) {
        try {
            s3.abortMultipartUpload(r -> r.bucket(bucket).key(key).uploadId(uploadId));
        } catch (S3Exception e) {
            if (e.statusCode() != 404) { // NoSuchUpload: already completed or aborted
                throw e;
            }
        }
    }

    // --- moving and deleting ----------------------------------------------------------------

    @Override
    public void move(String source, String destination) {
        String from = key(source);
        String to = key(destination);
        try {
            HeadObjectResponse head;
            try {
                head = s3.headObject(r -> r.bucket(bucket).key(from));
            } catch (S3Exception e) {
                if (missingKey(e)) {
                    throw new PathNotFoundException(source);
                }
                throw e;
            }
            if (from.equals(to)) {
                return;
            }
            long size = head.contentLength();
            if (size <= settings.copyThreshold()) {
                CopyObjectRequest.Builder copy = CopyObjectRequest.builder()
                        .sourceBucket(bucket).sourceKey(from).destinationBucket(bucket).destinationKey(to)
                        .contentType(CONTENT_TYPE);
                if (settings.encrypt()) {
                    copy.serverSideEncryption(encryption()).ssekmsKeyId(kmsKeyId());
                }
                if (storageClass() != null) {
                    copy.storageClass(storageClass());
                }
                s3.copyObject(copy.build());
            } else {
                multipartCopy(from, to, size);
            }
            s3.deleteObject(r -> r.bucket(bucket).key(from));
        } catch (SdkException e) {
            throw failure("move", source + " -> " + destination, e);
        }
    }

    /** Copies in parallel parts of the copy chunk size: required above 5 GiB, and faster above ~32 MiB. */
    private void multipartCopy(String from, String to, long size) {
        String uploadId = createMultipartUpload(to);
        long chunk = settings.copyChunkSize();
        int count = (int) ((size + chunk - 1) / chunk);
        Semaphore slots = new Semaphore(settings.copyConcurrency());
        List<Future<CompletedPart>> parts = new ArrayList<>(count);
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < count; i++) {
                long first = i * chunk;
                long last = Math.min(size, first + chunk) - 1;
                int number = i + 1;
                parts.add(threads.submit(() -> {
                    slots.acquire();
                    try {
                        UploadPartCopyResponse r = s3.uploadPartCopy(req -> req.sourceBucket(bucket).sourceKey(from)
                                .destinationBucket(bucket).destinationKey(to).uploadId(uploadId)
                                .partNumber(number).copySourceRange("bytes=" + first + "-" + last));
                        return CompletedPart.builder().partNumber(number).eTag(r.copyPartResult().eTag()).build();
                    } finally {
                        slots.release();
                    }
                }));
            }
            List<CompletedPart> done = new ArrayList<>(count);
            for (Future<CompletedPart> f : parts) {
                done.add(f.get());
            }
            s3.completeMultipartUpload(r -> r.bucket(bucket).key(to).uploadId(uploadId)
                    .multipartUpload(m -> m.parts(done)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abortQuietly(to, uploadId);
            throw new StorageException("s3 copy interrupted", e);
        } catch (ExecutionException e) {
            abortQuietly(to, uploadId);
            if (e.getCause() instanceof SdkException sdk) {
                throw sdk;
            }
            throw new StorageException("s3 multipart copy failed: " + e.getCause(), e.getCause());
        } catch (SdkException e) {
            abortQuietly(to, uploadId);
            throw e;
        }
    }

    @Override
    public void delete(String path) {
        String key = keys.deletable(path);
        try {
            s3.deleteObject(r -> r.bucket(bucket).key(key));
            List<ObjectIdentifier> batch = new ArrayList<>(DELETE_BATCH);
            ListObjectsV2Request under = ListObjectsV2Request.builder().bucket(bucket).prefix(key + "/").build();
            for (ListObjectsV2Response page : s3.listObjectsV2Paginator(under)) {
                for (S3Object o : page.contents()) {
                    batch.add(ObjectIdentifier.builder().key(o.key()).build());
                    if (batch.size() == DELETE_BATCH) {
                        deleteBatch(batch);
                    }
                }
            }
            deleteBatch(batch);
            // and what writers left uncommitted there
            abortUploads(key, true);
        } catch (SdkException e) {
            throw failure("delete", path, e);
        }
    }

    /** DeleteObjects, 1,000 keys a request. */
    @Override
    public void deleteObjects(java.util.Collection<String> paths) {
        List<ObjectIdentifier> batch = new ArrayList<>(DELETE_BATCH);
        try {
            for (String path : paths) {
                batch.add(ObjectIdentifier.builder().key(key(path)).build());
                if (batch.size() == DELETE_BATCH) {
                    deleteBatch(batch);
                }
            }
            deleteBatch(batch);
        } catch (SdkException e) {
            throw failure("delete", paths.size() + " objects", e);
        }
    }

    /** Multipart uploads under the directory, with their parts' total size and the time of the latest part. */
    @Override
    public List<OpenWrite> openWrites(String prefix) {
        String under = keys.children(prefix);
        List<OpenWrite> out = new ArrayList<>();
        try {
            for (MultipartUpload u : s3.listMultipartUploadsPaginator(r -> r.bucket(bucket).prefix(under)).uploads()) {
                long size = 0;
                java.time.Instant last = u.initiated();
                for (software.amazon.awssdk.services.s3.model.Part p
                        : s3.listPartsPaginator(r -> r.bucket(bucket).key(u.key()).uploadId(u.uploadId())).parts()) {
                    size += p.size();
                    last = p.lastModified().isAfter(last) ? p.lastModified() : last;
                }
                out.add(new OpenWrite(keys.pathOf(u.key()), size, last));
            }
        } catch (S3Exception e) {
            if (e.statusCode() != 404) { // NoSuchUpload: finished while we looked
                throw failure("list uploads", prefix, e);
            }
        } catch (SdkException e) {
            throw failure("list uploads", prefix, e);
        }
        return out;
    }

    private void deleteBatch(List<ObjectIdentifier> batch) {
        if (batch.isEmpty()) {
            return;
        }
        List<ObjectIdentifier> keys = List.copyOf(batch);
        batch.clear();
        DeleteObjectsResponse r = s3.deleteObjects(req -> req.bucket(bucket).delete(Delete.builder().objects(keys).quiet(true).build()));
        if (r.hasErrors() && !r.errors().isEmpty()) {
            throw new StorageException("s3 delete failed for " + r.errors().size() + " objects, first "
                    + r.errors().getFirst().key() + ": " + r.errors().getFirst().message());
        }
    }

    /** A pre-signed GET, valid for {@code lifetime}; empty when the credentials cannot sign (then Berth streams). */
    @Override
    public Optional<URI> redirectUrl(String path, Duration lifetime) {
        String key = key(path);
        try {
            return Optional.of(presigner.presignGetObject(r -> r.signatureDuration(lifetime)
                    .getObjectRequest(g -> g.bucket(bucket).key(key))).url().toURI());
        } catch (SdkException | URISyntaxException e) {
            return Optional.empty();
        }
    }

    @Override
    public void checkHealth() {
        try {
            s3.listObjectsV2(r -> r.bucket(bucket).prefix(keys.root()).maxKeys(1));
        } catch (SdkException e) {
            throw failure("health check on bucket " + bucket, "", e);
        }
    }

    @Override
    public void close() {
        presigner.close();
        s3.close();
    }

    /** A 404 about the key, not about the bucket (a missing bucket is a configuration error, never "not found"). */
    static boolean missingKey(S3Exception e) {
        if (e instanceof NoSuchKeyException) {
            return true;
        }
        String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
        return e.statusCode() == 404 && !(e instanceof NoSuchBucketException) && !"NoSuchBucket".equals(code);
    }

    static StorageException failure(String op, String path, SdkException e) {
        return new StorageException("s3 " + op + (path.isEmpty() ? "" : " of " + path) + " failed: " + e.getMessage(), e);
    }

    /** Reads a whole (small) object, for a writer that continues it in memory. */
    byte[] readAll(String key) {
        try (InputStream in = s3.getObject(r -> r.bucket(bucket).key(key))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
