package io.berth.stats;

import io.berth.oci.MediaTypes;

/** What the statistics count a manifest as. */
public enum ManifestKind {
    IMAGE(Counter.IMAGE_MANIFESTS), INDEX(Counter.INDEX_MANIFESTS), ARTIFACT(Counter.ARTIFACT_MANIFESTS);

    private final Counter counter;

    ManifestKind(Counter counter) {
        this.counter = counter;
    }

    /** The counter of manifests of this kind. */
    public Counter counter() {
        return counter;
    }

    /**
     * An artifact when the manifest has an artifact type that is not an image config's (for an image manifest
     * Berth stores its config's media type as the artifact type when it names none, as the referrers API
     * does), else an index or an image. The same rule as the view {@code usage_recount} (V6__stats.sql).
     */
    public static ManifestKind of(String mediaType, String artifactType) {
        if (artifactType != null && !MediaTypes.IMAGE_CONFIGS.contains(artifactType)) {
            return ARTIFACT;
        }
        return MediaTypes.INDEXES.contains(mediaType) ? INDEX : IMAGE;
    }
}
