package io.berth.metadata;

import io.berth.oci.Digest;

import java.util.List;

/** A manifest references blobs or manifests the repository does not have. */
public class MissingReferencesException extends RuntimeException {
    private final List<Digest> missingBlobs;
    private final List<Digest> missingManifests;

    public MissingReferencesException(List<Digest> missingBlobs, List<Digest> missingManifests) {
        super("missing blobs " + missingBlobs + ", missing manifests " + missingManifests, null, false, false);
        this.missingBlobs = List.copyOf(missingBlobs);
        this.missingManifests = List.copyOf(missingManifests);
    }

    public List<Digest> missingBlobs() {
        return missingBlobs;
    }

    public List<Digest> missingManifests() {
        return missingManifests;
    }
}
