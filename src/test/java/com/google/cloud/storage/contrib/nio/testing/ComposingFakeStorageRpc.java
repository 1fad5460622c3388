package com.google.cloud.storage.contrib.nio.testing;

import com.google.api.client.util.DateTime;
import com.google.api.services.storage.model.StorageObject;
import com.google.cloud.storage.StorageException;

import java.io.ByteArrayOutputStream;
import java.util.Map;

/**
 * LocalStorageHelper's in-memory fake of Cloud Storage (google-cloud-nio), plus the one operation it
 * leaves out and the GCS driver needs: compose, which concatenates source objects into the target as
 * Cloud Storage does. Lives in the fake's package because the fake is package-private.
 */
public final class ComposingFakeStorageRpc extends FakeStorageRpc {

    public ComposingFakeStorageRpc() {
        super(false);
    }

    @Override
    public StorageObject compose(Iterable<StorageObject> sources, StorageObject target, Map<Option, ?> targetOptions) {
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        for (StorageObject source : sources) {
            String bucket = source.getBucket() == null ? target.getBucket() : source.getBucket();
            byte[] content = contents.get(key(bucket, source.getName()));
            if (content == null) {
                throw new StorageException(404, "compose source not found: " + source.getName());
            }
            joined.writeBytes(content);
        }
        String key = key(target.getBucket(), target.getName());
        StorageObject previous = metadata.get(key);
        target.setGeneration(previous == null || previous.getGeneration() == null ? 1 : previous.getGeneration() + 1);
        target.setUpdated(new DateTime(System.currentTimeMillis()));
        metadata.put(key, target);
        contents.put(key, joined.toByteArray());
        return target;
    }

    /**
     * The fake keys objects by "bucket/name" when written through its RPC methods, but by the upload
     * URL when written through the JSON API's resumable upload (which the client uses for create):
     * find the key the object has, or choose the URL form for a new one, as the client reads that.
     */
    private String key(String bucket, String name) {
        String rpcKey = bucket + "/" + name;
        if (contents.containsKey(rpcKey)) {
            return rpcKey;
        }
        String suffix = "/b/" + bucket + "/o/" + name;
        String base = null;
        for (String k : contents.keySet()) {
            if (k.endsWith(suffix)) {
                return k;
            }
            if (base == null && k.startsWith("http") && k.contains("/b/")) {
                base = k.substring(0, k.indexOf("/b/"));
            }
        }
        return base == null ? rpcKey : base + suffix;
    }
}
