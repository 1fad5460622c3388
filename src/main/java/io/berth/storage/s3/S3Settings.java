package io.berth.storage.s3;

import java.net.URI;
import java.util.Locale;
import java.util.Objects;

/**
 * How to reach a bucket and how to write to it, with registry:2's parameter names and defaults.
 * {@link #toString()} never shows the secret key.
 *
 * @param endpoint        an S3-compatible endpoint (MinIO, Ceph, S3Proxy), or null for AWS
 * @param accessKey       static credentials; when either key is blank, the AWS default credential chain is used
 * @param storageClass    sent with every write; {@code NONE} sends none (for stores that reject the header)
 * @param chunkSize       bytes buffered per multipart-upload part (at least 5 MiB, S3's minimum part size)
 * @param copyThreshold   objects larger than this are moved by multipart copy (always above 5 GiB, S3's copy limit)
 */
public record S3Settings(String bucket, String region, URI endpoint, boolean forcePathStyle,
                         String accessKey, String secretKey, String rootDirectory,
                         boolean encrypt, String kmsKeyId, String storageClass,
                         int chunkSize, long copyChunkSize, long copyThreshold, int copyConcurrency) {

    public static final int MIN_CHUNK_SIZE = 5 * 1024 * 1024;
    public static final long MAX_COPY_SIZE = 5L * 1024 * 1024 * 1024;

    public S3Settings {
        Objects.requireNonNull(bucket, "bucket");
        if (bucket.isBlank()) {
            throw new IllegalArgumentException("the S3 bucket must be named");
        }
        if ((region == null || region.isBlank()) && endpoint == null) {
            throw new IllegalArgumentException("the S3 region must be given (or a region endpoint)");
        }
        if (region == null || region.isBlank()) {
            region = "us-east-1"; // S3-compatible stores ignore it, but the signature needs one
        }
        storageClass = storageClass == null || storageClass.isBlank() ? "STANDARD" : storageClass.toUpperCase(Locale.ROOT);
        if (chunkSize < MIN_CHUNK_SIZE) {
            throw new IllegalArgumentException("the S3 chunk size must be at least " + MIN_CHUNK_SIZE + " bytes");
        }
        if (copyChunkSize < MIN_CHUNK_SIZE || copyChunkSize > MAX_COPY_SIZE) {
            throw new IllegalArgumentException("the S3 multipart copy chunk size must be from 5 MiB to 5 GiB");
        }
        if (copyThreshold < 0) {
            throw new IllegalArgumentException("the S3 multipart copy threshold must not be negative");
        }
        copyThreshold = Math.min(copyThreshold, MAX_COPY_SIZE);
        if (copyConcurrency < 1) {
            throw new IllegalArgumentException("the S3 multipart copy concurrency must be at least 1");
        }
    }

    /** registry:2's defaults for everything but where the bucket is. */
    public static S3Settings of(String bucket, String region, URI endpoint, boolean forcePathStyle,
                                String accessKey, String secretKey, String rootDirectory) {
        return new S3Settings(bucket, region, endpoint, forcePathStyle, accessKey, secretKey, rootDirectory,
                false, null, "STANDARD", 10 * 1024 * 1024, 32L * 1024 * 1024, 32L * 1024 * 1024, 100);
    }

    public S3Settings withChunking(int chunkSize, long copyChunkSize, long copyThreshold) {
        return new S3Settings(bucket, region, endpoint, forcePathStyle, accessKey, secretKey, rootDirectory,
                encrypt, kmsKeyId, storageClass, chunkSize, copyChunkSize, copyThreshold, copyConcurrency);
    }

    boolean staticCredentials() {
        return accessKey != null && !accessKey.isBlank() && secretKey != null && !secretKey.isBlank();
    }

    @Override
    public String toString() {
        return "S3Settings[bucket=" + bucket + ", region=" + region + ", endpoint=" + endpoint
                + ", forcePathStyle=" + forcePathStyle + ", credentials=" + (staticCredentials() ? "static keys" : "default chain")
                + ", rootDirectory=" + rootDirectory + ", encrypt=" + encrypt + ", storageClass=" + storageClass
                + ", chunkSize=" + chunkSize + "]";
    }
}
