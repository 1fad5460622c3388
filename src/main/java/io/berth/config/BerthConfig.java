package io.berth.config;

import io.berth.auth.AuthSettings;
import io.berth.lifecycle.RetentionSettings;
import io.berth.gc.GcSettings;
import io.berth.proxy.Upstream;
import io.berth.storage.factory.StorageConfig;
import io.berth.webhooks.NotificationEndpoint;
import io.berth.webhooks.WebhookSettings;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * Berth's validated configuration. Keys follow registry:2's config.yml (and so its REGISTRY_*
 * variables); Berth's own live under {@code berth:} (BERTH_*).
 *
 * @param effectiveSettings what the file and the environment set, secrets as "(set)" ({@link Settings#effective}),
 *                          for operators to see (the web UI's system page)
 */
public record BerthConfig(
        InetSocketAddress address,
        Path tlsCertificate,
        Path tlsKey,
        StorageConfig storage,
        Path dataDirectory,
        boolean deleteEnabled,
        boolean redirect,
        String logLevel,
        boolean accessLog,
        String databaseUrl,
        boolean durableCommits,
        int maxManifestBytes,
        boolean uploadPurging,
        Duration uploadPurgeAge,
        Duration uploadPurgeInterval,
        Duration shutdownGrace,
        AuthSettings auth,
        List<Upstream> upstreams,
        InetSocketAddress debugAddress,
        RetentionSettings retention,
        List<NotificationEndpoint> notifications,
        WebhookSettings webhooks,
        List<Settings.Entry> effectiveSettings,
        GcSettings gc) {

    private static final Set<String> LOG_LEVELS = Set.of("error", "warn", "info", "debug", "trace");

    public static BerthConfig from(Settings s) {
        InetSocketAddress address = parseAddress(s.string("http.addr", ":5000"), "http.addr");
        String cert = s.string("http.tls.certificate", null);
        String key = s.string("http.tls.key", null);
        if ((cert == null) != (key == null)) {
            throw new ConfigException("TLS needs both http.tls.certificate (REGISTRY_HTTP_TLS_CERTIFICATE) and http.tls.key (REGISTRY_HTTP_TLS_KEY)");
        }
        StorageConfig storage = StorageSettings.from(s);
        // Where Berth keeps local state (the SQLite database when no BERTH_DATABASE_URL is given). With
        // filesystem storage that is the storage root itself, so one directory holds the whole registry
        // (and registry:2's layout, backups and volume mounts stay as they were). With an object store
        // there is no local root, and SQLite cannot live in a bucket, so it goes to berth.data.dir
        // (BERTH_DATA_DIR, default ./data): back that up, or use PostgreSQL to keep the node stateless.
        Path dataDirectory = storage instanceof StorageConfig.Filesystem fs
                ? fs.rootDirectory()
                : Path.of(s.string("berth.data.dir", "./data"));
        String level = s.string("log.level", "info").toLowerCase(Locale.ROOT);
        if (!LOG_LEVELS.contains(level)) {
            throw Settings.invalid("log.level", level, "one of error, warn, info, debug");
        }
        return new BerthConfig(
                address,
                cert == null ? null : Path.of(cert),
                key == null ? null : Path.of(key),
                storage,
                dataDirectory,
                s.bool("storage.delete.enabled", true),
                // registry:2's default: blob GETs are redirected to the store wherever the driver can sign a URL
                !s.bool("storage.redirect.disable", false),
                level,
                !s.bool("log.accesslog.disabled", true) || s.bool("berth.accesslog", false),
                s.string("berth.database.url", null),
                durableCommits(s),
                (int) s.number("berth.manifest.maxsize", 4L * 1024 * 1024, 1024, 64L * 1024 * 1024),
                s.bool("storage.maintenance.uploadpurging.enabled", true),
                s.duration("storage.maintenance.uploadpurging.age", Duration.ofHours(168)),
                s.duration("storage.maintenance.uploadpurging.interval", Duration.ofHours(24)),
                s.duration("http.draintimeout", Duration.ofSeconds(30)),
                auth(s),
                upstreams(s),
                // registry:2's debug listener: /metrics (and health) off the public port; none unless set
                s.has("http.debug.addr") ? parseAddress(s.string("http.debug.addr", ""), "http.debug.addr") : null,
                retention(s),
                notifications(s),
                webhooks(s),
                s.effective(),
                gc(s));
    }

    /** berth.retention.*: how often the rules run by themselves (0: never), and the grace of untagged manifests. */
    private static RetentionSettings retention(Settings s) {
        RetentionSettings defaults = RetentionSettings.defaults();
        Duration interval = s.duration("berth.retention.interval", defaults.interval());
        if (!interval.isZero() && interval.compareTo(Duration.ofSeconds(1)) < 0) {
            throw Settings.invalid("berth.retention.interval", interval.toString(), "0 (off) or a duration of at least 1s, such as 24h");
        }
        return new RetentionSettings(interval, s.duration("berth.retention.untaggedgrace", defaults.untaggedGrace()));
    }

    /** registry:2's notifications.endpoints, as its configuration.md describes them; disabled ones are left out. */
    private static List<NotificationEndpoint> notifications(Settings s) {
        List<NotificationEndpoint> out = new ArrayList<>();
        Set<String> names = new java.util.HashSet<>();
        int i = 0;
        for (Settings e : s.objects("notifications.endpoints")) {
            String where = "notifications.endpoints[" + i++ + "]";
            String name = e.string("name", "");
            if (name.isBlank()) {
                throw new ConfigException(where + " needs a name");
            }
            if (!names.add(name)) {
                throw new ConfigException(where + ": another endpoint is named " + name + " already");
            }
            if (e.bool("disabled", false)) {
                continue;
            }
            java.util.Set<String> ignoredTypes = new java.util.LinkedHashSet<>(e.strings("ignoredmediatypes"));
            ignoredTypes.addAll(e.strings("ignore.mediatypes"));
            long threshold = e.number("threshold", 0, Integer.MIN_VALUE, Integer.MAX_VALUE);
            out.add(new NotificationEndpoint(name, endpointUrl(e.string("url", null), where),
                    e.stringLists("headers"),
                    goDuration(e, "timeout", NotificationEndpoint.DEFAULT_TIMEOUT),
                    threshold <= 0 ? NotificationEndpoint.DEFAULT_THRESHOLD : (int) threshold,
                    goDuration(e, "backoff", NotificationEndpoint.DEFAULT_BACKOFF),
                    ignoredTypes, new java.util.LinkedHashSet<>(e.strings("ignore.actions"))));
        }
        return List.copyOf(out);
    }

    /**
     * A Go time.Duration as registry:2 reads it: "500ms", or a bare number of nanoseconds (its docs: "if
     * you omit the unit of time, ns is used"); zero or less is registry:2's default.
     */
    private static Duration goDuration(Settings e, String key, Duration fallback) {
        String raw = e.string(key, null);
        Duration d = raw != null && raw.trim().matches("-?\\d+") ? Duration.ofNanos(Long.parseLong(raw.trim())) : e.duration(key, fallback);
        return d.isZero() || d.isNegative() ? fallback : d;
    }

    private static URI endpointUrl(String url, String where) {
        try {
            URI u = new URI(url == null ? "" : url.trim());
            if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null) {
                throw new URISyntaxException(String.valueOf(url), "not an http(s) URL");
            }
            return u;
        } catch (URISyntaxException e) {
            throw new ConfigException(where + ".url must be an http(s) URL, not \"" + url + "\"");
        }
    }

    /** berth.webhooks: how per-namespace webhooks are delivered, and where they may point. */
    private static WebhookSettings webhooks(Settings s) {
        Duration timeout = s.duration("berth.webhooks.timeout", WebhookSettings.DEFAULTS.timeout());
        if (timeout.compareTo(Duration.ofMillis(100)) < 0 || timeout.compareTo(Duration.ofMinutes(5)) > 0) {
            throw Settings.invalid("berth.webhooks.timeout", timeout.toString(), "a duration from 100ms to 5m");
        }
        Duration backoff = s.duration("berth.webhooks.backoff", WebhookSettings.DEFAULTS.backoff());
        if (backoff.compareTo(Duration.ofMillis(10)) < 0 || backoff.compareTo(Duration.ofHours(1)) > 0) {
            throw Settings.invalid("berth.webhooks.backoff", backoff.toString(), "a duration from 10ms to 1h");
        }
        return new WebhookSettings(s.bool("berth.webhooks.allowprivate", false), timeout, backoff,
                (int) s.number("berth.webhooks.attempts", WebhookSettings.DEFAULTS.attempts(), 1, 100));
    }

    /** berth.gc.*: garbage collection (see GcSettings). */
    private static GcSettings gc(Settings s) {
        GcSettings d = GcSettings.defaults();
        Duration grace = s.duration("berth.gc.grace", d.grace());
        if (grace.compareTo(Duration.ofSeconds(1)) < 0) {
            throw Settings.invalid("berth.gc.grace", grace.toString(), "a duration of at least 1s, such as 1h");
        }
        Duration interval = s.duration("berth.gc.interval", d.interval());
        if (interval.compareTo(Duration.ofSeconds(1)) < 0) {
            throw Settings.invalid("berth.gc.interval", interval.toString(), "a duration of at least 1s, such as 24h");
        }
        String schedule = s.string("berth.gc.schedule", null);
        java.time.LocalTime dailyAt = null;
        if (schedule != null && !schedule.isBlank()) {
            if (s.has("berth.gc.interval")) {
                throw new ConfigException("berth.gc.schedule (BERTH_GC_SCHEDULE) and berth.gc.interval (BERTH_GC_INTERVAL) "
                        + "both say when to collect; set one");
            }
            try {
                dailyAt = java.time.LocalTime.parse(schedule.trim());
            } catch (java.time.format.DateTimeParseException e) {
                throw Settings.invalid("berth.gc.schedule", schedule, "a time of day in UTC, HH:MM, such as 03:30");
            }
        }
        Duration untagged = s.duration("berth.gc.untagged", null);
        if (untagged != null && untagged.compareTo(Duration.ofSeconds(1)) < 0) {
            throw Settings.invalid("berth.gc.untagged", untagged.toString(), "a duration of at least 1s, such as 720h");
        }
        return new GcSettings(s.bool("berth.gc.enabled", d.scheduled()), grace, interval, dailyAt, untagged,
                s.bool("berth.gc.referrers", d.referrers()), cacheEvictAfter(s),
                upstreams(s).stream().filter(Upstream::enabled).map(Upstream::namespace).toList());
    }

    /** berth.gc.cacheevictafter: unset or 0 keeps what the cache holds; else at least an hour (pulls are written in batches). */
    private static Duration cacheEvictAfter(Settings s) {
        Duration after = s.duration("berth.gc.cacheevictafter", Duration.ZERO);
        if (after.isZero()) {
            return null;
        }
        if (after.compareTo(Duration.ofHours(1)) < 0) {
            throw Settings.invalid("berth.gc.cacheevictafter", after.toString(), "0 (keep) or a duration of at least 1h, such as 720h");
        }
        return after;
    }

    /**
     * berth.database.synchronous: {@code full} (the default) answers a write only once SQLite's WAL is on
     * disk; {@code normal} may lose the last second of acknowledged pushes on power loss.
     */
    private static boolean durableCommits(Settings s) {
        String mode = s.string("berth.database.synchronous", "full").toLowerCase(Locale.ROOT);
        return switch (mode) {
            case "full" -> true;
            case "normal" -> false;
            default -> throw Settings.invalid("berth.database.synchronous", mode, "full or normal");
        };
    }

    /** Berth's list of upstreams, plus registry:2's single mirror (proxy.remoteurl) at the root. */
    private static List<Upstream> upstreams(Settings s) {
        List<Upstream> out = new ArrayList<>();
        int i = 0;
        for (Settings u : s.objects("berth.proxy.upstreams")) {
            String where = "berth.proxy.upstreams[" + i++ + "]";
            String name = u.string("name", null);
            String url = u.string("url", null);
            String namespace = u.string("namespace", name);
            if (url == null || namespace == null || !io.berth.oci.Names.isPathComponent(namespace)) {
                throw new ConfigException(where + " needs a url and a name or namespace (a lower-case repository path component)");
            }
            out.add(new Upstream(name == null ? namespace : name, upstreamUrl(url, where), namespace, u.string("username", null),
                    u.string("password", null), u.duration("ttl", Duration.ofMinutes(5)), u.strings("allow"), u.bool("enabled", true),
                    fetchers(u.string("fetchers", "readers"), where)));
        }
        String remote = s.string("proxy.remoteurl", null);
        if (remote != null && !remote.isBlank()) {
            out.add(new Upstream("mirror", upstreamUrl(remote, "proxy.remoteurl"), "", s.string("proxy.username", null),
                    s.string("proxy.password", null), s.duration("proxy.ttl", Duration.ofMinutes(5)), List.of(), true, false));
        }
        return out;
    }

    private static boolean fetchers(String value, String where) {
        return switch (value) {
            case "readers" -> false;
            case "writers" -> true;
            default -> throw new ConfigException(where + ".fetchers must be readers or writers, not \"" + value + "\"");
        };
    }

    private static URI upstreamUrl(String url, String where) {
        try {
            URI u = new URI(url.endsWith("/") ? url : url + "/");
            if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null) {
                throw new URISyntaxException(url, "not an http(s) URL");
            }
            return u;
        } catch (URISyntaxException e) {
            throw new ConfigException(where + " must be an http(s) URL, not \"" + url + "\"");
        }
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
        // API token expiry is asked for in whole days, so a maximum below a day could not be asked for at all.
        Duration apiTokenMax = s.duration("berth.auth.apitokenmaxttl", null);
        if (apiTokenMax != null && apiTokenMax.compareTo(Duration.ofDays(1)) < 0) {
            throw Settings.invalid("berth.auth.apitokenmaxttl", apiTokenMax.toString(), "a duration of at least 24h, such as 2160h");
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
                s.bool("berth.audit.pulls", true),
                apiTokenMax,
                publicMirror(s, htpasswd != null),
                s.duration("berth.ui.sessiontimeout", Duration.ofMinutes(30)),
                s.duration("berth.ui.sessionmaxage", Duration.ofHours(12)));
    }

    /**
     * Whether registry:2's mirror mode (proxy.remoteurl) answers anonymous pulls: it does, as registry:2's
     * does, so docker's registry-mirrors works unchanged — unless berth.proxy.private (BERTH_PROXY_PRIVATE)
     * is true. With htpasswd auth registry:2 asks for a login, so that makes the default private.
     */
    private static boolean publicMirror(Settings s, boolean htpasswd) {
        String remote = s.string("proxy.remoteurl", null);
        return remote != null && !remote.isBlank() && !s.bool("berth.proxy.private", htpasswd);
    }

    /** The filesystem driver's root directory, or null when objects live in an object store. */
    public Path rootDirectory() {
        return storage instanceof StorageConfig.Filesystem fs ? fs.rootDirectory() : null;
    }

    /** registry:2's addr forms: ":5000", "0.0.0.0:5000", "localhost:5000", "[::1]:5000". */
    static InetSocketAddress parseAddress(String addr, String setting) {
        String a = addr.trim();
        int colon = a.lastIndexOf(':');
        if (colon < 0) {
            throw Settings.invalid(setting, addr, "host:port or :port");
        }
        String host = a.substring(0, colon);
        int port;
        try {
            port = Integer.parseInt(a.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw Settings.invalid(setting, addr, "host:port or :port with a numeric port");
        }
        if (port < 0 || port > 65535) {
            throw Settings.invalid(setting, addr, "a port from 0 to 65535");
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
    }
}
