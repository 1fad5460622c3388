package io.berth.registry;

/**
 * Whether the current request may make the pull-through cache fetch from an upstream (a miss or a
 * revalidation), or only read what is cached. Set by the HTTP layer around each request from the
 * caller's rights; request handlers run on their own (virtual) threads, so a thread-local is exact.
 */
public final class UpstreamFetch {
    private static final ThreadLocal<Boolean> ALLOWED = ThreadLocal.withInitial(() -> Boolean.TRUE);

    private UpstreamFetch() {
    }

    public static boolean allowed() {
        return ALLOWED.get();
    }

    /** Runs {@code work} with fetching allowed or not, restoring the previous state after. */
    public static void run(boolean allowed, Runnable work) {
        Boolean previous = ALLOWED.get();
        ALLOWED.set(allowed);
        try {
            work.run();
        } finally {
            ALLOWED.set(previous);
        }
    }
}
