package io.berth.registry;

import java.util.regex.Pattern;

/** The grammar of repository names and tags (OCI Distribution Spec, "Pulling manifests"). */
public final class Names {
    private static final Pattern REPOSITORY = Pattern.compile(
            "[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*)*");
    private static final Pattern TAG = Pattern.compile("[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}");
    /** registry:2's limit on the whole name; clients such as docker enforce the same. */
    public static final int MAX_REPOSITORY_LENGTH = 255;

    private Names() {
    }

    public static String checkRepository(String name) {
        if (name == null || name.isEmpty()) {
            throw new RegistryException(ErrorCode.NAME_INVALID, "repository name is empty");
        }
        if (name.length() > MAX_REPOSITORY_LENGTH) {
            throw new RegistryException(ErrorCode.NAME_INVALID,
                    "repository name is longer than " + MAX_REPOSITORY_LENGTH + " characters");
        }
        if (!REPOSITORY.matcher(name).matches()) {
            throw new RegistryException(ErrorCode.NAME_INVALID, "invalid repository name: " + Digest.abbreviate(name)
                    + " (lower-case letters, digits and separators . _ __ - between path components)");
        }
        return name;
    }

    public static boolean isValidRepository(String name) {
        return name != null && name.length() <= MAX_REPOSITORY_LENGTH && REPOSITORY.matcher(name).matches();
    }

    public static boolean isTag(String s) {
        return s != null && TAG.matcher(s).matches();
    }

    public static String checkTag(String tag) {
        if (!isTag(tag)) {
            throw new RegistryException(ErrorCode.TAG_INVALID, "invalid tag: " + Digest.abbreviate(String.valueOf(tag))
                    + " (up to 128 characters of [A-Za-z0-9_.-], not starting with . or -)");
        }
        return tag;
    }
}
