package io.berth.config;

import io.berth.auth.AuthSettings;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * Berth's validated configuration. Keys follow registry:2's config.yml (and so its REGISTRY_*
 * variables); Berth's own live under {@code berth:} (BERTH_*).
 */
public record BerthConfig(
        InetSocketAddress address,
        Path tlsCertificate,
        Path tlsKey,
        Path rootDirectory,
        boolean deleteEnabled,
        String logLevel,
        boolean accessLog,
        String databaseUrl,
        int maxManifestBytes,
        boolean uploadPurging,
        Duration uploadPurgeAge,
        Duration uploadPurgeInterval,
        Duration shutdownGrace,
        AuthSettings auth) {

    private static final Set<String> LOG_LEVELS = Set.of("error", "warn", "info", "debug", "trace");

    public static BerthConfig from(Settings s) {
        InetSocketAddress address = parseAddress(s.string("http.addr", ":5000"));
        String cert = s.string("http.tls.certificate", null);
        String key = s.string("http.tls.key", null);
        if ((cert == null) != (key == null)) {
            throw new ConfigException("TLS needs both http.tls.certificate (REGISTRY_HTTP_TLS_CERTIFICATE) and http.tls.key (REGISTRY_HTTP_TLS_KEY)");
        }
        String driver = s.string("storage", "filesystem");
        if (!s.keys("storage").isEmpty() && !s.has("storage.type")) {
            driver = s.keys("storage").stream().filter(k -> !Set.of("delete", "maintenance", "cache", "redirect", "tag").contains(k))
                    .findFirst().orElse("filesystem");
        }
        if (!driver.equals("filesystem")) {
            throw new ConfigException("storage driver \"" + driver + "\" (REGISTRY_STORAGE) is not supported yet; use filesystem");
        }
        String level = s.string("log.level", "info").toLowerCase(Locale.ROOT);
        if (!LOG_LEVELS.contains(level)) {
            throw Settings.invalid("log.level", level, "one of error, warn, info, debug");
        }
        return new BerthConfig(
                address,
                cert == null ? null : Path.of(cert),
                key == null ? null : Path.of(key),
                Path.of(s.string("storage.filesystem.rootdirectory", "./data")),
                s.bool("storage.delete.enabled", true),
                level,
                !s.bool("log.accesslog.disabled", true) || s.bool("berth.accesslog", false),
                s.string("berth.database.url", null),
                (int) s.number("berth.manifest.maxsize", 4L * 1024 * 1024, 1024, 64L * 1024 * 1024),
                s.bool("storage.maintenance.uploadpurging.enabled", true),
                s.duration("storage.maintenance.uploadpurging.age", Duration.ofHours(168)),
                s.duration("storage.maintenance.uploadpurging.interval", Duration.ofHours(24)),
                s.duration("http.draintimeout", Duration.ofSeconds(30)),
                auth(s));
    }

    private static AuthSettings auth(Settings s) {
        String mode = s.string("berth.auth", "token").toLowerCase(Locale.ROOT);
        if (!mode.equals("token") && !mode.equals("none")) {
            throw Settings.invalid("berth.auth", mode, "token or none");
        }
        String htpasswd = s.string("auth.htpasswd.path", null);
        Duration ttl = s.duration("berth.auth.tokenttl", Duration.ofMinutes(5));
        if (ttl.compareTo(Duration.ofSeconds(30)) < 0 || ttl.compareTo(Duration.ofHours(24)) > 0) {
            throw Settings.invalid("berth.auth.tokenttl", ttl.toString(), "a duration from 30s to 24h");
        }
        return new AuthSettings(
                mode.equals("token"),
                s.string("berth.auth.service", "berth"),
                s.string("berth.auth.issuer", "berth"),
                s.string("berth.auth.realm", null),
                ttl,
                (int) s.number("berth.auth.bcryptcost", 10, 4, 15),
                s.string("berth.admin.password", null),
                htpasswd == null ? null : Path.of(htpasswd),
                s.bool("berth.auth.usernamespaces", false),
                s.bool("berth.audit.jsonlines", false),
                s.bool("berth.audit.pulls", true));
    }

    /** registry:2's addr forms: ":5000", "0.0.0.0:5000", "localhost:5000", "[::1]:5000". */
    static InetSocketAddress parseAddress(String addr) {
        String a = addr.trim();
        int colon = a.lastIndexOf(':');
        if (colon < 0) {
            throw Settings.invalid("http.addr", addr, "host:port or :port");
        }
        String host = a.substring(0, colon);
        int port;
        try {
            port = Integer.parseInt(a.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw Settings.invalid("http.addr", addr, "host:port or :port with a numeric port");
        }
        if (port < 0 || port > 65535) {
            throw Settings.invalid("http.addr", addr, "a port from 0 to 65535");
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
    }
}
