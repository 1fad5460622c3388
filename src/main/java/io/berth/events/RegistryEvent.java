package io.berth.events;

import io.berth.oci.Digest;

import java.time.Instant;

/**
 * Something a client made the registry do: the content of registry:2's notification events
 * (shared/specs/docker/about-notifications.md), without their envelope. The HTTP layer publishes one
 * after every successful push, pull, mount and delete; sinks (usage statistics, notifications,
 * webhooks) take what they need.
 *
 * @param action     what happened
 * @param repository the repository it happened in
 * @param digest     the manifest's or blob's digest; null for a tag deleted by name
 * @param mediaType  the manifest's media type, or {@code application/octet-stream} for blobs
 * @param size       bytes of the manifest or blob; -1 when not known (a redirected pull)
 * @param tag        the tag pushed, pulled or deleted by name; null otherwise
 * @param from       the repository a blob was mounted from; null otherwise
 * @param actor      the user (or API token owner) who did it; null for anonymous callers
 * @param request    the request that caused it
 * @param at         when
 */
public record RegistryEvent(Action action, Target target, String repository, Digest digest, String mediaType, long size,
                            String tag, String from, String actor, RequestInfo request, Instant at) {

    public enum Action {
        PUSH("push"), PULL("pull"), MOUNT("mount"), DELETE("delete");

        private final String wireName;

        Action(String wireName) {
            this.wireName = wireName;
        }

        /** The name registry:2 gives the action in its events. */
        public String wireName() {
            return wireName;
        }
    }

    /** What the event is about. */
    public enum Target { MANIFEST, BLOB }

    /** The request, as registry:2's RequestRecord describes it (its id is assigned by the sink that needs one). */
    public record RequestInfo(String addr, String host, String method, String userAgent) {
    }

    public boolean isManifest() {
        return target == Target.MANIFEST;
    }
}
