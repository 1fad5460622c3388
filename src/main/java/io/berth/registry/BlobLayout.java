package io.berth.registry;

import io.berth.oci.Digest;

/** Where blobs and uploads live in the storage driver's namespace (the same shape as registry:2's). */
public final class BlobLayout {
    private BlobLayout() {
    }

    public static String blobPath(Digest d) {
        return "docker/registry/v2/blobs/" + d.algorithm() + "/" + d.hex().substring(0, 2) + "/" + d.hex() + "/data";
    }

    public static String uploadDirectory(String uploadId) {
        return "berth/uploads/" + uploadId;
    }

    public static String uploadDataPath(String uploadId) {
        return uploadDirectory(uploadId) + "/data";
    }
}
