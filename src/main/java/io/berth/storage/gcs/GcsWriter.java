package io.berth.storage.gcs;

import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import io.berth.storage.ChunkedObjectWriter;
import io.berth.storage.StorageWriter;

import java.util.ArrayList;
import java.util.List;

/**
 * A writer as part objects composed on commit. Cloud Storage cannot append to an object, but it can
 * compose objects into one on the server; so each chunk is stored as a part object under a hidden
 * prefix of its own ({@code .berth-parts/<path>/~<sequence>}), a writer closed without commit stores
 * what it buffered as one more part, and the next appending writer lists the parts and continues.
 * Commit composes the object so far (when appending to one) and the parts into the object, 32
 * sources at a time, then deletes the parts. Small objects that never fill a part are one upload.
 */
final class GcsWriter extends ChunkedObjectWriter {
    private static final int COMPOSE_MAX = 32;

    private record PartObject(String name, long size) {
    }

    private final GcsDriver driver;
    private final BlobId object;
    private final String partsPrefix;
    private final List<PartObject> parts = new ArrayList<>();
    private long partsSize;
    private long nextSequence;
    /** The committed object this writer continues, or null. */
    private Blob base;

    private GcsWriter(GcsDriver driver, String path, BlobId object, String partsPrefix) {
        super(path, driver.settings.chunkSize());
        this.driver = driver;
        this.object = object;
        this.partsPrefix = partsPrefix;
    }

    static StorageWriter open(GcsDriver driver, String path, BlobId object, String partsPrefix, boolean append) {
        return new GcsWriter(driver, path, object, partsPrefix).begin(append);
    }

    @Override
    protected void start() {
        discard();
    }

    @Override
    protected void resume() {
        for (Blob part : driver.partsOf(partsPrefix)) {
            String suffix = part.getName().substring(partsPrefix.length());
            if (suffix.matches("~\\d{10}")) {
                parts.add(new PartObject(part.getName(), part.getSize()));
                partsSize += part.getSize();
                nextSequence = Math.max(nextSequence, Long.parseLong(suffix.substring(1)) + 1);
            }
        }
        parts.sort((a, b) -> a.name().compareTo(b.name())); // fixed-width sequence numbers: name order is upload order
        base = driver.storage.get(object);
    }

    @Override
    protected void storePart(byte[] bytes, int length) {
        String name = partsPrefix + String.format("~%010d", nextSequence);
        driver.storage.create(BlobInfo.newBuilder(driver.bucket, name).setContentType(GcsDriver.CONTENT_TYPE).build(),
                bytes, 0, length);
        nextSequence++;
        parts.add(new PartObject(name, length));
        partsSize += length;
    }

    @Override
    protected long storedSize() {
        return (base == null ? 0 : base.getSize()) + partsSize;
    }

    @Override
    protected boolean commitWithoutParts(byte[] bytes, int length) {
        if (!parts.isEmpty() || (base != null && length > 0)) {
            return false;
        }
        if (base == null) {
            driver.storage.create(BlobInfo.newBuilder(object).setContentType(GcsDriver.CONTENT_TYPE).build(),
                    bytes, 0, length);
        }
        // else continuing a committed object with nothing: it already is the content
        return true;
    }

    @Override
    protected void completeParts() {
        compose();
        driver.deleteNames(parts.stream().map(PartObject::name).toList());
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
    protected void discard() {
        driver.deleteAll(driver.partsOf(partsPrefix));
        driver.storage.delete(object);
    }

    @Override
    protected RuntimeException failure(String op, RuntimeException e) {
        return e instanceof com.google.cloud.storage.StorageException gcs ? GcsDriver.failure(op, path(), gcs) : e;
    }
}
