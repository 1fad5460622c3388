package io.berth.proxy;

import io.berth.metadata.MetadataStore;
import io.berth.registry.BlobCommit;
import io.berth.registry.BlobLayout;
import io.berth.registry.Uploads;
import io.berth.oci.Digest;
import io.berth.storage.StorageDriver;
import io.berth.storage.StorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Fetches missing blobs from upstreams, once each however many clients ask at the same time (single
 * flight). The fetch runs on its own thread and writes to a temporary object while hashing; every
 * waiting client reads the bytes as they arrive. A client that disconnects does not stop the fill;
 * a fill whose digest does not match is discarded and never becomes visible.
 */
final class BlobFills {
    private static final Logger LOG = LoggerFactory.getLogger(BlobFills.class);

    private final StorageDriver storage;
    private final MetadataStore metadata;
    private final ProxyMetrics metrics;
    private final Uploads uploads;
    /**
     * Fills in flight by upstream repository and digest, not by digest alone: a client of one cached
     * repository must never be handed bytes that another repository's upstream sent (its own upstream
     * may not hold them).
     */
    private final Map<Key, Fill> inFlight = new ConcurrentHashMap<>();

    private record Key(UpstreamClient client, String remote, Digest digest) {
    }

    BlobFills(StorageDriver storage, MetadataStore metadata, ProxyMetrics metrics) {
        this.storage = storage;
        this.metadata = metadata;
        this.metrics = metrics;
        this.uploads = new Uploads(storage, metadata, Clock.systemUTC());
    }

    /** One blob being fetched. */
    final class Fill {
        final Key key;
        final Digest digest;
        final Uploads.Incoming incoming;
        final CompletableFuture<Long> size = new CompletableFuture<>();
        final CompletableFuture<Void> done = new CompletableFuture<>();
        final Set<String> repositories = ConcurrentHashMap.newKeySet();
        volatile long written;

        Fill(Key key) {
            this.key = key;
            this.digest = key.digest();
            this.incoming = uploads.receive(digest);
        }

        synchronized void progressed(long total) {
            written = total;
            notifyAll();
        }

        /** The blob is verified and in place: followers may read to its end. */
        synchronized void succeeded(long total) {
            written = total;
            done.complete(null);
            notifyAll();
        }

        /** Waits until more than {@code seen} bytes were written, or the fill ended. */
        synchronized void awaitBeyond(long seen) throws InterruptedException {
            while (written <= seen && !done.isDone()) {
                wait(1000);
            }
        }

        /** The blob's bytes from {@code offset}, following the fill as it grows. */
        InputStream open(long offset) {
            InputStream in = open();
            try {
                in.skipNBytes(offset);
            } catch (IOException e) {
                throw new StorageException("cannot read the blob: " + e.getMessage(), e);
            }
            return in;
        }

        /** A stream of the blob's bytes, following the fill as it grows. */
        InputStream open() {
            Path local = storage.localPath(incoming.dataPath()).orElse(null);
            if (local == null) {
                // A remote store cannot be read while it is written: wait for the fill, then read it.
                done.join();
                return storage.reader(BlobLayout.blobPath(digest), 0);
            }
            return new Follower(this, local, storage.localPath(BlobLayout.blobPath(digest)).orElseThrow());
        }
    }

    /** Starts (or joins) the fetch of {@code digest} from {@code remote}; links it to {@code repository} when done. */
    Fill fetch(UpstreamClient client, String remote, Digest digest, String repository) {
        Fill fill = inFlight.computeIfAbsent(new Key(client, remote, digest), k -> {
            Fill f = new Fill(k);
            f.repositories.add(repository); // before the fill can end: it links at least the first asker's repository
            metrics.miss(client);
            Thread.ofVirtual().name("berth-fill-" + digest.hex().substring(0, 12)).start(() -> run(f, client, remote));
            return f;
        });
        fill.repositories.add(repository);
        if (fill.done.isDone() && !fill.done.isCompletedExceptionally()) {
            metadata.linkStoredBlob(repository, digest);
        }
        return fill;
    }

