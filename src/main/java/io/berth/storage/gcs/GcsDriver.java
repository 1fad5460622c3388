package io.berth.storage.gcs;

import com.google.auth.oauth2.GoogleCredentials;
import com.google.auth.oauth2.ServiceAccountCredentials;
import com.google.cloud.http.HttpTransportOptions;
import com.google.cloud.ReadChannel;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import io.berth.storage.FileInfo;
import io.berth.storage.ObjectKeys;
import io.berth.storage.PathNotFoundException;
import io.berth.storage.StorageDriver;
import io.berth.storage.StorageException;
import io.berth.storage.StorageWriter;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * Objects in a Google Cloud Storage bucket, under an optional root prefix. Writers store parts and
 * compose them on commit (see {@link GcsWriter}); the parts live under {@code .berth-parts/} in the
 * root, which listings hide and paths may not name. Moves are server-side rewrites.
 */
public final class GcsDriver implements StorageDriver {
    static final String CONTENT_TYPE = "application/octet-stream";
    private static final String PARTS = ".berth-parts";

    final Storage storage;
    final GcsSettings settings;
    final String bucket;
    private final ObjectKeys keys;

    /** A driver on a Storage client built elsewhere (tests pass an in-memory one). */
    public GcsDriver(Storage storage, GcsSettings settings) {
        this.storage = storage;
        this.settings = settings;
        this.bucket = settings.bucket();
        this.keys = new ObjectKeys(settings.rootDirectory());
    }

    /** Connects with the key file, or with the Application Default Credentials when there is none. */
    public static GcsDriver connect(GcsSettings settings) {
        // Bounded retries and timeouts (the SDK's defaults retry up to 6 times over 50 s): idempotent calls
        // are retried with exponential backoff, 3 attempts within 30 s, so an outage is a 503 in seconds.
        StorageOptions.Builder options = StorageOptions.http()
                .setRetrySettings(StorageOptions.getDefaultRetrySettings().toBuilder().setMaxAttempts(3)
                        .setInitialRetryDelayDuration(java.time.Duration.ofMillis(500))
                        .setMaxRetryDelayDuration(java.time.Duration.ofSeconds(4))
                        .setTotalTimeoutDuration(java.time.Duration.ofSeconds(30)).build())
                .setTransportOptions(HttpTransportOptions.newBuilder().setConnectTimeout(5_000).setReadTimeout(30_000).build());
        if (settings.keyFile() != null) {
            try (InputStream key = Files.newInputStream(settings.keyFile())) {
                options.setCredentials(GoogleCredentials.fromStream(key));
            } catch (IOException e) {
                throw new StorageException("cannot read the GCS key file " + settings.keyFile() + ": " + e.getMessage(), e);
            }
        }
        return new GcsDriver(options.build().getService(), settings);
    }

    @Override
    public String name() {
        return "gcs";
    }

    private String objectName(String path) {
        return rejectReserved(keys.object(path));
    }

    /** The key, unless it names the parts' hidden prefix, which only writers may use. */
    private String rejectReserved(String key) {
        String p = keys.pathOf(key);
        if (p.equals(PARTS) || p.startsWith(PARTS + "/")) {
            p = p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
            throw new IllegalArgumentException("storage path " + p + " is reserved for the GCS driver's upload parts");
        }
        return key;
    }

    /** Where a writer to the object at this key (or under this directory key) keeps its parts. */
    private String partsPrefix(String key) {
        return keys.root() + PARTS + "/" + keys.pathOf(key) + "/";
    }

    // --- reading ----------------------------------------------------------------------------

    @Override
    public Optional<FileInfo> stat(String path) {
        String name = objectName(path);
        try {
            Blob b = storage.get(BlobId.of(bucket, name));
            if (b != null) {
                return Optional.of(new FileInfo(keys.pathOf(name), b.getSize(), modified(b), false));
            }
            // A directory exists while some object is under it; it has the time of the first one.
            for (Blob under : storage.list(bucket, Storage.BlobListOption.prefix(name + "/"), Storage.BlobListOption.pageSize(1)).getValues()) {
                return Optional.of(new FileInfo(keys.pathOf(name), 0, modified(under), true));
            }
            return Optional.empty();
        } catch (com.google.cloud.storage.StorageException e) {
            throw failure("stat", path, e);
        }
    }

    private static Instant modified(Blob b) {
        OffsetDateTime t = b.getUpdateTimeOffsetDateTime();
        return t == null ? Instant.EPOCH : t.toInstant();
    }

    @Override
    public byte[] getContent(String path) {
        String name = objectName(path);
        try {
            return storage.readAllBytes(BlobId.of(bucket, name));
        } catch (com.google.cloud.storage.StorageException e) {
            throw e.getCode() == 404 ? new PathNotFoundException(path) : failure("read", path, e);
        }
    }

