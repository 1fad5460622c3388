package io.berth.events;

import java.time.Instant;

/**
 * A push the registry refused because it would take its namespace over a limit of its quota. Published by the
 * HTTP layer after answering DENIED, to {@link EventSink#quotaExceeded}.
 *
 * @param namespace  whose quota
 * @param repository the repository pushed to
 * @param limit      which limit: {@code storage} (unique bytes), {@code repositories} or {@code tags}
 * @param used       what the namespace uses of it now
 * @param max        the limit
 * @param adding     what the refused push would have added
 * @param actor      who pushed; null for anonymous callers
 * @param request    the refused request
 * @param at         when
 */
public record QuotaExceeded(String namespace, String repository, String limit, long used, long max, long adding, String actor,
                            RegistryEvent.RequestInfo request, Instant at) {
}
