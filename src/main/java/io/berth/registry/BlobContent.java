package io.berth.registry;

import io.berth.oci.Digest;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * Where to read a blob's bytes from: a local file (sent zero-copy), the storage driver's stream, the
 * bytes themselves (manifests), or a stream opened on demand (a blob being fetched from an upstream).
 * {@code storagePath} is the driver path; {@code localFile} is set when the driver is on local disk.
 */
public record BlobContent(Digest digest, long size, String storagePath, Path localFile, byte[] inline,
                          Supplier<InputStream> stream) {

    public BlobContent(Digest digest, long size, String storagePath, Path localFile, byte[] inline) {
        this(digest, size, storagePath, localFile, inline, null);
    }
}
