package io.berth.http;

import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import org.eclipse.jetty.server.Request;

/**
 * Holds a request to the path its client sent. Jetty resolves dot segments and drops path parameters
 * before handlers see the path ({@code /v2/t1/a/../x/...} arrives as {@code /v2/t1/x/...}), so a
 * client — or a proxy in front that checked the path as written — would have Berth act on a name it
 * never sent. Berth's paths never need either, so they are refused rather than resolved.
 */
final class RequestTarget {
    private RequestTarget() {
    }

    /** Refuses with NAME_INVALID a path whose raw form has a dot segment or a path parameter. */
    static void check(Request request) {
        String raw = request.getHttpURI().getPath();
        // Jetty only rewrites a path that has dot segments, parameters or percent-encoding; most have none.
        if (raw == null || raw.equals(request.getHttpURI().getCanonicalPath())) {
            return;
        }
        String why = problem(raw);
        if (why != null) {
            throw new RegistryException(ErrorCode.NAME_INVALID, "the path has " + why
                    + ", which Berth does not resolve: name the repository (or resource) as it is");
        }
    }

    /** What is wrong with a raw (still percent-encoded) path, or null. One pass over its characters. */
    static String problem(String raw) {
        int start = 0;
        for (int i = 0; i <= raw.length(); i++) {
            char c = i < raw.length() ? raw.charAt(i) : '/';
            if (c == ';') {
                return "a path parameter (\";\")";
            }
            if (c == '%' && raw.startsWith("2", i + 1) && i + 2 < raw.length() && (raw.charAt(i + 2) | 0x20) == 'f') {
                return "an encoded slash (%2F)";
            }
            if (c == '/') {
                if (isDotSegment(raw, start, i)) {
                    return "a dot segment (\".\" or \"..\", also percent-encoded)";
                }
                start = i + 1;
            }
        }
        return null;
    }

    /** "." or "..", where each dot may be written "%2e" or "%2E". */
    private static boolean isDotSegment(String s, int from, int to) {
        int dots = 0;
        for (int i = from; i < to; ) {
            if (s.charAt(i) == '.') {
                i++;
            } else if (s.startsWith("%2e", i) || s.startsWith("%2E", i)) {
                i += 3;
            } else {
                return false;
            }
            dots++;
        }
        return dots == 1 || dots == 2;
    }
}
