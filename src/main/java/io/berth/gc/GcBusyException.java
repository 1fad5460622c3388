package io.berth.gc;

import java.time.Instant;

/** A collection is running already (on this node or, by its lease, on another). */
public final class GcBusyException extends RuntimeException {
    private final String node;
    private final Instant since;

    GcBusyException(String node, Instant since) {
        super("a garbage collection is running" + (node == null ? "" : " on " + node) + (since == null ? "" : " since " + since));
        this.node = node;
        this.since = since;
    }

    /** The node running it, when known. */
    public String node() {
        return node;
    }

    /** When it started, when known. */
    public Instant since() {
        return since;
    }
}
