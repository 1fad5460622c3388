package io.berth.config;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which settings exist, so that a misspelt one is never silently ignored. Berth's own section
 * ({@code berth:} in the YAML) is strict: an unknown key stops the start, because a typo there switches a
 * feature off without a word (a misspelt {@code berth.proxy.upstreams} is no cache at all). registry:2's
 * sections are lenient, so that registry:2 users' configs keep loading: a registry:2 setting Berth does not
 * implement, or a key nobody knows, is a warning — as registry:2 warns about unknown environment variables.
 */
final class SettingsSchema {
    /** Every setting Berth reads; "*" matches any one key. A new setting must be added here. */
    private static final List<String> READ = List.of(
            "version",
            "log.level", "log.accesslog.disabled",
            "http.addr", "http.draintimeout", "http.tls.certificate", "http.tls.key", "http.debug.addr",
            // registry:2 needs this to serve /metrics on the debug listener; Berth always does
            "http.debug.prometheus.enabled",
            "storage", "storage.type", "storage.filesystem.rootdirectory",
            "storage.s3.bucket", "storage.s3.region", "storage.s3.regionendpoint", "storage.s3.secure", "storage.s3.forcepathstyle",
            "storage.s3.accesskey", "storage.s3.secretkey", "storage.s3.rootdirectory", "storage.s3.encrypt", "storage.s3.keyid",
            "storage.s3.storageclass", "storage.s3.chunksize", "storage.s3.multipartcopychunksize",
            "storage.s3.multipartcopythresholdsize", "storage.s3.multipartcopymaxconcurrency",
            "storage.gcs.bucket", "storage.gcs.keyfile", "storage.gcs.rootdirectory", "storage.gcs.chunksize",
            "storage.azure.accountname", "storage.azure.accountkey", "storage.azure.container", "storage.azure.connectionstring",
            "storage.azure.credentials.type", "storage.azure.serviceurl", "storage.azure.endpoint", "storage.azure.realm",
            "storage.azure.rootdirectory", "storage.azure.chunksize",
            "storage.delete.enabled", "storage.redirect.disable",
            "storage.maintenance.uploadpurging.enabled", "storage.maintenance.uploadpurging.age",
            "storage.maintenance.uploadpurging.interval",
            "auth.htpasswd.path",
            "proxy.remoteurl", "proxy.username", "proxy.password", "proxy.ttl",
            // registry:2's notification endpoints: the list from the YAML, or entry by entry from REGISTRY_NOTIFICATIONS_ENDPOINTS_0_URL …
            "notifications.endpoints", "notifications.endpoints.*", "notifications.endpoints.*.name",
            "notifications.endpoints.*.disabled", "notifications.endpoints.*.url", "notifications.endpoints.*.headers",
            "notifications.endpoints.*.headers.*", "notifications.endpoints.*.timeout", "notifications.endpoints.*.threshold",
            "notifications.endpoints.*.backoff", "notifications.endpoints.*.ignoredmediatypes",
            "notifications.endpoints.*.ignore.mediatypes", "notifications.endpoints.*.ignore.actions",
            "berth.accesslog", "berth.admin.password", "berth.audit.jsonlines", "berth.audit.pulls",
            "berth.auth", "berth.auth.type", "berth.auth.tokenttl", "berth.auth.service", "berth.auth.issuer", "berth.auth.realm",
            "berth.auth.bcryptcost", "berth.auth.usernamespaces", "berth.auth.apitokenmaxttl",
            "berth.ui", "berth.ui.sessiontimeout", "berth.ui.sessionmaxage",
            "berth.data.dir", "berth.database.url", "berth.database.synchronous", "berth.manifest.maxsize", "berth.proxy.upstreams",
            "berth.proxy.private", "berth.storage.directio",
            "berth.retention.interval", "berth.retention.untaggedgrace",
            "berth.webhooks.allowprivate", "berth.webhooks.timeout", "berth.webhooks.backoff", "berth.webhooks.attempts",

            "berth.gc.enabled", "berth.gc.grace", "berth.gc.interval", "berth.gc.schedule", "berth.gc.untagged", "berth.gc.referrers",
            "berth.gc.cacheevictafter");

