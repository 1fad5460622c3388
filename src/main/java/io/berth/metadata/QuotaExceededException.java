package io.berth.metadata;

import java.util.Locale;

/**
 * A push would take its namespace over one of its quota's limits; nothing was written. The message names the
 * namespace, what it uses, the limit and what the push would add, in the words podman, skopeo and docker print.
 *
 * @param limit "storage" (unique bytes), "repositories" or "tags"
 */
public class QuotaExceededException extends RuntimeException {
    private final String namespace;
    private final String repository;
    private final String limit;
    private final long used;
    private final long max;
    private final long adding;

    public QuotaExceededException(String namespace, String repository, String limit, long used, long max, long adding) {
        super(message(namespace, repository, limit, used, max, adding), null, false, false);
        this.namespace = namespace;
        this.repository = repository;
        this.limit = limit;
        this.used = used;
        this.max = max;
        this.adding = adding;
    }

    private static String message(String namespace, String repository, String limit, long used, long max, long adding) {
        return switch (limit) {
            case "storage" -> "quota exceeded: namespace " + namespace + " uses " + bytes(used) + " of " + bytes(max)
                    + " (storage, each blob counted once per namespace); this push to " + repository + " would add " + bytes(adding);
            case "repositories" -> "quota exceeded: namespace " + namespace + " uses " + used + " of " + max
                    + " repositories; " + repository + " would be a new one";
            default -> "quota exceeded: namespace " + namespace + " uses " + used + " of " + max + " " + limit
                    + "; this push to " + repository + " would add " + adding + (adding == 1 ? " tag" : " tags");
        };
    }

    /** Decimal units, as the web UI, registries and clients show sizes ("1.2 GB"); exact bytes below 1 KB. */
    static String bytes(long n) {
        String[] units = {"KB", "MB", "GB", "TB", "PB", "EB"};
        if (n < 1000) {
            return n + " B";
        }
        double v = n;
        int unit = -1;
        while (v >= 999.95 && unit < units.length - 1) {
            v /= 1000;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[unit]);
    }

    public String namespace() {
        return namespace;
    }

    public String repository() {
        return repository;
    }

    public String limit() {
        return limit;
    }

    public long used() {
        return used;
    }

    public long max() {
        return max;
    }

    public long adding() {
        return adding;
    }
}
