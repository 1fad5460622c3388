package io.berth.storage.gcs;

import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import io.berth.storage.StorageWriter;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A writer as part objects composed on commit. Cloud Storage cannot append to an object, but it can
 * compose objects into one on the server; so each chunk is stored as a part object under a hidden
 * prefix of its own ({@code .berth-parts/<path>/~<sequence>}), a writer closed without commit stores
 * what it buffered as one more part, and the next appending writer lists the parts and continues.
 * Commit composes the object so far (when appending to one) and the parts into the object, 32
 * sources at a time, then deletes the parts. Small objects that never fill a part are one upload.
 */
final class GcsWriter implements StorageWriter {
    private static final int COMPOSE_MAX = 32;

    private enum State { OPEN, COMMITTED, CANCELLED, CLOSED }

    private record PartObject(String name, long size) {
    }

    private final GcsDriver driver;
    private final String path;
    private final BlobId object;
    private final String partsPrefix;
    private final int chunkSize;
    private final List<PartObject> parts = new ArrayList<>();
    private long partsSize;
    private long nextSequence;
    /** The committed object this writer continues, or null. */
    private Blob base;
    private byte[] buffer = new byte[0];
    private int buffered;
    private State state = State.OPEN;

    private GcsWriter(GcsDriver driver, String path, BlobId object, String partsPrefix) {
        this.driver = driver;
        this.path = path;
        this.object = object;
        this.partsPrefix = partsPrefix;
        this.chunkSize = driver.settings.chunkSize();
    }

    static GcsWriter open(GcsDriver driver, String path, BlobId object, String partsPrefix, boolean append) {
        GcsWriter w = new GcsWriter(driver, path, object, partsPrefix);
        if (!append) {
            // start from nothing, as a truncating file open does
            driver.deleteAll(driver.partsOf(partsPrefix));
            driver.storage.delete(object);
            return w;
        }
        for (Blob part : driver.partsOf(partsPrefix)) {
            String suffix = part.getName().substring(partsPrefix.length());
            if (suffix.matches("~\\d{10}")) {
                w.parts.add(new PartObject(part.getName(), part.getSize()));
                w.partsSize += part.getSize();
                w.nextSequence = Math.max(w.nextSequence, Long.parseLong(suffix.substring(1)) + 1);
            }
        }
        w.parts.sort((a, b) -> a.name().compareTo(b.name())); // fixed-width sequence numbers: name order is upload order
        w.base = driver.storage.get(object);
        return w;
    }

    @Override
    public void write(ByteBuffer src) {
        ensureOpen();
        try {
            while (src.hasRemaining()) {
                int n = Math.min(src.remaining(), chunkSize - buffered);
                ensureCapacity(buffered + n);
                src.get(buffer, buffered, n);
                buffered += n;
                if (buffered == chunkSize) {
                    storeBufferAsPart();
                }
            }
        } catch (com.google.cloud.storage.StorageException e) {
            throw GcsDriver.failure("write", path, e);
        }
    }

    private void ensureCapacity(int needed) {
        if (buffer.length < needed) {
            int size = Math.max(needed, Math.min(chunkSize, Math.max(64 * 1024, buffer.length * 2)));
            buffer = Arrays.copyOf(buffer, size);
        }
    }

    private void storeBufferAsPart() {
        String name = partsPrefix + String.format("~%010d", nextSequence);
        driver.storage.create(BlobInfo.newBuilder(driver.bucket, name).setContentType(GcsDriver.CONTENT_TYPE).build(),
                buffer, 0, buffered);
        nextSequence++;
        parts.add(new PartObject(name, buffered));
        partsSize += buffered;
        buffered = 0;
    }

    @Override
    public long size() {
        ensureOpen();
        return (base == null ? 0 : base.getSize()) + partsSize + buffered;
    }

    @Override
    public void commit() {
        ensureOpen();
        try {
            if (parts.isEmpty() && base == null) {
                driver.storage.create(BlobInfo.newBuilder(object).setContentType(GcsDriver.CONTENT_TYPE).build(),
                        buffer, 0, buffered);
            } else if (!parts.isEmpty() || buffered > 0) {
                if (buffered > 0) {
                    storeBufferAsPart();
                }
                compose();
                driver.deleteNames(parts.stream().map(PartObject::name).toList());
            }
            // else: continuing a committed object with nothing; it already is the content
            finish(State.COMMITTED);
        } catch (com.google.cloud.storage.StorageException e) {
            throw GcsDriver.failure("commit", path, e);
        }
    }

    private void compose() {
        List<String> sources = new ArrayList<>();
        if (base != null) {
            sources.add(base.getName());
        }
        parts.forEach(p -> sources.add(p.name()));
        int round = 0;
        List<String> intermediates = new ArrayList<>();
        while (sources.size() > COMPOSE_MAX) {
            String intermediate = partsPrefix + String.format("~composed-%06d", round++);
            driver.compose(sources.subList(0, COMPOSE_MAX), BlobId.of(driver.bucket, intermediate));
            List<String> rest = new ArrayList<>(sources.subList(COMPOSE_MAX, sources.size()));
            sources.clear();
            sources.add(intermediate);
            sources.addAll(rest);
            intermediates.add(intermediate);
        }
        driver.compose(sources, object);
        driver.deleteNames(intermediates);
    }

    @Override
    public void cancel() {
        ensureOpen();
        finish(State.CANCELLED);
        try {
            driver.deleteAll(driver.partsOf(partsPrefix));
            driver.storage.delete(object);
        } catch (com.google.cloud.storage.StorageException e) {
            throw GcsDriver.failure("cancel", path, e);
        }
    }

    @Override
    public void close() {
        if (state != State.OPEN) {
            return;
        }
        try {
            if (buffered > 0) {
                storeBufferAsPart(); // kept for the next appending writer
            }
        } catch (com.google.cloud.storage.StorageException e) {
            throw GcsDriver.failure("close", path, e);
        } finally {
            finish(State.CLOSED);
        }
    }

    private void finish(State end) {
        state = end;
        buffer = new byte[0];
        buffered = 0;
    }

    private void ensureOpen() {
        if (state != State.OPEN) {
            throw new IllegalStateException("writer to " + path + " is " + state.name().toLowerCase());
        }
    }
}
