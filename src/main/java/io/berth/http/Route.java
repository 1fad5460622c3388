package io.berth.http;

import io.berth.registry.ErrorCode;
import io.berth.registry.Names;
import io.berth.registry.RegistryException;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Distribution API's routes. A repository name may contain slashes, so each pattern anchors the
 * resource at the end of the path, and upload routes are tried before blob routes.
 */
record Route(Kind kind, String repository, String reference) {

    enum Kind { BASE, CATALOG, TAGS, MANIFEST, UPLOADS, UPLOAD, BLOB, REFERRERS }

    private record Pattern2(Kind kind, Pattern pattern) {
    }

    private static final List<Pattern2> PATTERNS = List.of(
            new Pattern2(Kind.TAGS, Pattern.compile("^/v2/(.+)/tags/list$")),
            new Pattern2(Kind.MANIFEST, Pattern.compile("^/v2/(.+)/manifests/([^/]+)$")),
            new Pattern2(Kind.UPLOADS, Pattern.compile("^/v2/(.+)/blobs/uploads/?$")),
            new Pattern2(Kind.UPLOAD, Pattern.compile("^/v2/(.+)/blobs/uploads/([^/]+)$")),
            new Pattern2(Kind.BLOB, Pattern.compile("^/v2/(.+)/blobs/([^/]+)$")),
            new Pattern2(Kind.REFERRERS, Pattern.compile("^/v2/(.+)/referrers/([^/]+)$")));

    /** The route for a path under /v2, or null when the path names no API resource. */
    static Route match(String path) {
        if (path.equals("/v2/") || path.equals("/v2")) {
            return new Route(Kind.BASE, null, null);
        }
        if (path.equals("/v2/_catalog")) {
            return new Route(Kind.CATALOG, null, null);
        }
        for (Pattern2 p : PATTERNS) {
            Matcher m = p.pattern.matcher(path);
            if (m.matches()) {
                String name = Names.checkRepository(m.group(1));
                return new Route(p.kind, name, m.groupCount() > 1 ? m.group(2) : null);
            }
        }
        return null;
    }

    /** The metrics label: the route's kind, never the (unbounded) path. */
    String label() {
        return kind.name().toLowerCase(java.util.Locale.ROOT);
    }

    static RegistryException notFound(String path) {
        return new RegistryException(ErrorCode.NOT_FOUND, "no API endpoint at " + (path.length() > 100 ? path.substring(0, 100) + "…" : path));
    }
}
