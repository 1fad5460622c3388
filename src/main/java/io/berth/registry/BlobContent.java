package io.berth.registry;

import io.berth.oci.Digest;

import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Where to read a blob's bytes from, built by the core so that the HTTP layer serves each kind its
 * own way without ever seeing the storage driver: a file on local disk (sent with sendfile), an
 * object in a store (streamed, or redirected to a signed URL), the bytes themselves (manifests read
 * through the blob route), or a blob still being fetched from an upstream (a stream that follows it).
 */
public sealed interface BlobContent {
    Digest digest();

    long size();

    /** A blob on local disk: the handler hands the file region to the kernel. */
    record LocalFile(Digest digest, long size, Path path) implements BlobContent {
    }

    /** A blob in an object store: read from an offset, or (when the store can sign) redirected to it. */
    record Stored(Digest digest, long size, Opener opener, Signer signer) implements BlobContent {
        public InputStream open(long offset) {
            return opener.open(offset);
        }

        /** A signed URL valid for {@code lifetime}; empty when the store cannot sign. */
        public Optional<URI> redirect(Duration lifetime) {
            return signer.sign(lifetime);
        }
    }

    /** Bytes already in memory: a manifest read through the blob route. */
    record Inline(Digest digest, long size, byte[] bytes) implements BlobContent {
    }

    /** A blob being fetched from an upstream: each reader gets a stream that follows the fill. */
    record Filling(Digest digest, long size, Opener opener) implements BlobContent {
        public InputStream open(long offset) {
            return opener.open(offset);
        }
    }

    @FunctionalInterface
    interface Opener {
        InputStream open(long offset);
    }

    @FunctionalInterface
    interface Signer {
        Optional<URI> sign(Duration lifetime);
    }
}
