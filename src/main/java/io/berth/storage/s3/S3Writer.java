package io.berth.storage.s3;

import io.berth.storage.ChunkedObjectWriter;
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

import java.util.ArrayList;
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
final class S3Writer extends ChunkedObjectWriter {
    private static final int MAX_PARTS = 10_000;
    private static final long MIN_PART = S3Settings.MIN_CHUNK_SIZE;

    private record UploadedPart(int number, String etag, long size) {
    }

    private final S3Driver driver;
    private final String key;
    /** Set by start (a writer without append): closed uncommitted, it must leave a trace, so a later appending writer starts from nothing. */
    private boolean truncating;

    private String uploadId;
    private final List<UploadedPart> parts = new ArrayList<>();
    private long partsSize;
    /** Size of the committed object this writer continues, until its bytes are brought into the upload; -1 when none. */
    private long baseObjectSize = -1;

    private S3Writer(S3Driver driver, String path, String key) {
        super(path, driver.settings.chunkSize());
        this.driver = driver;
        this.key = key;
    }

    static StorageWriter open(S3Driver driver, String path, String key, boolean append) {
        return new S3Writer(driver, path, key).begin(append);
    }

    @Override
    protected void start() {
        truncating = true;
        driver.abortUploads(key, false);
    }

    @Override
    protected void resume() {
        List<MultipartUpload> uploads = driver.uploadsOf(key, false);
        if (!uploads.isEmpty()) {
            resumeUpload(uploads.getLast().uploadId()); // the newest; normally there is only one
            return;
        }
        try {
            HeadObjectResponse head = driver.s3.headObject(r -> r.bucket(driver.bucket).key(key));
            baseObjectSize = head.contentLength();
        } catch (S3Exception e) {
            if (!S3Driver.missingKey(e)) {
                throw e;
            }
            // a new object
        }
    }

    private void resumeUpload(String id) {
        uploadId = id;
        List<Part> listed = new ArrayList<>();
        driver.s3.listPartsPaginator(r -> r.bucket(driver.bucket).key(key).uploadId(id)).parts().forEach(listed::add);
        listed.sort(Comparator.comparing(Part::partNumber));
        for (Part p : listed) {
            parts.add(new UploadedPart(p.partNumber(), p.eTag(), p.size()));
            partsSize += p.size();
        }
    }

    /** Makes the upload ready to take parts after those it has (see the class comment). */
    @Override
    protected void beforeWrite() {
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
                rebuffer(driver.readAll(key));
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

    @Override
    protected void storePart(byte[] bytes, int length) {
        if (parts.size() >= MAX_PARTS) {
            throw new StorageException("s3 object " + path() + " would need more than " + MAX_PARTS
                    + " parts; raise the chunk size (storage.s3.chunksize)");
        }
        if (uploadId == null) {
            uploadId = driver.createMultipartUpload(key);
        }
        int number = parts.isEmpty() ? 1 : parts.getLast().number() + 1;
        UploadPartResponse r = driver.s3.uploadPart(req -> req.bucket(driver.bucket).key(key).uploadId(uploadId)
                .partNumber(number).contentLength((long) length), S3Driver.body(bytes, length));
        parts.add(new UploadedPart(number, r.eTag(), length));
        partsSize += length;
    }

    private void completeUpload() {
        List<CompletedPart> done = parts.stream()
                .map(p -> CompletedPart.builder().partNumber(p.number()).eTag(p.etag()).build())
                .toList();
        driver.s3.completeMultipartUpload(r -> r.bucket(driver.bucket).key(key).uploadId(uploadId)
                .multipartUpload(m -> m.parts(done)));
    }

    @Override
    protected long storedSize() {
        return partsSize + Math.max(0, baseObjectSize);
    }

    @Override
    protected boolean commitWithoutParts(byte[] bytes, int length) {
        if (uploadId != null) {
            return false;
        }
        if (baseObjectSize < 0 || length > 0) {
            driver.s3.putObject(driver.putRequest(key), S3Driver.body(bytes, length));
        }
        // else continuing a committed object with nothing: it already is the content
        return true;
    }

    @Override
    protected void completeParts() {
        if (parts.isEmpty()) {
            // a truncating writer's empty upload: the object is empty
            driver.abortQuietly(key, uploadId);
            driver.s3.putObject(driver.putRequest(key), S3Driver.body(new byte[0], 0));
        } else {
            completeUpload();
        }
    }

    @Override
    protected void discard() {
        driver.abortUploads(key, false);
        driver.s3.deleteObject(r -> r.bucket(driver.bucket).key(key));
    }

    @Override
    protected void closeEmpty() {
        if (truncating && uploadId == null) {
            uploadId = driver.createMultipartUpload(key); // an empty upload: "this object starts from nothing"
        }
    }

    @Override
    protected RuntimeException failure(String op, RuntimeException e) {
        return e instanceof SdkException sdk ? S3Driver.failure(op, path(), sdk) : e;
    }
}
