package io.berth.storage;

/**
 * How an object store's driver turns storage paths into keys: the configured root directory's prefix
 * ({@code rootdirectory} in registry:2's settings) and the normalised path ({@link StoragePaths}), and
 * back. One place, so that every object store lays out and guards its keys alike.
 */
public final class ObjectKeys {
    /** Key prefix from the root directory: "" or "some/dir/". */
    private final String root;

    public ObjectKeys(String rootDirectory) {
        this.root = StoragePaths.rootPrefix(rootDirectory);
    }

    /** The prefix every key of this driver starts with ("" without a root directory). */
    public String root() {
        return root;
    }

    /** The key of an object path. */
    public String object(String path) {
        return root + StoragePaths.object(path);
    }

    /** The key prefix under which a directory's children live ({@code ""} or {@code "/"} is the root). */
    public String children(String directory) {
        String d = StoragePaths.directory(directory);
        return d.isEmpty() ? root : root + d + "/";
    }

    /**
     * The key of a path to delete, object or directory, refusing the root: deleting it would remove the
     * whole registry, which no caller means.
     */
    public String deletable(String path) {
        String dir = StoragePaths.directory(path);
        if (dir.isEmpty()) {
            throw new IllegalArgumentException("refusing to delete the storage root");
        }
        return root + dir;
    }

    /** The storage path (normalised, no leading slash) of a key of this driver. */
    public String pathOf(String key) {
        return key.substring(root.length());
    }
}
