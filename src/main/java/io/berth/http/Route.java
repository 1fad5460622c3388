package io.berth.http;

import io.berth.oci.ErrorCode;
import io.berth.oci.Names;
import io.berth.oci.RegistryException;

/**
 * The Distribution API's routes: {@code /v2/<name>/tags/list}, {@code /v2/<name>/manifests/<reference>},
 * {@code /v2/<name>/blobs/uploads/} (and {@code .../uploads/<id>}), {@code /v2/<name>/blobs/<digest>},
 * {@code /v2/<name>/referrers/<digest>}. A repository name may contain slashes, so the resource is
 * read from the end of the path, and upload routes are tried before blob routes. Matched by hand, not
 * by regexes: every API request is routed, and the regexes were 9% of a manifest GET's CPU.
 */
record Route(Kind kind, String repository, String reference) {

    enum Kind { BASE, CATALOG, TAGS, MANIFEST, UPLOADS, UPLOAD, BLOB, REFERRERS }

    private static final String PREFIX = "/v2/";

    /** The route for a path under /v2, or null when the path names no API resource. */
    static Route match(String path) {
        if (path.equals("/v2/") || path.equals("/v2")) {
            return new Route(Kind.BASE, null, null);
        }
        if (path.equals("/v2/_catalog")) {
            return new Route(Kind.CATALOG, null, null);
        }
        if (!path.startsWith(PREFIX)) {
            return null;
        }
        String tagsOf = nameBefore(path, "/tags/list");
        if (tagsOf != null) {
            return route(Kind.TAGS, tagsOf, null);
        }
        int lastSlash = path.lastIndexOf('/');
        String head = path.substring(0, lastSlash);
        String reference = path.substring(lastSlash + 1);
        boolean hasReference = !reference.isEmpty();
        String name;
        if (hasReference && (name = nameBefore(head, "/manifests")) != null) {
            return route(Kind.MANIFEST, name, reference);
        }
        if ((name = nameBefore(path, "/blobs/uploads")) != null || (name = nameBefore(path, "/blobs/uploads/")) != null) {
            return route(Kind.UPLOADS, name, null);
        }
        if (hasReference && (name = nameBefore(head, "/blobs/uploads")) != null) {
            return route(Kind.UPLOAD, name, reference);
        }
        if (hasReference && (name = nameBefore(head, "/blobs")) != null) {
            return route(Kind.BLOB, name, reference);
        }
        if (hasReference && (name = nameBefore(head, "/referrers")) != null) {
            return route(Kind.REFERRERS, name, reference);
        }
        return null;
    }

    private static Route route(Kind kind, String name, String reference) {
        return new Route(kind, Names.checkRepository(name), reference);
    }

    /**
     * The repository name in {@code s} = "/v2/" + name + suffix, or null when {@code s} does not end with
     * the suffix or the name would be empty or span a line break (a regex's '.' stops there, and these
     * routes were regexes; keeping that keeps every path's answer as it was).
     */
    private static String nameBefore(String s, String suffix) {
        int end = s.length() - suffix.length();
        if (end <= PREFIX.length() || !s.endsWith(suffix)) {
            return null;
        }
        String name = s.substring(PREFIX.length(), end);
        return hasLineBreak(name) ? null : name;
    }

    private static boolean hasLineBreak(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\n' || c == '\r' || c == '\u0085' || c == '\u2028' || c == '\u2029') {
                return true;
            }
        }
        return false;
    }

    /** The metrics label: the route's kind, never the (unbounded) path. */
    String label() {
        return kind.name().toLowerCase(java.util.Locale.ROOT);
    }

    static RegistryException notFound(String path) {
        return new RegistryException(ErrorCode.NOT_FOUND, "no API endpoint at " + (path.length() > 100 ? path.substring(0, 100) + "…" : path));
    }
}
