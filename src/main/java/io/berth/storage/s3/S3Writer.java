package io.berth.storage.s3;

import io.berth.storage.StorageException;
import io.berth.storage.StorageWriter;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.Part;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.UploadPartCopyResponse;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * A writer as a multipart upload, following CNCF Distribution's S3 driver. Bytes are buffered into
 * parts of the chunk size; a writer closed without commit uploads what it buffered as a (short) part
 * and leaves the multipart upload open, so the next appending writer finds it by listing the key's
 * uploads and its parts, and continues. Only the last part of an upload may be shorter than 5 MiB:
 * when more data follows a short part, the upload so far is completed into the object and a new upload
 * starts from it (a server-side copy as its first part, or, under 5 MiB, the bytes read back into the
 * buffer). Objects that never fill a part are written by one PutObject on commit.
 */
final class S3Writer implements StorageWriter {
    private static final int MAX_PARTS = 10_000;
    private static final long MIN_PART = S3Settings.MIN_CHUNK_SIZE;

    private enum State { OPEN, COMMITTED, CANCELLED, CLOSED }

    private record UploadedPart(int number, String etag, long size) {
    }

    private final S3Driver driver;
    private final String path;
    private final String key;
    private final int chunkSize;
    /** A writer without append: when closed uncommitted it must leave a trace, so a later appending writer starts from nothing. */
    private final boolean truncating;

    private String uploadId;
    private final List<UploadedPart> parts = new ArrayList<>();
    private long partsSize;
    /** Size of the committed object this writer continues, until its bytes are brought into the upload; -1 when none. */
    private long baseObjectSize = -1;
    private byte[] buffer = new byte[0];
    private int buffered;
    private State state = State.OPEN;

    private S3Writer(S3Driver driver, String path, String key, boolean truncating) {
        this.driver = driver;
        this.path = path;
        this.key = key;
        this.chunkSize = driver.settings.chunkSize();
        this.truncating = truncating;
    }

    static S3Writer open(S3Driver driver, String path, String key, boolean append) {
        S3Writer w = new S3Writer(driver, path, key, !append);
        if (!append) {
            driver.abortUploads(key, false);
            return w;
        }
        List<MultipartUpload> uploads = driver.uploadsOf(key, false);
        if (!uploads.isEmpty()) {
            w.resume(uploads.getLast().uploadId()); // the newest; normally there is only one
            return w;
        }
        try {
            HeadObjectResponse head = driver.s3.headObject(r -> r.bucket(driver.bucket).key(key));
            w.baseObjectSize = head.contentLength();
        } catch (S3Exception e) {
            if (!S3Driver.missingKey(e)) {
                throw e;
            }
            // a new object
        }
        return w;
    }

    private void resume(String id) {
        uploadId = id;
        List<Part> listed = new ArrayList<>();
        driver.s3.listPartsPaginator(r -> r.bucket(driver.bucket).key(key).uploadId(id)).parts().forEach(listed::add);
        listed.sort(Comparator.comparing(Part::partNumber));
        for (Part p : listed) {
            parts.add(new UploadedPart(p.partNumber(), p.eTag(), p.size()));
            partsSize += p.size();
        }
    }

    @Override
    public void write(ByteBuffer src) {
        ensureOpen();
        if (!src.hasRemaining()) {
            return;
        }
        try {
            prepareForMoreData();
            while (src.hasRemaining()) {
                int n = Math.min(src.remaining(), chunkSize - buffered);
                ensureCapacity(buffered + n);
                src.get(buffer, buffered, n);
                buffered += n;
                if (buffered == chunkSize) {
                    uploadBufferAsPart();
                }
            }
        } catch (SdkException e) {
            throw S3Driver.failure("write", path, e);
        }
    }

    /** Makes the upload ready to take parts after those it has (see the class comment). */
    private void prepareForMoreData() {
        if (!parts.isEmpty() && parts.getLast().size() < MIN_PART) {
            completeUpload();
            baseObjectSize = partsSize;
            parts.clear();
            partsSize = 0;
            uploadId = null;
        }
        if (baseObjectSize > 0) {
            long size = baseObjectSize;
            if (size < MIN_PART) {
                byte[] old = driver.readAll(key);
                ensureCapacity(old.length);
                System.arraycopy(old, 0, buffer, 0, old.length);
                buffered = old.length;
            } else {
                copyObjectIntoUpload(size);
            }
        }
        baseObjectSize = -1;
    }

