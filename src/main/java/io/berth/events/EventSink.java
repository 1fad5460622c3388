package io.berth.events;

import java.util.List;

/**
 * Where {@link RegistryEvent}s go. {@link #publish} is called on the request's thread after the
 * answer was decided: implementations must not block or fail the request (queue, count, return).
 */
@FunctionalInterface
public interface EventSink {

    /** Drops every event. */
    EventSink NONE = event -> { };

    void publish(RegistryEvent event);

    /** One sink that hands every event to each of {@code sinks}, in order; one that fails does not stop the others. */
    static EventSink fanOut(List<EventSink> sinks) {
        List<EventSink> live = sinks.stream().filter(s -> s != NONE).toList();
        if (live.isEmpty()) {
            return NONE;
        }
        if (live.size() == 1) {
            return live.getFirst();
        }
        return event -> {
            for (EventSink s : live) {
                try {
                    s.publish(event);
                } catch (RuntimeException e) {
                    org.slf4j.LoggerFactory.getLogger(EventSink.class).warn("event sink {} failed: {}", s, e.toString());
                }
            }
        };
    }
}
