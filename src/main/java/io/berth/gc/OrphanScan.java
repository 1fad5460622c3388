package io.berth.gc;

import io.berth.metadata.GcStore;
import io.berth.metadata.MetadataStore;
import io.berth.oci.Digest;
import io.berth.registry.BlobLayout;
import io.berth.storage.FileInfo;
import io.berth.storage.StorageDriver;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Finds what the store holds and the metadata does not know, older than the grace period: blob data with no
 * blobs row (a crash between writing and recording), and upload data with no upload session (abandoned
 * single-request uploads, cache fills, sessions a repository deletion ended; S3 multipart uploads among
 * them). Lists the store one blob-prefix directory at a time, so memory stays small.
 */
final class OrphanScan {
    private static final String BLOBS = "docker/registry/v2/blobs";
    private static final String UPLOADS = "berth/uploads";

    private final StorageDriver storage;
    private final MetadataStore metadata;
    private final GcStore store;

    OrphanScan(StorageDriver storage, MetadataStore metadata, GcStore store) {
        this.storage = storage;
        this.metadata = metadata;
        this.store = store;
    }

    record Orphan(Digest digest, long size) {
    }

    /** Blob data last written before {@code before} whose digest has no blobs row. */
    List<Orphan> blobs(Instant before) {
        List<Orphan> out = new ArrayList<>();
        for (String algorithm : storage.list(BLOBS)) {
            for (String prefix : storage.list(algorithm)) {
                Set<String> known = store.knownBlobs(last(algorithm) + ":" + last(prefix));
                for (String dir : storage.list(prefix)) {
                    Digest digest;
                    try {
                        digest = Digest.parse(last(algorithm) + ":" + last(dir));
                    } catch (RuntimeException notADigest) {
                        continue; // not Berth's
                    }
                    if (known.contains(digest.toString())) {
                        continue;
                    }
                    Optional<FileInfo> data = storage.stat(BlobLayout.blobPath(digest));
                    if (data.isPresent() && !data.get().directory() && data.get().modified().isBefore(before)) {
                        out.add(new Orphan(digest, data.get().size()));
                    }
                }
            }
        }
        return out;
    }

    /** Upload data (a directory under berth/uploads), its size, and when it was last written to. */
    record Upload(String path, long size, Instant lastWritten) {
    }

    /** Upload directories with no session row, last written to before {@code before}. */
    List<Upload> uploads(Instant before) {
        Map<String, Upload> byDirectory = new TreeMap<>();
        for (String dir : storage.list(UPLOADS)) {
            long size = 0;
            Instant lastWritten = null; // of its data; of the directory itself when it holds none
            for (String file : storage.list(dir)) {
                Optional<FileInfo> info = storage.stat(file);
                if (info.isPresent()) {
                    size += info.get().size();
                    lastWritten = lastWritten == null ? info.get().modified() : latest(lastWritten, info.get().modified());
                }
            }
            if (lastWritten == null) {
                lastWritten = storage.stat(dir).map(FileInfo::modified).orElse(Instant.EPOCH);
            }
            byDirectory.put(dir, new Upload(dir, size, lastWritten));
        }
        for (StorageDriver.OpenWrite w : storage.openWrites(UPLOADS)) {
            String rest = w.path().substring(UPLOADS.length() + 1);
            String dir = UPLOADS + "/" + (rest.contains("/") ? rest.substring(0, rest.indexOf('/')) : rest);
            Upload seen = byDirectory.get(dir);
            byDirectory.put(dir, seen == null ? new Upload(dir, w.size(), w.lastActivity())
                    : new Upload(dir, seen.size() + w.size(), latest(seen.lastWritten(), w.lastActivity())));
        }
        List<Upload> out = new ArrayList<>();
        for (Upload u : byDirectory.values()) {
            if (u.lastWritten().isBefore(before) && metadata.uploadRepository(last(u.path())).isEmpty()) {
                out.add(u);
            }
        }
        return out;
    }

    private static Instant latest(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    private static String last(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
