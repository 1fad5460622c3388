package io.berth.lifecycle;

import java.time.Duration;

/**
 * How retention runs by itself (berth.retention.*).
 *
 * @param interval      how often every namespace's rules run (one run per interval across the nodes sharing a
 *                      database); zero: never by itself (runs on request still work)
 * @param untaggedGrace untagged manifests younger than this are never deleted: a multi-platform push sends its
 *                      images by digest before the index that lists them
 */
public record RetentionSettings(Duration interval, Duration untaggedGrace) {
    public static RetentionSettings defaults() {
        return new RetentionSettings(Duration.ofHours(24), Duration.ofHours(1));
    }

    public boolean scheduled() {
        return !interval.isZero();
    }
}
