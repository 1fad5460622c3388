package io.berth.oci;

import java.util.List;

/**
 * What Berth reads from a manifest's bytes: its media type, the blobs and child manifests it
 * references, and the referrers data (subject, artifact type, annotations as JSON).
 */
public record ParsedManifest(String mediaType, List<Digest> blobs, List<Digest> children, Digest subject,
                             String artifactType, String annotationsJson, List<Platform> childPlatforms) {

    /** A child manifest of an index, with its platform when the index names one. */
    public record Platform(Digest digest, String mediaType, String os, String architecture, String variant) {
    }

    public boolean isIndex() {
        return MediaTypes.INDEXES.contains(mediaType);
    }
}