    /**
     * Fetches, then commits through the uploads' own path (hash while writing, verify, fsync, move under
     * the digest, link): a fill is an upload whose client is the upstream.
     */
    private void run(Fill f, UpstreamClient client, String remote) {
        try (Uploads.Incoming in = f.incoming) {
            UpstreamClient.Blob blob = client.getBlob(remote, f.digest.toString());
            f.size.complete(blob.size());
            try (InputStream body = blob.body()) {
                byte[] buf = new byte[256 * 1024];
                for (int n; (n = body.read(buf)) > 0; ) {
                    in.write(ByteBuffer.wrap(buf, 0, n));
                    f.progressed(in.size());
                    metrics.upstreamBytes(client, n);
                }
            }
            Set<String> linked = Set.copyOf(f.repositories);
            long total = in.complete(blob.size(), linked);
            f.succeeded(total);
            // Clients that joined while the fill was linking check done only after registering: link them here.
            for (String repository : f.repositories) {
                if (!linked.contains(repository)) {
                    metadata.linkStoredBlob(repository, f.digest);
                }
            }
        } catch (Exception e) {
            metrics.upstreamError();
            LOG.warn("fetching {} from {} failed: {}", f.digest, client.upstream(), e.getMessage());
            f.size.completeExceptionally(e);
            f.done.completeExceptionally(e);
            synchronized (f) {
                f.notifyAll();
            }
        } finally {
            inFlight.remove(f.key);
        }
    }

    /** Reads a fill's temporary file as it grows; ends at the blob's end, fails if the fill fails. */
    private static final class Follower extends InputStream {
        private final Fill fill;
        private final Path file;
        private final Path moved;
        private FileChannel channel;
        private long position;

        Follower(Fill fill, Path file, Path moved) {
            this.fill = fill;
            this.file = file;
            this.moved = moved;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            while (true) {
                if (fill.done.isCompletedExceptionally()) {
                    throw new IOException("upstream fetch failed", fill.done.exceptionNow());
                }
                boolean verified = fill.done.isDone();
                long written = fill.written;
                // The last byte is held back until the digest is verified: a client never receives a
                // complete-looking blob whose bytes turn out wrong; a failed fill cuts the body short.
                long limit = verified ? written : written - 1;
                if (position >= limit) {
                    if (verified) {
                        return -1;
                    }
                    awaitProgress(written);
                    continue;
                }
                int n = channel().read(ByteBuffer.wrap(b, off, (int) Math.min(len, limit - position)), position);
                if (n > 0) {
                    position += n;
                    return n;
                }
                if (verified) {
                    throw new IOException("the fetched blob " + fill.digest + " is shorter than its " + written + " bytes");
                }
                // Handed to the writer but not in the file yet (a direct-I/O writer stages them): wait for more.
                awaitProgress(written);
            }
        }

        private void awaitProgress(long seen) throws IOException {
            try {
                fill.awaitBeyond(seen);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }

        private FileChannel channel() throws IOException {
            if (channel == null) {
                // Opened once: on Linux the channel keeps reading the same inode after the move into place.
                try {
                    channel = FileChannel.open(file, StandardOpenOption.READ);
                } catch (java.nio.file.NoSuchFileException finishedAlready) {
                    channel = FileChannel.open(moved, StandardOpenOption.READ);
                }
            }
            return channel;
        }

        @Override
        public void close() throws IOException {
            if (channel != null) {
                channel.close();
            }
        }
    }

    /** Waits for a fill's size (the upstream's Content-Length, or the final size when it gave none). */
    static long sizeOf(Fill f, Function<Throwable, RuntimeException> onFailure) {
        try {
            long s = f.size.get(60, TimeUnit.SECONDS);
            if (s >= 0) {
                return s;
            }
            f.done.get(30, TimeUnit.MINUTES);
            return f.written;
        } catch (ExecutionException e) {
            throw onFailure.apply(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw onFailure.apply(e);
        } catch (TimeoutException e) {
            throw onFailure.apply(e);
        }
    }
}
