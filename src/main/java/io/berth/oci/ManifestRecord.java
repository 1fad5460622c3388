package io.berth.oci;

import io.berth.oci.Digest;

/**
 * A stored manifest: its exact bytes, as pushed, and what was read from them. {@code annotations} is
 * the manifest's annotations object as JSON (for the referrers API), or null.
 */
public record ManifestRecord(String repository, Digest digest, String mediaType, byte[] content,
                             String artifactType, Digest subject, String annotations, long createdMillis) {
    public long size() {
        return content.length;
    }
}
