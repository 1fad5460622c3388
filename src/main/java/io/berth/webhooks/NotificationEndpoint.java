package io.berth.webhooks;

import io.berth.events.RegistryEvent;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One of registry:2's {@code notifications.endpoints}: where to POST its event envelopes. The operator
 * configures it, so it is trusted: it may point anywhere, including loopback, and redirects are followed.
 *
 * @param headers           static headers for every request (registry:2's {@code http.Header}: a name, a list of values)
 * @param timeout           for one request (registry:2's default 1s)
 * @param threshold         failures in a row before backing off (default 10)
 * @param backoff           how long to wait, once past the threshold, before trying again (default 1s)
 * @param ignoredMediaTypes {@code ignoredmediatypes} and {@code ignore.mediatypes} together
 * @param ignoredActions    {@code ignore.actions}
 */
public record NotificationEndpoint(String name, URI url, Map<String, List<String>> headers, Duration timeout, int threshold,
                                   Duration backoff, Set<String> ignoredMediaTypes, Set<String> ignoredActions) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
    public static final int DEFAULT_THRESHOLD = 10;
    public static final Duration DEFAULT_BACKOFF = Duration.ofSeconds(1);

    public NotificationEndpoint {
        headers = Map.copyOf(headers);
        ignoredMediaTypes = Set.copyOf(ignoredMediaTypes);
        ignoredActions = Set.copyOf(ignoredActions);
    }

    /**
     * Whether the endpoint gets the event: registry:2 drops events whose target media type or action it was
     * told to ignore (either suffices). Deletes carry no media type, so media types never filter them out.
     */
    public boolean wants(RegistryEvent e) {
        return !ignoredActions.contains(e.action().wireName())
                && (e.action() == RegistryEvent.Action.DELETE || !ignoredMediaTypes.contains(e.mediaType()));
    }

    /** Its outbox destination. */
    String destination() {
        return "e:" + name;
    }

    /** Never the headers: they hold credentials. */
    @Override
    public String toString() {
        return "endpoint " + name + " (" + url + ")";
    }
}
