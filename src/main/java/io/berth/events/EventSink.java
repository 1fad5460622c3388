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

    /** A push refused over its namespace's quota; on the request's thread too. Sinks that do not care ignore it. */
    default void quotaExceeded(QuotaExceeded event) {
    }

    /** One sink that hands every event to each of {@code sinks}, in order; one that fails does not stop the others. */
    static EventSink fanOut(List<EventSink> sinks) {
        List<EventSink> live = sinks.stream().filter(s -> s != NONE).toList();
        if (live.isEmpty()) {
            return NONE;
        }
        if (live.size() == 1) {
            return live.getFirst();
        }
        return new EventSink() {
            @Override
            public void publish(RegistryEvent event) {
                each(s -> s.publish(event));
            }

            @Override
            public void quotaExceeded(QuotaExceeded event) {
                each(s -> s.quotaExceeded(event));
            }

            private void each(java.util.function.Consumer<EventSink> call) {
                for (EventSink s : live) {
                    try {
                        call.accept(s);
                    } catch (RuntimeException e) {
                        org.slf4j.LoggerFactory.getLogger(EventSink.class).warn("event sink {} failed: {}", s, e.toString());
                    }
                }
            }
        };
    }
}
