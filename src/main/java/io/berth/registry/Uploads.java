package io.berth.registry;

import io.berth.oci.Digest;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;

import io.berth.metadata.MetadataStore;
import io.berth.metadata.QuotaExceededException;
import io.berth.storage.FileInfo;
import io.berth.storage.StorageDriver;
import io.berth.storage.StorageWriter;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Blob upload sessions. Bytes stream into a temporary object while SHA-256 is computed on the fly, so
 * completing an upload needs no second read; the blob becomes visible only after its digest and size
 * are verified and the data is durable, by an atomic move under its digest. A session's hash state
 * lives in memory; when it is missing (a restart) it is rebuilt by reading the partial data once.
 */
public final class Uploads {
    private final StorageDriver storage;
    private final MetadataStore metadata;
    private final Clock clock;
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();

    public Uploads(StorageDriver storage, MetadataStore metadata, Clock clock) {
        this.storage = storage;
        this.metadata = metadata;
        this.clock = clock;
    }

    /** What a client learns of a session: its id and how many bytes it holds. */
    public record Status(String id, long offset) {
    }

    private static final class Session {
        final String id;
        final String repository;
        final ReentrantLock lock = new ReentrantLock();
        MessageDigest sha256 = Digest.newHasher("sha256");
        long offset;
        /** Set when a write failed midway: the hash state may not match the data, so rebuild it. */
        boolean dirty;

        Session(String id, String repository) {
            this.id = id;
            this.repository = repository;
        }
    }

    public Status start(String repository) {
        String id = UUID.randomUUID().toString();
        metadata.createUpload(id, repository, clock.instant());
        sessions.put(id, new Session(id, repository));
        return new Status(id, 0);
    }

    public Status status(String repository, String id) {
        Session s = session(repository, id);
        s.lock.lock();
        try {
            ensureHashState(s);
            return new Status(id, s.offset);
        } finally {
            s.lock.unlock();
        }
    }

    /**
     * Appends a chunk. {@code rangeStart}, when the client sent a Content-Range, must equal the bytes
     * already received: chunks are taken strictly in order.
     */
    public Status append(String repository, String id, Long rangeStart, BodySource body) {
        Session s = session(repository, id);
        s.lock.lock();
        try {
            ensureHashState(s);
            checkRange(s, rangeStart);
            write(s, body, false);
            return new Status(id, s.offset);
        } finally {
            s.lock.unlock();
        }
    }

    /**
     * Takes the final chunk (if any), verifies the whole blob against {@code expected}, makes it durable
     * and visible in the repository. On a digest mismatch the session is discarded.
     */
    public long complete(String repository, String id, Digest expected, Long rangeStart, BodySource body) {
        Session s = session(repository, id);
        s.lock.lock();
        try {
            ensureHashState(s);
            checkRange(s, rangeStart);
            write(s, body, true);
            Digest actual = "sha256".equals(expected.algorithm())
                    ? Digest.of("sha256", s.sha256.digest())
                    : rehash(uploadData(id), expected.algorithm());
            if (!actual.equals(expected)) {
                discard(s);
                throw new RegistryException(ErrorCode.DIGEST_INVALID,
                        "digest mismatch: the uploaded content has digest " + actual + ", not " + expected);
            }
            try {
                publish(s, expected);
            } catch (QuotaExceededException e) {
                discard(s); // the client is refused for good: its bytes go now, not when the session expires
                throw QuotaRefusal.denied(e);
            }
            return s.offset;
        } finally {
            s.lock.unlock();
        }
    }

    /** A single-request upload (POST ?digest= with the body): no session row, one pass over the bytes. */
    public long putMonolithic(String repository, Digest expected, BodySource body) {
        try (Incoming in = new Incoming(expected, true)) {
            body.forEachChunk(in::write);
            return in.complete(-1, List.of(repository));
        } catch (QuotaExceededException e) {
            throw QuotaRefusal.denied(e);
        }
    }

    /**
     * A blob arriving from elsewhere than an upload session (a single-request upload, a pull-through
     * cache's fill), committed exactly as an upload is: hashed as it is written, verified, made durable,
     * moved under its digest, then linked. Until {@link #complete} succeeds nothing of it is visible;
     * closing it without completing discards the bytes. This is a cache fill's: quotas do not limit it
     * (the cache is the operator's, not a user's push).
     */
    public Incoming receive(Digest expected) {
        return new Incoming(expected, false);
    }

    /** See {@link #receive}. One writer thread; {@link #size} may be read from any thread. */
    public final class Incoming implements AutoCloseable {
        private final Digest expected;
        private final boolean push;
        private final Session s = new Session(UUID.randomUUID().toString(), null);
        private final StorageWriter writer;
        private final MessageDigest hasher;
        private volatile long size;
        /** The writer committed its bytes (then it may not be cancelled; a refused link still deletes them). */
        private boolean committed;

        private Incoming(Digest expected, boolean push) {
            this.expected = expected;
            this.push = push;
            this.hasher = expected.newHasher();
            this.writer = storage.writer(uploadData(s.id), false);
        }

        /** Where the bytes are while they arrive (a cache fill lets waiting clients read them from there). */
        public String dataPath() {
            return uploadData(s.id);
        }

        public long size() {
            return size;
        }

        public void write(ByteBuffer buf) {
            int len = buf.remaining();
            hasher.update(buf.duplicate());
            writer.write(buf);
            size += len;
        }

