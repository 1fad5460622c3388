package io.berth.stats;

/**
 * The usage counters Berth keeps with every change, per scope (the registry, and each namespace), in the
 * order of the columns of {@code usage_counters} (V6__stats.sql), which are these names in lower case.
 */
public enum Counter {
    REPOSITORIES,
    IMAGE_MANIFESTS,
    INDEX_MANIFESTS,
    ARTIFACT_MANIFESTS,
    /** Bytes of the manifests, as stored (each repository's copy). */
    MANIFEST_BYTES,
    TAGS,
    /** Rows of repository_blobs: each blob once per repository that may see it. */
    BLOB_LINKS,
    /** Their bytes: storage as the repositories see it. */
    LINKED_BLOB_BYTES,
    /** Unique blobs in the scope: stored (the registry), or once per namespace. */
    BLOBS,
    BLOB_BYTES,
    /** Permission grants: rows of namespace_members. */
    MEMBERS,
    /** The registry's only (a namespace's stay 0). */
    USERS,
    NAMESPACES,
    API_TOKENS;

    private final String column = name().toLowerCase(java.util.Locale.ROOT);

    /** The column of usage_counters that holds it. */
    public String column() {
        return column;
    }

    static final int COUNT = values().length;
}
