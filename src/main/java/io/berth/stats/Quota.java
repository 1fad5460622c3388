package io.berth.stats;

/**
 * A namespace's quota: the most unique bytes (each blob once per namespace, plus manifests: {@link Counts#uniqueBytes()}),
 * repositories and tags it may hold. A null limit is no limit; {@link #NONE} has none.
 */
public record Quota(Long maxBytes, Long maxRepositories, Long maxTags) {
    public static final Quota NONE = new Quota(null, null, null);

    public Quota {
        requireNotNegative("maxBytes", maxBytes);
        requireNotNegative("maxRepositories", maxRepositories);
        requireNotNegative("maxTags", maxTags);
    }

    private static void requireNotNegative(String name, Long value) {
        if (value != null && value < 0) {
            throw new IllegalArgumentException(name + " must be a non-negative integer or null (no limit), not " + value);
        }
    }

    public boolean isNone() {
        return maxBytes == null && maxRepositories == null && maxTags == null;
    }
}
