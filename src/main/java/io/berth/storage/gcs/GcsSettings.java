package io.berth.storage.gcs;

import java.nio.file.Path;

/**
 * How to reach a Cloud Storage bucket, with registry:2's parameter names. Without a key file the
 * Application Default Credentials are used (workload identity, GCE metadata, gcloud).
 *
 * @param keyFile   a service account's JSON key, or null
 * @param chunkSize bytes buffered per part object; parts are composed into the object on commit
 */
public record GcsSettings(String bucket, Path keyFile, String rootDirectory, int chunkSize) {
    public static final int DEFAULT_CHUNK_SIZE = 16 * 1024 * 1024;

    public GcsSettings {
        if (bucket == null || bucket.isBlank()) {
            throw new IllegalArgumentException("the GCS bucket must be named");
        }
        if (chunkSize < 256 * 1024 || chunkSize % (256 * 1024) != 0) {
            throw new IllegalArgumentException("the GCS chunk size must be a multiple of 256 KiB");
        }
    }
}