    /** The keys of one entry of berth.proxy.upstreams. */
    static final List<String> UPSTREAM = List.of("name", "url", "namespace", "username", "password", "ttl", "allow", "enabled",
            "fetchers");

    /**
     * registry:2's settings that Berth does not implement (configuration.md): anything at or under these is
     * ignored with a warning naming the section. A trailing ".*" names the setting itself instead (storage
     * drivers take many parameters; Berth reads some).
     */
    private static final List<String> REGISTRY2_ONLY = List.of(
            "loglevel", "log.formatter", "log.fields", "log.hooks", "log.reportcaller", "log.accesslog",
            "storage.filesystem.*", "storage.s3.*", "storage.gcs.*", "storage.azure.*", "storage.inmemory", "storage.cache",
            "storage.maintenance.readonly", "storage.maintenance.uploadpurging.dryrun", "storage.tag", "storage.redirect",
            "storage.delete",
            "auth.silly", "auth.token", "auth.htpasswd.realm",
            "middleware", "reporting", "notifications.events", "redis", "health", "validation", "compatibility", "catalog",
            "http.net", "http.prefix", "http.host", "http.secret", "http.relativeurls", "http.tls.clientcas",
            "http.tls.clientauth", "http.tls.letsencrypt", "http.tls.minimumtls", "http.tls.ciphersuites", "http.debug.prometheus",
            "http.headers", "http.http2", "http.h2c",
            "proxy.exec");

    /** BERTH_* variables read by the launcher (./berth) and the test suite, not by the server. */
    private static final Set<String> TOOLING = Set.of("BERTH_JAVA", "BERTH_JAVA_OPTS", "BERTH_DEFAULT_JAVA_OPTS",
            "BERTH_START_CACHE", "BERTH_REQUIRE_E2E", "BERTH_AZURITE_BLOB");

    private SettingsSchema() {
    }

    /** Fails on the first unknown key under berth: in the YAML file. */
    static void checkBerthSection(JsonNode yaml, Path file) {
        JsonNode berth = yaml == null ? null : yaml.get("berth");
        if (berth != null) {
            walk(berth, new ArrayList<>(List.of("berth")), (path, node) -> {
                if (!isRead(path) && !isPrefixOfRead(path, node)) {
                    throw unknown(path, file);
                }
            }, file);
        }
    }

    /** Warnings for everything in the YAML (outside berth:) and the environment that Berth ignores. */
    static List<String> warnings(JsonNode yaml, Path file, Map<String, String> env) {
        Set<String> out = new LinkedHashSet<>();
        if (yaml != null) {
            yaml.fieldNames().forEachRemaining(top -> {
                if (!top.equals("berth")) {
                    walk(yaml.get(top), new ArrayList<>(List.of(top)), (path, node) -> {
                        if (!isRead(path) && !isPrefixOfRead(path, node)) {
                            String section = registry2Section(path);
                            out.add(section != null ? "ignoring registry:2 setting " + section + " (in " + file + "): Berth does not implement it"
                                    : "ignoring unrecognized setting " + String.join(".", path) + " in " + file);
                        }
                    }, file);
                }
            });
        }
        env.keySet().stream().sorted().forEach(name -> envWarning(name).ifPresent(out::add));
        return List.copyOf(out);
    }

    private static java.util.Optional<String> envWarning(String name) {
        List<String> path = Settings.envPath(name);
        if (path == null || TOOLING.contains(name) || name.startsWith("BERTH_TEST_") || isRead(path)) {
            return java.util.Optional.empty();
        }
        String section = registry2Section(path);
        return java.util.Optional.of(section != null && !name.startsWith("BERTH_")
                ? "ignoring registry:2 setting " + section + " (" + name + "): Berth does not implement it"
                : "Ignoring unrecognized environment variable " + name);
    }

