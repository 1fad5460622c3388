package io.berth.registry;

import io.berth.oci.Digest;
import io.berth.oci.RegistryException;

import io.berth.oci.ManifestRecord;

import java.util.List;
import java.util.OptionalLong;

/**
 * What the HTTP API does, without HTTP. {@link LocalRegistry} serves this registry's own content;
 * the pull-through cache ({@code io.berth.proxy.ProxyRegistry}) is another implementation that fills
 * the local one from upstream registries — the handlers cannot tell them apart.
 */
public interface Registry {

    /** Behaviour a deployment may change. */
    record Options(boolean deleteEnabled, int maxManifestBytes) {
        public static final int DEFAULT_MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

        public static Options defaults() {
            return new Options(true, DEFAULT_MAX_MANIFEST_BYTES);
        }
    }

    /** What a manifest PUT produced. */
    record PutResult(Digest digest, Digest subject) {
    }

    Options options();

    /** Throws when the storage driver cannot be reached (readiness). */
    void checkStorage();

    /** Throws when the metadata store cannot be reached (readiness). */
    void checkDatabase();

    /**
     * The repository a request means, given the OCI {@code ns=} parameter (the upstream host a client
     * pulled through this registry as a mirror for). Only the pull-through cache maps anything.
     */
    default String resolve(String repository, String nsHost) {
        return repository;
    }

    /** The upstream registry a repository is a cache of, if it is one. */
    default java.util.Optional<String> upstreamOf(String repository) {
        return java.util.Optional.empty();
    }

    /** Whether only callers who may push to the repository's namespace may trigger upstream fetches. */
    default boolean upstreamFetchNeedsPush(String repository) {
        return false;
    }

    /** Throws DENIED when the repository may not be written (a read-only cache of an upstream). */
    default void checkWritable(String repository) {
    }

    /** A blob the repository may see, or BLOB_UNKNOWN; {@code access} says whether a cache may fetch it. */
    BlobContent blob(String repository, Digest digest, Access access);

    void deleteBlob(String repository, Digest digest);

    // --- uploads (see Uploads) ---

    Uploads.Status startUpload(String repository);

    Uploads.Status uploadStatus(String repository, String id);

    /** Appends a chunk; {@code rangeStart}, when given, must equal the bytes already received. */
    Uploads.Status appendUpload(String repository, String id, Long rangeStart, BodySource body);

    /** Takes the last chunk, verifies the digest and makes the blob visible; returns its size. */
    long completeUpload(String repository, String id, Digest expected, Long rangeStart, BodySource body);

    void cancelUpload(String repository, String id);

    /** A single-request upload (POST ?digest=); returns the blob's size. */
    long putBlob(String repository, Digest expected, BodySource body);

    /** Links a blob from another repository; empty when it cannot be mounted (the client then uploads). */
    OptionalLong mount(String repository, Digest digest, String from);

    /**
     * Deletes a repository: its manifests, tags and blob links go in one transaction, the bytes to garbage
     * collection. NAME_UNKNOWN when there is no such repository.
     */
    void deleteRepository(String repository);

    /** Creates an empty repository; NAME_INVALID for a malformed name, false when it exists already. */
    boolean createRepository(String repository);

    PutResult putManifest(String repository, String reference, byte[] content, String contentType);

    /** The error for a manifest over the size limit. */
    RegistryException tooLarge();

    /** A manifest by tag or digest, or MANIFEST_UNKNOWN / NAME_UNKNOWN; {@code access} says whether a cache may fetch it. */
    ManifestRecord manifest(String repository, String reference, Access access);

    /** Deletes a manifest (by digest, with all its tags) or untags (by tag). */
    void deleteManifest(String repository, String reference);

    /**
     * One page of tags; {@code limit} 0 gives an empty list. NAME_UNKNOWN when the repository is unknown.
     * A cached repository asks its upstream only when {@code access} allows upstream fetches.
     */
    List<String> tags(String repository, String last, int limit, Access access);

    List<String> catalog(String last, int limit);

    List<ManifestRecord> referrers(String repository, Digest subject, String artifactType);
}