    /** The committed object becomes the first part(s) of a new upload, copied by the store itself. */
    private void copyObjectIntoUpload(long size) {
        uploadId = driver.createMultipartUpload(key);
        int count = (int) ((size + S3Settings.MAX_COPY_SIZE - 1) / S3Settings.MAX_COPY_SIZE);
        long per = (size + count - 1) / count;
        for (int i = 0; i < count; i++) {
            long first = i * per;
            long last = Math.min(size, first + per) - 1;
            int number = i + 1;
            UploadPartCopyResponse r = driver.s3.uploadPartCopy(req -> req.sourceBucket(driver.bucket).sourceKey(key)
                    .destinationBucket(driver.bucket).destinationKey(key).uploadId(uploadId).partNumber(number)
                    .copySourceRange("bytes=" + first + "-" + last));
            parts.add(new UploadedPart(number, r.copyPartResult().eTag(), last - first + 1));
            partsSize += last - first + 1;
        }
    }

    private void ensureCapacity(int needed) {
        if (buffer.length < needed) {
            // grow geometrically up to one part: small objects never hold a whole chunk of memory
            int size = Math.max(needed, Math.min(chunkSize, Math.max(64 * 1024, buffer.length * 2)));
            buffer = Arrays.copyOf(buffer, size);
        }
    }

    private void uploadBufferAsPart() {
        if (parts.size() >= MAX_PARTS) {
            throw new StorageException("s3 object " + path + " would need more than " + MAX_PARTS
                    + " parts; raise the chunk size (storage.s3.chunksize)");
        }
        if (uploadId == null) {
            uploadId = driver.createMultipartUpload(key);
        }
        int number = parts.isEmpty() ? 1 : parts.getLast().number() + 1;
        int length = buffered;
        UploadPartResponse r = driver.s3.uploadPart(req -> req.bucket(driver.bucket).key(key).uploadId(uploadId)
                .partNumber(number).contentLength((long) length), S3Driver.body(buffer, length));
        parts.add(new UploadedPart(number, r.eTag(), length));
        partsSize += length;
        buffered = 0;
    }

    private void completeUpload() {
        List<CompletedPart> done = parts.stream()
                .map(p -> CompletedPart.builder().partNumber(p.number()).eTag(p.etag()).build())
                .toList();
        driver.s3.completeMultipartUpload(r -> r.bucket(driver.bucket).key(key).uploadId(uploadId)
                .multipartUpload(m -> m.parts(done)));
    }

    @Override
    public long size() {
        ensureOpen();
        return partsSize + buffered + Math.max(0, baseObjectSize);
    }

    @Override
    public void commit() {
        ensureOpen();
        try {
            if (baseObjectSize >= 0 && uploadId == null && buffered == 0) {
                // continuing a committed object with nothing: it already is the content
            } else if (uploadId == null) {
                driver.s3.putObject(driver.putRequest(key), S3Driver.body(buffer, buffered));
            } else {
                if (buffered > 0) {
                    uploadBufferAsPart();
                }
                if (parts.isEmpty()) {
                    driver.abortQuietly(key, uploadId);
                    driver.s3.putObject(driver.putRequest(key), S3Driver.body(buffer, 0));
                } else {
                    completeUpload();
                }
            }
            // On failure the state stays open: close() then keeps what can be kept for a retry.
            finish(State.COMMITTED);
        } catch (SdkException e) {
            throw S3Driver.failure("commit", path, e);
        }
    }

    @Override
    public void cancel() {
        ensureOpen();
        finish(State.CANCELLED);
        try {
            driver.abortUploads(key, false);
            driver.s3.deleteObject(r -> r.bucket(driver.bucket).key(key));
        } catch (SdkException e) {
            throw S3Driver.failure("cancel", path, e);
        }
    }

    @Override
    public void close() {
        if (state != State.OPEN) {
            return;
        }
        try {
            if (buffered > 0) {
                uploadBufferAsPart(); // a short part; the next writer folds it in (prepareForMoreData)
            } else if (truncating && uploadId == null) {
                uploadId = driver.createMultipartUpload(key); // an empty upload: "this object starts from nothing"
            }
        } catch (SdkException e) {
            throw S3Driver.failure("close", path, e);
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
