package io.berth.registry;

/**
 * What the current request may make the core do beyond reading what it holds, decided by the HTTP
 * layer from the caller's rights and passed to the calls that can reach an upstream. Two shared
 * instances, so the per-request hot path allocates nothing.
 *
 * @param mayFetchUpstream whether the pull-through cache may fetch from an upstream (a miss or a
 *                         revalidation), or only serve what is cached
 */
public record Access(boolean mayFetchUpstream) {
    public static final Access FETCH_ALLOWED = new Access(true);
    public static final Access CACHED_ONLY = new Access(false);

    public static Access of(boolean mayFetchUpstream) {
        return mayFetchUpstream ? FETCH_ALLOWED : CACHED_ONLY;
    }
}