    private interface Leaf {
        void accept(List<String> path, JsonNode node);
    }

    /** Calls {@code leaf} for every scalar, list and empty mapping; the cache's upstreams are checked entry by entry. */
    private static void walk(JsonNode node, List<String> path, Leaf leaf, Path file) {
        if (node.isObject() && !node.isEmpty()) {
            node.fieldNames().forEachRemaining(k -> {
                List<String> child = new ArrayList<>(path);
                child.add(k);
                walk(node.get(k), child, leaf, file);
            });
        } else if (node.isArray() && String.join(".", path).equals("berth.proxy.upstreams")) {
            for (int i = 0; i < node.size(); i++) {
                JsonNode entry = node.get(i);
                int index = i;
                entry.fieldNames().forEachRemaining(k -> {
                    if (!UPSTREAM.contains(k)) {
                        throw new ConfigException("unknown setting berth.proxy.upstreams[" + index + "]." + k + " in " + file
                                + " (an upstream takes: " + String.join(", ", UPSTREAM) + ")");
                    }
                });
            }
        } else {
            leaf.accept(path, node);
        }
    }

    /** Whether Berth declares this dotted setting (see {@link #READ}). */
    static boolean declares(String dotted) {
        return isRead(Arrays.asList(dotted.split("\\.")));
    }

    private static boolean isRead(List<String> path) {
        return READ.stream().anyMatch(p -> matches(p.split("\\."), path, false));
    }

    /** An empty or null mapping on the way to a setting ("filesystem:" with nothing under it). */
    private static boolean isPrefixOfRead(List<String> path, JsonNode node) {
        return (node.isNull() || node.isObject()) && READ.stream().anyMatch(p -> matches(p.split("\\."), path, true));
    }

    private static boolean matches(String[] pattern, List<String> path, boolean prefix) {
        if (prefix ? path.size() > pattern.length : path.size() != pattern.length) {
            return false;
        }
        for (int i = 0; i < path.size(); i++) {
            if (!pattern[i].equals("*") && !pattern[i].equals(path.get(i))) {
                return false;
            }
        }
        return true;
    }

    /** The registry:2 section (or setting) a path belongs to, or null when registry:2 has no such thing either. */
    private static String registry2Section(List<String> path) {
        for (String p : REGISTRY2_ONLY) {
            boolean named = p.endsWith(".*");
            String[] parts = (named ? p.substring(0, p.length() - 2) : p).split("\\.");
            if (path.size() >= parts.length && path.subList(0, parts.length).equals(Arrays.asList(parts))) {
                return named ? String.join(".", path) : p;
            }
        }
        return null;
    }

    private static boolean leadsSomewhere(List<String> path) {
        return READ.stream().anyMatch(p -> matches(p.split("\\."), path, true));
    }

    /** "unknown setting berth.proxy.upstream in FILE (berth.proxy takes: upstreams)": the first key that leads nowhere. */
    private static ConfigException unknown(List<String> path, Path file) {
        int known = 1;
        while (known < path.size() && leadsSomewhere(path.subList(0, known + 1))) {
            known++;
        }
        List<String> parent = path.subList(0, known);
        Set<String> takes = new LinkedHashSet<>();
        for (String p : READ) {
            String[] parts = p.split("\\.");
            if (parts.length > parent.size() && matches(parts, parent, true)) {
                takes.add(parts[parent.size()]);
            }
        }
        String expected = takes.isEmpty() ? " is not a mapping" : " takes: " + String.join(", ", takes);
        return new ConfigException("unknown setting " + String.join(".", path.subList(0, Math.min(known + 1, path.size()))) + " in "
                + file + " (" + String.join(".", parent) + expected + ")");
    }
}