        /**
         * Verifies the digest (and {@code expectedSize}, when not negative), makes the bytes durable,
         * moves them under the digest and links the blob to each of {@code repositories}. Returns the size.
         */
        public long complete(long expectedSize, Iterable<String> repositories) {
            Digest actual = Digest.of(expected.algorithm(), hasher.digest());
            if (!actual.equals(expected) || (expectedSize >= 0 && expectedSize != size)) {
                throw new RegistryException(ErrorCode.DIGEST_INVALID, actual.equals(expected)
                        ? "size mismatch: the content has " + size + " bytes, not " + expectedSize
                        : "digest mismatch: the content has digest " + actual + ", not " + expected);
            }
            writer.commit();
            committed = true;
            s.offset = size;
            java.util.Iterator<String> each = repositories.iterator();
            BlobCommit.commit(storage, metadata, uploadData(s.id), expected, size, each.next(), null, push);
            while (each.hasNext()) {
                metadata.linkStoredBlob(each.next(), expected);
            }
            return size;
        }

        @Override
        public void close() {
            if (!committed) {
                writer.cancel();
            }
            writer.close();
            storage.delete(BlobLayout.uploadDirectory(s.id));
        }
    }

    public void cancel(String repository, String id) {
        Session s = session(repository, id);
        s.lock.lock();
        try {
            discard(s);
        } finally {
            s.lock.unlock();
        }
    }

    /**
     * Discards sessions started before {@code maxAge} ago, and temporary upload data that no session
     * owns (left by a crash during a single-request upload). Returns how many were removed.
     */
    public int purge(Duration maxAge) {
        Instant cutoff = clock.instant().minus(maxAge);
        int removed = 0;
        for (String id : metadata.uploadsStartedBefore(cutoff)) {
            Session s = sessions.remove(id);
            storage.delete(BlobLayout.uploadDirectory(id));
            metadata.deleteUpload(id);
            if (s != null) {
                s.dirty = true;
            }
            removed++;
        }
        for (String dir : storage.list("berth/uploads")) {
            String id = dir.substring(dir.lastIndexOf('/') + 1);
            Optional<FileInfo> info = storage.stat(dir);
            if (info.isPresent() && info.get().modified().isBefore(cutoff) && metadata.uploadRepository(id).isEmpty()) {
                storage.delete(dir);
                removed++;
            }
        }
        return removed;
    }

    // --- internals --------------------------------------------------------------------------

    private Session session(String repository, String id) {
        Session s = sessions.get(id);
        if (s == null) {
            Optional<String> owner = metadata.uploadRepository(id);
            if (owner.isEmpty()) {
                throw unknown(id);
            }
            s = sessions.computeIfAbsent(id, k -> {
                Session fresh = new Session(k, owner.get());
                fresh.dirty = true; // hash state must be rebuilt from what is stored
                return fresh;
            });
        }
        if (!s.repository.equals(repository)) {
            throw unknown(id);
        }
        return s;
    }

    private static RegistryException unknown(String id) {
        return new RegistryException(ErrorCode.BLOB_UPLOAD_UNKNOWN, "upload " + Digest.abbreviate(id) + " is unknown or has ended");
    }

    private void checkRange(Session s, Long rangeStart) {
        if (rangeStart != null && rangeStart != s.offset) {
            throw new RegistryException(ErrorCode.RANGE_INVALID,
                    "chunk starts at byte " + rangeStart + " but the upload holds " + s.offset
                            + " bytes: chunks must be sent in order", s.offset);
        }
    }

    private void ensureHashState(Session s) {
        if (!s.dirty) {
            return;
        }
        String path = uploadData(s.id);
        MessageDigest h = Digest.newHasher("sha256");
        long size = 0;
        if (storage.stat(path).isPresent()) {
            try (InputStream in = storage.reader(path, 0)) {
                byte[] buf = new byte[1 << 16];
                for (int n; (n = in.read(buf)) > 0; ) {
                    h.update(buf, 0, n);
                    size += n;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        s.sha256 = h;
        s.offset = size;
        s.dirty = false;
    }

    private void write(Session s, BodySource body, boolean commit) {
        StorageWriter w = storage.writer(uploadData(s.id), true);
        boolean ok = false;
        try {
            body.forEachChunk(buf -> {
                int len = buf.remaining();
                s.sha256.update(buf.duplicate());
                w.write(buf);
                s.offset += len;
            });
            if (commit) {
                w.commit();
            }
            ok = true;
        } finally {
            w.close();
            if (!ok) {
                s.dirty = true;
            }
        }
    }

    private Digest rehash(String path, String algorithm) {
        MessageDigest h = Digest.newHasher(algorithm);
        try (InputStream in = storage.reader(path, 0)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                h.update(buf, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Digest.of(algorithm, h.digest());
    }

    private void publish(Session s, Digest digest) {
        BlobCommit.commit(storage, metadata, uploadData(s.id), digest, s.offset, s.repository, s.id, true);
        sessions.remove(s.id);
        storage.delete(BlobLayout.uploadDirectory(s.id));
    }

    private void discard(Session s) {
        sessions.remove(s.id);
        s.dirty = true;
        storage.delete(BlobLayout.uploadDirectory(s.id));
        metadata.deleteUpload(s.id);
    }

    private static String uploadData(String id) {
        return BlobLayout.uploadDataPath(id);
    }
}
