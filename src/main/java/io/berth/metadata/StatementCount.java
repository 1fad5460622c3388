package io.berth.metadata;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many SQL statements the metadata store prepared for one piece of work on this thread — a page of the web
 * interface, which shows it to admins (its Server-Timing header) so that a query per row (N+1) shows. Counted
 * only while {@link #counting} runs the work; the store's statements run by other threads (SQLite's group
 * commit of writes) are not counted.
 */
public final class StatementCount {
    /** The count of the work under way on this thread (a request's virtual thread), or null. */
    private static final ThreadLocal<AtomicInteger> CURRENT = new ThreadLocal<>();

    private StatementCount() {
    }

    /** Runs {@code work} with a count of its statements, which {@link #sofar} reads while it runs. */
    public static void counting(Runnable work) {
        AtomicInteger outer = CURRENT.get();
        CURRENT.set(new AtomicInteger());
        try {
            work.run();
        } finally {
            if (outer == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(outer);
            }
        }
    }

    /** The statements counted so far by the {@link #counting} around this thread's work, or -1 outside one. */
    public static int sofar() {
        AtomicInteger n = CURRENT.get();
        return n == null ? -1 : n.get();
    }

    /** Counts one statement (the store calls it for every statement it prepares). */
    public static void add() {
        AtomicInteger n = CURRENT.get();
        if (n != null) {
            n.incrementAndGet();
        }
    }
}
