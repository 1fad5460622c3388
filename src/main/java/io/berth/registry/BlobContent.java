package io.berth.registry;

import java.nio.file.Path;

/**
 * Where to read a blob's bytes from: a local file (sent zero-copy) or the storage driver's stream.
 * {@code storagePath} is the driver path; {@code localFile} is set when the driver is on local disk.
 */
public record BlobContent(Digest digest, long size, String storagePath, Path localFile, byte[] inline) {
}
