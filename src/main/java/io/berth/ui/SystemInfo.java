package io.berth.ui;

import java.time.Instant;
import java.util.List;

/**
 * What the administration's system page tells about this server, given by whoever assembles it (the UI knows
 * neither the build nor the configuration).
 *
 * @param revision the commit the build was made from, or "" when the build did not know it
 * @param storage  the storage driver and where it keeps blobs ("filesystem at /var/lib/registry")
 * @param database which metadata database ("SQLite in /var/lib/registry", "PostgreSQL")
 * @param settings the effective configuration, secrets already shown as "(set)"
 */
public record SystemInfo(String version, String revision, String storage, String database, Instant started, List<Setting> settings) {

    /** One setting and its value. */
    public record Setting(String name, String value) {
    }

    public SystemInfo {
        settings = List.copyOf(settings);
    }
}
