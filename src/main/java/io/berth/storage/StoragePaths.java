package io.berth.storage;

import java.util.regex.Pattern;

/**
 * The one definition of a valid storage path, shared by every driver so that a path accepted by one
 * store is accepted by all: slash-separated segments of {@code [A-Za-z0-9._-]}, an optional leading
 * slash, no empty, "." or ".." segments. Drivers work with the normalised form (no leading slash),
 * which is also what they return from {@link StorageDriver#list}.
 */
public final class StoragePaths {
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._-]+");

    private StoragePaths() {
    }

    /**
     * The normalised form of an object path, e.g. {@code "/a/b"} becomes {@code "a/b"}.
     *
     * @throws IllegalArgumentException when the path is not valid (or names the root)
     */
    public static String object(String path) {
        String p = stripLeadingSlash(path);
        if (p.isEmpty()) {
            throw new IllegalArgumentException("the storage root is not an object path");
        }
        check(path, p);
        return p;
    }

    /**
     * The normalised form of a directory path, where the root ({@code ""} or {@code "/"}) and one trailing
     * slash are allowed: {@code "/a/b/"} becomes {@code "a/b"}, the root becomes {@code ""}.
     */
    public static String directory(String path) {
        String p = stripLeadingSlash(path);
        if (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        if (!p.isEmpty()) {
            check(path, p);
        }
        return p;
    }

    /**
     * A store's key prefix from a configured root directory ({@code rootdirectory} in registry:2's
     * settings): {@code "/registry/"} becomes {@code "registry/"}, nothing becomes {@code ""}.
     */
    public static String rootPrefix(String rootDirectory) {
        if (rootDirectory == null) {
            return "";
        }
        String d = directory(rootDirectory.trim());
        return d.isEmpty() ? "" : d + "/";
    }

    private static String stripLeadingSlash(String path) {
        if (path == null) {
            throw new IllegalArgumentException("storage path is null");
        }
        return path.startsWith("/") ? path.substring(1) : path;
    }

    private static void check(String original, String normalised) {
        for (String segment : normalised.split("/", -1)) {
            if (!SEGMENT.matcher(segment).matches() || segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException("invalid storage path \"" + original
                        + "\": segments must be non-empty [A-Za-z0-9._-], not \".\" or \"..\"");
            }
        }
    }
}
