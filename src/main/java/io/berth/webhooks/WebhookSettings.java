package io.berth.webhooks;

import java.time.Duration;

/**
 * The operator's settings for per-namespace webhooks ({@code berth.webhooks.*}).
 *
 * @param allowPrivateTargets whether webhook URLs may point at loopback, private, link-local (cloud
 *                            metadata) and other non-public addresses; off by default, since namespace
 *                            owners choose the URLs and Berth's network is not theirs
 * @param timeout             for one delivery attempt
 * @param backoff             the wait before the first retry; each further retry waits twice as long, up to an hour
 * @param attempts            attempts before a delivery is given up
 */
public record WebhookSettings(boolean allowPrivateTargets, Duration timeout, Duration backoff, int attempts) {
    public static final WebhookSettings DEFAULTS = new WebhookSettings(false, Duration.ofSeconds(10), Duration.ofSeconds(10), 12);

    /** The longest wait between two attempts. */
    static final Duration MAX_BACKOFF = Duration.ofHours(1);

    /** When the attempt after {@code failed} failed ones is due, counted from {@code now}. */
    long nextAttempt(long now, int failed) {
        long wait = backoff.toMillis() << Math.min(Math.max(failed - 1, 0), 20);
        return now + Math.min(Math.max(wait, 1), MAX_BACKOFF.toMillis());
    }
}
