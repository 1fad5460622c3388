package io.berth.ui;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;

/**
 * What the administration's system page tells about this server, given by whoever assembles it (the UI knows
 * neither the build nor the configuration).
 *
 * @param revision the commit the build was made from, or "" when the build did not know it
 * @param storage  the storage driver and where it keeps blobs ("filesystem at /var/lib/registry")
 * @param database which metadata database ("SQLite in /var/lib/registry", "PostgreSQL")
 * @param settings the effective configuration, secrets already shown as "(set)"
 * @param upstreams the pull-through cache's upstreams as this node sees them now (asked on each view of the upstreams
 *                  page: from memory, never from the upstreams)
 */
public record SystemInfo(String version, String revision, String storage, String database, Instant started, List<Setting> settings,
                         Supplier<List<Upstream>> upstreams) {

    /** One setting and its value. */
    public record Setting(String name, String value) {
    }

    /**
     * One upstream of the pull-through cache: as configured ({@code url} without credentials) and as this node saw
     * it since it started — hits, misses, bytes fetched, when it last answered and when and how it last failed (0 and
     * null: never).
     */
    public record Upstream(String name, String url, String namespace, boolean enabled, Duration ttl, long hits, long misses,
                           long bytesFetched, long lastAnswerAt, long lastFailureAt, String lastFailure) {
        /** "disabled", "not contacted yet", "reachable" or "failing". */
        public String state() {
            if (!enabled) {
                return "disabled";
            }
            if (lastAnswerAt == 0 && lastFailureAt == 0) {
                return "not contacted yet";
            }
            return lastAnswerAt >= lastFailureAt ? "reachable" : "failing";
        }
    }

    public SystemInfo {
        settings = List.copyOf(settings);
    }

    /** A server without a pull-through cache. */
    public SystemInfo(String version, String revision, String storage, String database, Instant started, List<Setting> settings) {
        this(version, revision, storage, database, started, settings, List::of);
    }
}
