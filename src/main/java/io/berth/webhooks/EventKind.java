package io.berth.webhooks;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a webhook subscribes to, by its wire name ({@code push}, {@code quota_exceeded}). A value, not an
 * enum, so that the capabilities that publish their own events (quotas, retention, garbage collection)
 * name theirs without touching this package's switch statements: {@link #register} adds one, and stored
 * subscriptions to a kind this build does not know still load (they are simply never matched).
 *
 * @param wire the name in the API, in the stored subscription and in the payload's {@code kind}
 */
public record EventKind(String wire) {
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,39}");
    private static final Map<String, EventKind> KNOWN = Collections.synchronizedMap(new LinkedHashMap<>());

    /** A manifest pushed (with its tag, when pushed by tag). */
    public static final EventKind PUSH = register("push");
    /** A manifest or tag deleted. */
    public static final EventKind DELETE = register("delete");
    /** A manifest pulled (GET, not HEAD). */
    public static final EventKind PULL = register("pull");
    /** A push refused because it would exceed the namespace's quota (published by the quota capability). */
    public static final EventKind QUOTA_EXCEEDED = register("quota_exceeded");
    /** A retention run that deleted tags or manifests in the namespace: what, why, who asked (admin.LifecycleEvents). */
    public static final EventKind RETENTION_RUN = register("retention_run");
    /** A garbage-collection run, to each namespace it deleted in: that namespace's share only (admin.LifecycleEvents). */
    public static final EventKind GC_RUN = register("gc_run");
    /** What {@code test} sends; never subscribed to. */
    public static final EventKind PING = new EventKind("ping");

    public EventKind {
        if (wire == null || !NAME.matcher(wire).matches()) {
            throw new IllegalArgumentException("an event kind is a lower-case name such as push or gc_run, not " + wire);
        }
    }

    /** Declares a kind webhooks may subscribe to; idempotent. */
    public static EventKind register(String wire) {
        return KNOWN.computeIfAbsent(wire, EventKind::new);
    }

    /** A kind a webhook may subscribe to, by its wire name. */
    public static Optional<EventKind> of(String wire) {
        return Optional.ofNullable(wire == null ? null : KNOWN.get(wire));
    }

    /** Every kind a webhook may subscribe to, in the order they were declared. */
    public static List<EventKind> subscribable() {
        synchronized (KNOWN) {
            return List.copyOf(KNOWN.values());
        }
    }

    @Override
    public String toString() {
        return wire;
    }
}
