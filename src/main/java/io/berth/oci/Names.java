package io.berth.oci;

/**
 * The grammar of repository names and tags (OCI Distribution Spec, "Pulling manifests"):
 * names {@code [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*}, tags
 * {@code [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}}. Both are checked by a scan rather than a regex: every API
 * request checks its repository name, and the regex was 5% of a manifest GET's CPU.
 */
public final class Names {
    private static final int MAX_TAG_LENGTH = 128;
    /** registry:2's limit on the whole name; clients such as docker enforce the same. */
    public static final int MAX_REPOSITORY_LENGTH = 255;

    private Names() {
    }

    /** The namespace a repository is in: its first path segment (a one-segment name is its own namespace). */
    public static String namespaceOf(String repository) {
        int slash = repository.indexOf('/');
        return slash < 0 ? repository : repository.substring(0, slash);
    }

    public static String checkRepository(String name) {
        if (name == null || name.isEmpty()) {
            throw new RegistryException(ErrorCode.NAME_INVALID, "repository name is empty");
        }
        if (name.length() > MAX_REPOSITORY_LENGTH) {
            throw new RegistryException(ErrorCode.NAME_INVALID,
                    "repository name is longer than " + MAX_REPOSITORY_LENGTH + " characters");
        }
        if (!isRepositoryGrammar(name)) {
            throw new RegistryException(ErrorCode.NAME_INVALID, "invalid repository name: " + Digest.abbreviate(name)
                    + " (lower-case letters, digits and separators . _ __ - between path components)");
        }
        return name;
    }

    public static boolean isValidRepository(String name) {
        return name != null && name.length() <= MAX_REPOSITORY_LENGTH && isRepositoryGrammar(name);
    }

    public static boolean isTag(String s) {
        if (s == null || s.isEmpty() || s.length() > MAX_TAG_LENGTH) {
            return false;
        }
        char first = s.charAt(0);
        if (!(isAlnum(first) || first == '_')) {
            return false;
        }
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(isAlnum(c) || c == '_' || c == '.' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    public static String checkTag(String tag) {
        if (!isTag(tag)) {
            throw new RegistryException(ErrorCode.TAG_INVALID, "invalid tag: " + Digest.abbreviate(String.valueOf(tag))
                    + " (up to 128 characters of [A-Za-z0-9_.-], not starting with . or -)");
        }
        return tag;
    }

    /**
     * One path component of the repository grammar (no '/'): a namespace, an upstream's namespace, a user
     * name (each user's personal namespace). The one definition of that grammar in Berth.
     */
    public static boolean isPathComponent(String s) {
        return s != null && !s.isEmpty() && s.indexOf('/') < 0 && isRepositoryGrammar(s);
    }

    /** Path components separated by '/'; each is runs of [a-z0-9] joined by ".", "_", "__" or "-"+. */
    private static boolean isRepositoryGrammar(String s) {
        int n = s.length();
        int i = 0;
        while (true) {
            i = skipLowerAlnum(s, i);
            if (i < 0) {
                return false;
            }
            while (i < n && s.charAt(i) != '/') {
                char c = s.charAt(i);
                if (c == '.') {
                    i++;
                } else if (c == '_') {
                    i += (i + 1 < n && s.charAt(i + 1) == '_') ? 2 : 1;
                } else if (c == '-') {
                    while (i < n && s.charAt(i) == '-') {
                        i++;
                    }
                } else {
                    return false;
                }
                i = skipLowerAlnum(s, i);
                if (i < 0) {
                    return false;
                }
            }
            if (i == n) {
                return true;
            }
            i++; // the '/' before the next component
        }
    }

    /** The index after a non-empty run of [a-z0-9] starting at {@code i}, or -1 when there is none. */
    private static int skipLowerAlnum(String s, int i) {
        int start = i;
        while (i < s.length() && isLowerAlnum(s.charAt(i))) {
            i++;
        }
        return i > start ? i : -1;
    }

    /** [a-z0-9]: also the digest grammar's algorithm characters. */
    static boolean isLowerAlnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    }

    static boolean isAlnum(char c) {
        return isLowerAlnum(c) || (c >= 'A' && c <= 'Z');
    }
}
