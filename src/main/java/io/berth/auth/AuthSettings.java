package io.berth.auth;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How authentication behaves. {@code realm} null means "derive from the request's host".
 * {@code initialAdminPassword} null means "generate one at first start". {@code apiTokenMaxLifetime}
 * null means API tokens may live forever. {@code publicPulls}: anyone may pull from namespaces Berth
 * keeps no row for (registry:2's open mirror, see BerthConfig). A web UI session ends after
 * {@code sessionIdle} without a request, and {@code sessionMaxAge} after its login in any case.
 */
public record AuthSettings(boolean enabled, String service, String issuer, String realm, Duration tokenLifetime,
                           int bcryptCost, String initialAdminPassword, Path htpasswd, boolean usersCreateNamespaces,
                           boolean auditJsonLines, boolean auditPulls, Duration apiTokenMaxLifetime, boolean publicPulls,
                           Duration sessionIdle, Duration sessionMaxAge) {

    public static AuthSettings disabled() {
        return new AuthSettings(false, "berth", "berth", null, Duration.ofMinutes(5), 10, null, null, false, false, false, null, false,
                Duration.ofMinutes(30), Duration.ofHours(12));
    }
}
