package io.berth.http;

import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The n/last query parameters and the RFC 5988 Link header of paginated listings. */
final class Pagination {
    private Pagination() {
    }

    /** Parses n; {@code fallback} when absent; never more than {@code max}. */
    static int limit(Exchange ex, int fallback, int max) {
        String n = ex.query("n");
        if (n == null || n.isEmpty()) {
            return fallback;
        }
        try {
            int v = Integer.parseInt(n);
            if (v < 0) {
                throw new NumberFormatException();
            }
            return Math.min(v, max);
        } catch (NumberFormatException e) {
            throw new RegistryException(ErrorCode.PAGINATION_NUMBER_INVALID, "n must be a non-negative integer, not " + abbreviate(n));
        }
    }

    /**
     * Sends a page. {@code fetched} holds up to limit+1 entries: the extra one only says there is more,
     * in which case a Link to the next page is added.
     */
    static <T> List<T> page(Exchange ex, List<T> fetched, int limit, String basePath, java.util.function.Function<T, String> key) {
        if (fetched.size() <= limit || limit == 0) { // n=0: an empty page, and no next one to point to
            return fetched.subList(0, Math.min(limit, fetched.size()));
        }
        List<T> page = fetched.subList(0, limit);
        String last = key.apply(page.getLast());
        ex.setHeader("Link", "<" + basePath + "?n=" + limit + "&last=" + URLEncoder.encode(last, StandardCharsets.UTF_8)
                + ">; rel=\"next\"");
        return page;
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }
}