    @Override
    public InputStream reader(String path, long offset) {
        String name = objectName(path);
        try {
            Blob b = storage.get(BlobId.of(bucket, name));
            if (b == null) {
                throw new PathNotFoundException(path);
            }
            if (offset >= b.getSize()) {
                return InputStream.nullInputStream();
            }
            ReadChannel channel = storage.reader(b.getBlobId());
            channel.seek(offset);
            return Channels.newInputStream(channel);
        } catch (com.google.cloud.storage.StorageException e) {
            throw failure("read", path, e);
        } catch (IOException e) {
            throw new StorageException("gcs read of " + path + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public List<String> list(String prefix) {
        String under = rejectReserved(keys.children(prefix));
        TreeSet<String> children = new TreeSet<>();
        try {
            for (Blob b : storage.list(bucket, Storage.BlobListOption.prefix(under), Storage.BlobListOption.currentDirectory()).iterateAll()) {
                String name = b.getName();
                String child = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
                if (!child.isEmpty() && !child.equals(under) && child.length() > under.length()) {
                    children.add(keys.pathOf(child));
                }
            }
        } catch (com.google.cloud.storage.StorageException e) {
            throw failure("list", prefix, e);
        }
        if (under.equals(keys.root())) {
            children.remove(PARTS);
        }
        return List.copyOf(children);
    }

    // --- writing ----------------------------------------------------------------------------

    @Override
    public void putContent(String path, byte[] content) {
        String name = objectName(path);
        try {
            storage.create(BlobInfo.newBuilder(bucket, name).setContentType(CONTENT_TYPE).build(), content);
        } catch (com.google.cloud.storage.StorageException e) {
            throw failure("write", path, e);
        }
    }

    @Override
    public StorageWriter writer(String path, boolean append) {
        String name = objectName(path);
        return GcsWriter.open(this, path, BlobId.of(bucket, name), partsPrefix(name), append);
    }

    /** The part objects directly under a writer's parts prefix. */
    List<Blob> partsOf(String partsPrefix) {
        List<Blob> out = new ArrayList<>();
        for (Blob b : storage.list(bucket, Storage.BlobListOption.prefix(partsPrefix), Storage.BlobListOption.currentDirectory()).iterateAll()) {
            if (!b.isDirectory() && !b.getName().endsWith("/")) {
                out.add(b);
            }
        }
        return out;
    }

    void compose(List<String> sources, BlobId target) {
        storage.compose(Storage.ComposeRequest.newBuilder()
                .addSource(sources)
                .setTarget(BlobInfo.newBuilder(target).setContentType(CONTENT_TYPE).build())
                .build());
    }

    void deleteAll(List<Blob> blobs) {
        for (Blob b : blobs) {
            storage.delete(b.getBlobId());
        }
    }

    void deleteNames(List<String> names) {
        for (String n : names) {
            storage.delete(BlobId.of(bucket, n));
        }
    }

    // --- moving and deleting ----------------------------------------------------------------

    @Override
    public void move(String source, String destination) {
        String from = objectName(source);
        String to = objectName(destination);
        try {
            Blob src = storage.get(BlobId.of(bucket, from));
            if (src == null) {
                throw new PathNotFoundException(source);
            }
            if (from.equals(to)) {
                return;
            }
            // a rewrite of exactly the generation we saw; large objects take several calls, which getResult makes
            storage.copy(Storage.CopyRequest.newBuilder().setSource(src.getBlobId())
                    .setTarget(BlobId.of(bucket, to)).build()).getResult();
            storage.delete(BlobId.of(bucket, from));
        } catch (com.google.cloud.storage.StorageException e) {
            throw failure("move", source + " -> " + destination, e);
        }
    }

    @Override
    public void delete(String path) {
        String name = rejectReserved(keys.deletable(path));
        try {
            storage.delete(BlobId.of(bucket, name));
            // everything under it, and what writers there left uncommitted
            for (String prefix : List.of(name + "/", partsPrefix(name))) {
                for (Blob b : storage.list(bucket, Storage.BlobListOption.prefix(prefix)).iterateAll()) {
                    storage.delete(b.getBlobId());
                }
            }
        } catch (com.google.cloud.storage.StorageException e) {
            throw failure("delete", path, e);
        }
    }

    /**
     * A V4 signed GET URL. Signing is local only with a service-account key; other credentials (user,
     * metadata server) would need an IAM call per URL or cannot sign at all, so then this is empty and
     * Berth streams the blob itself.
     */
    @Override
    public Optional<URI> redirectUrl(String path, Duration lifetime) {
        if (!(storage.getOptions().getCredentials() instanceof ServiceAccountCredentials)) {
            return Optional.empty();
        }
        try {
            return Optional.of(storage.signUrl(BlobInfo.newBuilder(bucket, objectName(path)).build(), lifetime.toSeconds(),
                    TimeUnit.SECONDS, Storage.SignUrlOption.withV4Signature(), Storage.SignUrlOption.httpMethod(com.google.cloud.storage.HttpMethod.GET))
                    .toURI());
        } catch (RuntimeException | URISyntaxException e) {
            return Optional.empty();
        }
    }

    @Override
    public void checkHealth() {
        try {
            storage.list(bucket, Storage.BlobListOption.prefix(keys.root()), Storage.BlobListOption.pageSize(1)).getValues().iterator().hasNext();
        } catch (com.google.cloud.storage.StorageException e) {
            throw failure("health check on bucket " + bucket, "", e);
        }
    }

    @Override
    public void close() {
        try {
            storage.close();
        } catch (Exception e) {
            // nothing left to save at shutdown
        }
    }

    static StorageException failure(String op, String path, com.google.cloud.storage.StorageException e) {
        return new StorageException("gcs " + op + (path.isEmpty() ? "" : " of " + path) + " failed: HTTP " + e.getCode()
                + " " + e.getMessage(), e);
    }
}
